"""What the member wrote, without the characters nobody sees: they can smuggle instructions to a
model (Unicode tag characters spell ASCII invisibly) and change nothing a person reads."""

import re

_INVISIBLE = re.compile(
    "["
    "\U000e0000-\U000e007f"  # tags
    "\ufe00-\ufe0f"  # variation selectors
    "\U000e0100-\U000e01ef"  # variation selectors supplement
    "\u200b-\u200f"  # zero-width space, non-joiner, joiner; left-to-right and right-to-left marks
    "\u202a-\u202e"  # bidirectional embeddings and overrides
    "\u2060-\u2064"  # word joiner and invisible operators
    "\u2066-\u2069"  # bidirectional isolates
    "\u00ad"  # soft hyphen
    "\ufeff"  # zero-width no-break space (byte order mark)
    "]"
)


def visible(text: str) -> str:
    return _INVISIBLE.sub("", text)
