class ApplicationError(Exception):
    """A use case could not do what was asked; the message says why, for an operator."""


class UnknownTenant(ApplicationError):
    pass


class UnknownChannel(ApplicationError):
    pass


class StorageUnavailable(ApplicationError):
    """The database could not be reached; the caller may retry."""
