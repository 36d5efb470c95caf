class ModelFailure(Exception):
    """The model gave no usable reply: the reason is short and fit for a log field."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
