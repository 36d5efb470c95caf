class ApplicationError(Exception):
    """A use case could not do what was asked; the message says why, for an operator."""


class UnknownTenant(ApplicationError):
    pass


class UnknownChannel(ApplicationError):
    pass
