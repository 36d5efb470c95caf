from hypothesis import given
from hypothesis import strategies as st

from domain.knowledge import Chunk, split_markdown

PACK = """# Planos

Texto de abertura.

## Plano mensal
O plano mensal custa R$ 189,00.

## Vazio

### Plano anual
O plano anual sai por R$ 129,00 por mês.
"""


def test_splits_at_headings_and_keeps_the_introduction():
    chunks = split_markdown("ct", "planos.md", PACK)
    assert [(c.heading, c.text) for c in chunks] == [
        ("Planos", "Texto de abertura."),
        ("Plano mensal", "O plano mensal custa R$ 189,00."),
        ("Plano anual", "O plano anual sai por R$ 129,00 por mês."),
    ]


def test_repeated_headings_get_distinct_keys():
    chunks = split_markdown("ct", "a.md", "## Preço\num\n## Preço\ndois\n")
    assert len({c.key for c in chunks}) == 2


def test_key_is_stable_and_hash_follows_the_content():
    a = Chunk(tenant="ct", source="a.md", heading="H", text="um")
    b = Chunk(tenant="ct", source="a.md", heading="H", text="dois")
    assert a.key == b.key and a.content_hash != b.content_hash


@given(st.text())
def test_never_loses_body_text(markdown):
    chunks = split_markdown("ct", "x.md", markdown)
    body = "".join("".join(c.text.split()) for c in chunks)
    for line in markdown.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            assert "".join(line.split()) in body
