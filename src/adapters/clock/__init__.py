import datetime as dt

import attrs


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


@attrs.define
class SettableClock:
    """A clock that stands still at `current` until moved: scenarios and `--now` run on it."""

    current: dt.datetime = attrs.field()

    @current.validator
    def _aware(self, attribute: attrs.Attribute, value: dt.datetime) -> None:
        if value.tzinfo is None:
            raise ValueError("the clock needs a timezone-aware instant")

    def now(self) -> dt.datetime:
        return self.current
