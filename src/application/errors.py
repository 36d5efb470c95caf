class ApplicationError(Exception):
    """A use case could not do what was asked; the message says why, for an operator."""


class UnknownTenant(ApplicationError):
    pass


class UnknownChannel(ApplicationError):
    pass


class UnknownTrialClass(ApplicationError):
    """No such trial class in the tenant: another tenant's id is unknown too."""


class StorageUnavailable(ApplicationError):
    """The database cannot be reached or used right now (refused, lost, shutting down, out of
    resources). Nothing was committed by the failed call: trying again later is safe."""
