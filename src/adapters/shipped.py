"""Files tatame reads at run time besides its code: the alembic migrations and the default
knowledge pack. They live at the repository root (migrations/, knowledge/) and are installed as
the package `tatame_data` (pyproject.toml maps the folders), so a wheel installed anywhere finds
them, and an editable install finds the checkout's own."""

from importlib.resources import files
from pathlib import Path


def _folder(package: str) -> Path:
    # Installed as plain files (never zipped), so the resource folder is a folder on disk, which
    # is what alembic and the pack loader read.
    return Path(str(files(package)))


def migrations_dir() -> Path:
    return _folder("tatame_data.migrations")


def default_knowledge_dir() -> Path:
    return _folder("tatame_data.knowledge")
