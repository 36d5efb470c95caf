import attrs


@attrs.define
class Backoff:
    """How long to wait after each failure in a row: `first` seconds, doubling up to `cap`. A
    success starts the count again. Keeps a service that cannot reach its database from hammering
    it (and its own log) while it restarts, without waiting long once it is back."""

    first: float = 0.5
    cap: float = 30.0
    failures: int = attrs.field(default=0, init=False)

    def failed(self) -> float:
        """Counts a failure; returns the wait before the next attempt."""
        self.failures += 1
        # The exponent stops well past any cap: a days-long outage must not overflow a float.
        return min(self.first * 2.0 ** min(self.failures - 1, 60), self.cap)

    def succeeded(self) -> int:
        """Starts the count again; returns how many failures in a row it ended."""
        ended, self.failures = self.failures, 0
        return ended
