class ApplicationError(Exception):
    """A use case could not do what was asked; the message says why, for an operator."""


class UnknownTenant(ApplicationError):
    pass


class UnknownChannel(ApplicationError):
    pass


class StorageUnavailable(ApplicationError):
    """The database cannot be reached or used right now (refused, lost, shutting down, out of
    resources). Nothing was committed by the failed call: trying again later is safe."""


class TransactionConflict(ApplicationError):
    """The database aborted the transaction for a concurrent one, not for anything wrong in it (a
    deadlock, a serialization failure). Nothing of it was committed: run it again from the start,
    and it meets the other one committed."""
