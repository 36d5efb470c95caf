class DomainError(Exception):
    """A business rule was broken; the message is for engineers, not members."""


class InvalidTransition(DomainError):
    """A conversation was asked to move to a status it cannot reach from where it is."""
