import datetime as dt
from collections.abc import Sequence
from typing import ClassVar, TextIO

import attrs

from domain.channel import Channel, ChannelKind


@attrs.define
class TerminalGateway:
    """Delivers replies of terminal channels by writing them to a text stream."""

    kind: ClassVar[ChannelKind] = ChannelKind.CLI
    stream: TextIO
    prefix: str = "bot> "

    async def send(self, channel: Channel, recipient: str, text: str) -> str | None:
        indent = " " * len(self.prefix)
        self.stream.write(self.prefix + text.replace("\n", "\n" + indent) + "\n")
        self.stream.flush()
        return None

    async def find_sent(self, channel: Channel, recipient: str, text: str, since: dt.datetime) -> Sequence[str]:
        """A stream keeps no record to look in: a line cut short by a crash is written again."""
        return ()
