"""Follow-ups: a pt-BR question without a subject of its own ("e o valor?", "e sábado?", "e pra
criança?") takes its subject from the member's earlier question.

A question lacks a subject when it opens with "e" and asks about at most `FOLLOW_UP_WORDS` things,
or asks about nothing (framing only). Its subject is the asked words of the member's latest earlier
question that had one; a question with its own subject stands alone, so a change of topic is never
mixed with the previous one.

The follow-up's own words say what is asked, its subject only which thing it is asked about: "e qual
o valor?" after a question about the women's class wants a price, not the class's section again. So
the search is for both (`standalone`), and the passages kept are those that hold what the follow-up
itself asks (`answering`), in the order the subject gave them. Every engine answers from those: the
offline extraction reads the member's own words against them, the model reads the history too."""

from collections.abc import Sequence

from adapters.bm25.analyzer import words
from adapters.offline.answer import ASKING, FIGURE_ASKED, LIGHT, asked_words, coverage
from application.knowledge_index import Passage
from application.turn import TurnInput
from domain.message import Direction, Message

# "e o anual?", "e tem desconto pra irmão?": a follow-up names one or two new things; an "e ..."
# question that asks about more is a question of its own.
FOLLOW_UP_WORDS = 3
# Share of its own asked words a passage must hold to answer a follow-up. Half, not the answer's
# usual bar: a follow-up is two or three words, one of them often a verb ("e se eu quiser cancelar?").
FOLLOW_UP_COVERAGE = 0.5
# What a question may ask of any class, plan or place without naming which: "quantos alunos por
# turma?", "qual o horário?", "quanto custa?" after "vcs tem aula de boxe?" ask about boxing, whether
# or not they open with "e".
ATTRIBUTES = LIGHT | FIGURE_ASKED | frozenset("alunos alunas pessoas vagas professor professora duracao dura".split())


def lacks_subject(text: str) -> bool:
    folded = words(text)
    continues = folded[:1] == ["e"] and folded[1:2] != ["ai"]  # "e aí" greets, it does not continue
    # "quem dá?", "onde é?" ask a kind of fact but name no subject.
    asked = [w for w in asked_words(text) if w not in ASKING]
    return not asked or (continues and len(asked) <= FOLLOW_UP_WORDS) or all(w in ATTRIBUTES for w in asked)


def subject(text: str, history: Sequence[Message]) -> list[str]:
    """The asked words of the member's latest earlier question that had a subject, when `text` lacks
    one; else none. `history` is oldest first and holds the bot's replies too: only the member's count."""
    if not lacks_subject(text):
        return []
    earlier = (m.text for m in reversed(history) if m.direction is Direction.INBOUND)
    return next((asked_words(question) for question in earlier if not lacks_subject(question)), [])


def answering(text: str, passages: Sequence[Passage], about: Sequence[str] = ()) -> list[Passage]:
    """The passages that hold what the follow-up asks, by their search score raised by the share of
    the subject (`about`) they hold: the search for both may rank about as high a passage that holds
    less of the subject ("e qual o valor?" about the women's class finds the kids' plan as high as the
    monthly plan that names the women's class)."""
    own = asked_words(text)
    kept = [p for p in passages if coverage(own, _text(p)) >= FOLLOW_UP_COVERAGE]
    return sorted(kept, key=lambda p: -p.score * (1 + coverage(about, _text(p))))


def _text(passage: Passage) -> str:
    return f"{passage.chunk.heading}\n{passage.chunk.text}"


class OfflineFollowUpReader:
    """`FollowUpReader` by the rules above: pt-BR words, no model."""

    def standalone(self, turn: TurnInput) -> str | None:
        carried = subject(turn.text, turn.history)
        return " ".join([turn.text, *carried]) if carried else None

    def answering(self, turn: TurnInput, passages: Sequence[Passage]) -> list[Passage]:
        return answering(turn.text, passages, subject(turn.text, turn.history))
