from enum import StrEnum


class Route(StrEnum):
    """What a turn was about; stored on the inbound messages it handled."""

    FAQ = "faq"
    ESCALATE = "escalate"
    BOOKING = "booking"
    SMALLTALK = "smalltalk"
    PAUSED = "paused"  # the bot stayed quiet: a human has the conversation
