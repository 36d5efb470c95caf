"""Extractive answers: the sentences of the best passage that answer the question, or None.

Nothing is generated: the reply is one passage's own sentences, so it can only say what the
tenant's knowledge base says. A passage answers when it holds most of what the question asks
about: its content words, matched by stem, by a related word ("valor" ~ "custa") or despite a typo."""

import re
from collections.abc import Sequence

from adapters.bm25.analyzer import content_words, near, stem, words
from adapters.bm25.related import related
from adapters.offline.smalltalk import without_smalltalk
from application.knowledge_index import Passage
from application.question_answerer import Answer
from application.turn import TurnInput
from domain.knowledge import Chunk

# Weighted share of the asked words the chosen passage must hold. A question about two things needs
# both ("vocês vendem whey?" finds "vende" but no "whey"); a longer one may miss a word or two.
MIN_COVERAGE = 0.6
# A question that restates an FAQ heading ("nunca treinei, posso começar?" for "Nunca treinei,
# posso começar?") is answered by that section even when it adds words of its own ("fora de forma"),
# as long as those are not most of it ("tem sauna a vapor com ofurô?" is not "Tem sauna?").
HEADING_MATCH = 0.75
RESTATED_COVERAGE = 0.4
# Retrieval ranks with corpus statistics that coverage lacks, so a lower-ranked passage is chosen
# only when it matches clearly better.
RANK_PENALTY = 0.15
# Words that ask rather than say about what; kept only when nothing else is asked ("onde fica o
# ct?" leaves just "ct": every passage holds it and the retrieval rank decides).
QUESTION_WORDS = frozenset("quanto quantos quantas quando existe ct academia gente".split())
# Verbs and fillers that frame a question without saying what it is about.
FRAMING = frozenset(
    """posso pode podem podemos consigo consegue conseguir ir vir vem venho assim problema coisa
    algo vida saber dar fazer acontece""".split()
)
# Half weight: numbers ("65 anos", "12x") and times of day ("de manhã"), which the pack may state
# otherwise ("60 anos ou mais", "às 7h"); modifiers ("perto"); and words every training center's
# pack is full of, which say little about which passage answers.
LIGHT_WEIGHT = 0.5
LIGHT = frozenset(
    """aula aulas treino treinos treinar treinarmos turma dia dias plano planos manha tarde noite
    cedo perto proximo proxima longe hoje amanha agora""".split()
)
# A passage up to this long is the answer as a whole; a longer one is cut to its opening sentence
# (FAQ sections answer their heading first) and the sentences holding the most specific words.
SHORT = 500
MAX_SENTENCES = 3
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-Ý0-9])")


def answer(question: str, passages: Sequence[Passage]) -> str | None:
    asked = asked_words(question)
    chunk = choose(asked, passages)
    return excerpt(asked, chunk) if chunk else None


def asked_words(question: str) -> list[str]:
    """The question's content words, once each, without greetings, framing and (unless alone)
    question words."""
    said = [w for w in dict.fromkeys(content_words(without_smalltalk(question))) if w not in FRAMING]
    return [w for w in said if w not in QUESTION_WORDS] or said


def choose(asked: Sequence[str], passages: Sequence[Passage]) -> Chunk | None:
    """The passage that answers: it holds enough of the question, or the question restates its
    heading; among those, the best match, ties and near-ties to the better ranked."""
    if not asked:
        return None
    best: tuple[float, Chunk] | None = None
    for rank, passage in enumerate(passages):
        held = coverage(asked, f"{passage.chunk.heading}\n{passage.chunk.text}")
        restated = coverage(asked_words(passage.chunk.heading), " ".join(asked))
        score = held + restated - RANK_PENALTY * rank
        if (held >= MIN_COVERAGE or (restated >= HEADING_MATCH and held >= RESTATED_COVERAGE)) and (best is None or score > best[0]):
            best = (score, passage.chunk)
    return best[1] if best else None


def coverage(asked: Sequence[str], text: str) -> float:
    """Weighted share of the asked words that `text` holds."""
    said = _Said(text)
    total = sum(_weight(w) for w in asked)
    return sum(_weight(w) for w in asked if said.holds(w)) / total if total else 0.0


def excerpt(asked: Sequence[str], chunk: Chunk) -> str:
    """The opening sentence and the ones holding the most specific asked words, in their order. A
    word found in every sentence says little about which one answers, so it weighs less."""
    sentences = _SENTENCE_END.split(chunk.text)
    if len(chunk.text) <= SHORT or len(sentences) <= MAX_SENTENCES:
        return chunk.text
    held = [{w for w in asked if _Said(s).holds(w)} for s in sentences]
    spread = {w: sum(w in h for h in held) for w in asked}
    scores = [sum(_weight(w) / spread[w] for w in h) for h in held]
    others = sorted(range(1, len(sentences)), key=lambda i: -scores[i])
    top = scores[others[0]]
    chosen = [i for i in others[: MAX_SENTENCES - 1] if scores[i] > 0 and scores[i] >= top / 2] or [1]
    return " ".join(sentences[i] for i in sorted([0, *chosen]))


def _weight(word: str) -> float:
    return LIGHT_WEIGHT if word.isdigit() or word in LIGHT else 1.0


class _Said:
    """The words of a text, ready to ask whether it holds a word: as typed, by stem, by a related
    word, or within a typo."""

    def __init__(self, text: str) -> None:
        self.words = set(words(text))
        self.stems = {stem(w) for w in self.words}

    def holds(self, word: str) -> bool:
        if word in self.words or stem(word) in self.stems:
            return True
        return any(stem(r) in self.stems for r in related(word)) or any(near(word, w) for w in self.words)


class OfflineQuestionAnswerer:
    """`QuestionAnswerer` by extraction: the passage that shares the most specific words with the
    question, cut to the sentences that hold them."""

    async def answer(self, turn: TurnInput, passages: Sequence[Passage]) -> Answer:
        return Answer(text=answer(turn.text, passages))
