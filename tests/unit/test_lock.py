"""The locks agree with pyproject.toml: a range changed without `./dev lock` would have ./dev, CI
and the Docker image install a version the project no longer accepts, or leave a new dependency
out (the project itself is installed with --no-deps)."""

import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests import PROJECT_ROOT


def _pins(lock: str) -> dict[str, set[str]]:
    """Name -> pinned versions; a package may be pinned once per environment marker."""
    pins: dict[str, set[str]] = {}
    for line in (PROJECT_ROOT / lock).read_text(encoding="utf-8").splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            name, _, rest = line.partition("==")
            pins.setdefault(canonicalize_name(name), set()).add(rest.split()[0])
    return pins


@pytest.mark.parametrize(("lock", "extras"), [("requirements.lock", []), ("requirements-dev.lock", ["dev"])])
def test_the_lock_pins_every_dependency_within_its_range(lock, extras):
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [*project["dependencies"], *(r for extra in extras for r in project["optional-dependencies"][extra])]
    pins = _pins(lock)
    for requirement in map(Requirement, wanted):
        versions = pins.get(canonicalize_name(requirement.name))
        assert versions, f"{requirement.name} is not in {lock}: run ./dev lock"
        outside = [v for v in versions if not requirement.specifier.contains(v, prereleases=True)]
        assert not outside, f"{lock} pins {requirement.name}=={outside[0]}, outside {requirement}: run ./dev lock"
