from typing import Protocol


class SchemaHistory(Protocol):
    """The schema revisions this code knows how to run on."""

    def head(self) -> str:
        """The newest revision."""

    def knows(self, revision: str) -> bool:
        """Whether `revision` is one of this code's own (older ones can be migrated to head)."""
