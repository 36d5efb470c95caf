import hashlib
import re

import attrs

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")


@attrs.frozen
class Chunk:
    """A section of a tenant's knowledge base: what retrieval finds and answers are built from."""

    tenant: str
    source: str  # file name inside the pack
    heading: str
    text: str

    @property
    def key(self) -> str:
        """Stable identity of the section across re-ingests: where it lives, not what it says."""
        return f"{self.tenant}/{self.source}#{self.heading}"

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(f"{self.heading}\n{self.text}".encode()).hexdigest()


def split_markdown(tenant: str, source: str, markdown: str) -> list[Chunk]:
    """Splits at `##`-or-deeper headings; the `#` title and text before the first section form an
    introduction chunk named after the title. Sections without body text are dropped."""
    title = source.rsplit(".", 1)[0]
    sections: list[tuple[str, list[str]]] = [(title, [])]
    for line in markdown.splitlines():
        match = _HEADING.match(line)
        if match and len(match.group(1)) == 1 and not sections[-1][1] and len(sections) == 1:
            sections[0] = (match.group(2), [])
        elif match and len(match.group(1)) >= 2:
            sections.append((match.group(2), []))
        else:
            sections[-1][1].append(line)
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for heading, lines in sections:
        text = "\n".join(lines).strip()
        if not text:
            continue
        seen[heading] = seen.get(heading, 0) + 1
        unique = heading if seen[heading] == 1 else f"{heading} ({seen[heading]})"
        chunks.append(Chunk(tenant=tenant, source=source, heading=unique, text=text))
    return chunks
