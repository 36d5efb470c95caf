"""The package list, which pyproject.toml cannot give: setuptools there either finds packages or
takes a list, and the wheel needs both the packages found under src/ and `tatame_data`, the
migrations and default knowledge pack that tatame needs at run time (mapped in pyproject.toml)."""

from setuptools import find_packages, setup

setup(packages=[*find_packages("src"), "tatame_data.migrations", "tatame_data.knowledge"])
