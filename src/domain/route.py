from enum import StrEnum


class Route(StrEnum):
    """What a turn was about; stored on the inbound messages it handled."""

    FAQ = "faq"
    ESCALATE = "escalate"
    BOOKING = "booking"
    SMALLTALK = "smalltalk"
    ERASURE_REQUEST = "erasure_request"  # the member asked for their data to be erased (LGPD)
    PAUSED = "paused"  # the bot stayed quiet: a human has the conversation
