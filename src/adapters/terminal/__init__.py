from typing import TextIO

import attrs

from domain.channel import Channel


@attrs.define
class TerminalGateway:
    """Delivers replies of terminal channels by writing them to a text stream."""

    stream: TextIO
    prefix: str = "bot> "

    async def send(self, channel: Channel, recipient: str, text: str) -> str | None:
        indent = " " * len(self.prefix)
        self.stream.write(self.prefix + text.replace("\n", "\n" + indent) + "\n")
        self.stream.flush()
        return None
