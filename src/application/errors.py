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


class StaffUserExists(ApplicationError):
    pass


class UnknownStaffUser(ApplicationError):
    pass


class WeakPassword(ApplicationError):
    pass


class LoginRefused(ApplicationError):
    """Wrong e-mail or password, or a disabled user: the same answer for each, so the form does not
    tell which addresses exist."""


class TooManyLoginAttempts(ApplicationError):
    """Too many failures for the account or from the address within the window: wait, then retry."""


class UnknownConversation(ApplicationError):
    """No such conversation for the asking tenant (another tenant's is unknown too)."""


class TransactionConflict(ApplicationError):
    """The database aborted the transaction for a concurrent one, not for anything wrong in it (a
    deadlock, a serialization failure). Nothing of it was committed: run it again from the start,
    and it meets the other one committed."""
