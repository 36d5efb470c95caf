"""Extractive answers: the sentences of the best passage that answer the question, or None.

Nothing is generated: the reply is one passage's own sentences, so it can only say what the
tenant's knowledge base says. A passage answers when it holds most of what the question asks
about: its content words, matched by stem, by a related word ("valor" ~ "custa") or despite a typo."""

import re
from collections.abc import Sequence

from adapters.bm25.analyzer import content_words, fold, near, stem, words
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
# Interrogatives that say what kind of fact is asked ("onde fica?" asks for an address, "quem dá a
# aula?" for a teacher) although they are stopwords: asked through their related words, unless a
# preposition makes them a relative ("pra quem é de fora", "de onde"), in the question as in the
# passage ("para quem quer lutar" names no teacher). Among passages that answer, one about the
# subject that lacks the kind of fact ("Muay Thai" for "quem dá a aula de muay thai?") ranks below
# one that states it; the kind alone makes no passage answer ("onde estaciono?" is not the address).
ASKING = frozenset("onde quem".split())
RELATIVE = frozenset("para de a por com".split())
KIND_MISSING_PENALTY = 0.5
# Precision first: two passages that answer about equally well (within a third of a rank's penalty)
# may say different things; the one holding more of the question answers, and when both hold as much,
# neither does unless they say the same thing (measured: on the held-out set this turned 2 wrong
# answers into abstentions and cost no correct one on either set).
MARGIN = 0.05
# Verbs and fillers that frame a question without saying what it is about.
FRAMING = frozenset(
    """posso pode podem podemos consigo consegue conseguir ir vir vem venho assim problema coisa
    algo vida saber dar fazer acontece quiser quisesse""".split()
)
# Half weight: numbers ("65 anos", "12x") and times of day ("de manhã"), which the pack may state
# otherwise ("60 anos ou mais", "às 7h"); modifiers ("perto"); and words every training center's
# pack is full of, which say little about which passage answers.
LIGHT_WEIGHT = 0.5
LIGHT = frozenset(
    """aula aulas treino treinos treinar treinarmos turma dia dias plano planos manha tarde noite
    cedo perto proximo proxima longe hoje amanha agora""".split()
)
# WhatsApp wants two or three sentences: a passage up to this long is the answer as a whole; a
# longer one is cut to its opening sentence (FAQ sections answer their heading first) and the
# sentences holding the most specific words, unless the question asks what its heading asks (then
# all of it answers: "o que levar na aula experimental?" wants the whole list). About two sentences:
# a third one that holds nothing asked is left out (measured: no fact asked was lost at 200 on either
# labelled set, and the held-out median reply fell from 222 to 214 characters).
SHORT = 200
MAX_SENTENCES = 3
# Questions that ask for a figure (a price, a count, an age, a date or time); a sentence that states
# one ("em junho e dezembro", "R$ 90,00", "de 13 a 17 anos") answers them more than one that does not.
FIGURE_ASKED = frozenset("quanto quanta quantos quantas quando valor preco custa custo idade horario horarios hora horas".split())
FIGURE = "<figure>"  # held by a sentence that states a figure, when the question asks for one
_FIGURE = re.compile(
    r"\d|\b(janeiro|fevereiro|marco|abril|maio|junho|julho|agosto|setembro|outubro|novembro|dezembro"
    r"|segunda|terca|quarta|quinta|sexta|sabado|domingo)\b"
)
# Nouns for who does something ("acompanhantes", "iniciantes", "estudante") share their stem with
# the verb ("acompanhar", "iniciar", "estudar") but not its meaning: "consigo acompanhar?" asks about
# keeping up, not about companions. A stem matches only a word of the same kind.
_AGENT = re.compile(r"(?<!m)(?:a|e)ntes?$")
# A heading's parenthesised aside ("Jiu-Jitsu Kids (4 a 12 anos)") qualifies what it names: a question
# restates the heading with or without it.
_ASIDE = re.compile(r"\([^)]*\)")
_NUMBER = re.compile(r"\d+")
_RANGE = re.compile(r"\b(\d+) (?:a|até) (\d+)\b")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÀ-Ý0-9])")


def answer(question: str, passages: Sequence[Passage]) -> str | None:
    chunk = choose(asked_words(question), passages)
    return excerpt(question, chunk) if chunk else None


def asked_words(question: str) -> list[str]:
    """The question's content words, once each, without greetings, framing and (unless alone)
    question words."""
    said = [w for w in dict.fromkeys(_asking(question) + content_words(without_smalltalk(question))) if w not in FRAMING]
    return [w for w in said if w not in QUESTION_WORDS] or said


def _asking(text: str) -> list[str]:
    said = words(text)
    return [w for i, w in enumerate(said) if w in ASKING and not _relative(said, i)]


def _relative(said: Sequence[str], i: int) -> bool:
    return i > 0 and said[i - 1] in RELATIVE


def choose(asked: Sequence[str], passages: Sequence[Passage]) -> Chunk | None:
    """The passage that answers: it holds enough of the question, or the question restates its
    heading; among those, the best match. Of two that match about equally (`MARGIN`), the one that
    holds more of the question; when they hold as much, none, unless they say the same thing."""
    if not asked:
        return None
    scored: list[tuple[float, float, Chunk]] = []
    for rank, passage in enumerate(passages):
        heading = passage.chunk.heading
        text = f"{heading}\n{passage.chunk.text}"
        held = coverage(asked, text)
        restated = max(coverage(asked_words(h), " ".join(asked)) for h in (heading, _ASIDE.sub(" ", heading)))
        score = held + restated - RANK_PENALTY * rank - KIND_MISSING_PENALTY * _lacks_kind(asked, text)
        if _answers(held, restated):
            scored.append((score, held, passage.chunk))
    scored.sort(key=lambda s: -s[0])
    if len(scored) < 2 or scored[0][0] - scored[1][0] >= MARGIN:
        return scored[0][2] if scored else None
    (_, held, chunk), (_, other_held, other) = scored[:2]
    if held != other_held:
        return chunk if held > other_held else other
    return chunk if _restates(chunk, other) else None


def _restates(chunk: Chunk, other: Chunk) -> bool:
    """Two passages that state the same figures say the same thing: the trial-class rules rendered
    from tenant.yaml and the Markdown section that repeats them ("2 horas", "14 dias"). Two that state
    different ones ("plano mensal" and "plano trimestral", for the price of a third variant) do not."""
    figures, others = (set(_NUMBER.findall(c.text)) for c in (chunk, other))
    return bool(figures and others) and (figures <= others or others <= figures)


def _lacks_kind(asked: Sequence[str], text: str) -> bool:
    said = _Said(text)
    return any(w in ASKING and not said.holds(w) for w in asked)


def _answers(held: float, restated: float) -> bool:
    """Precision first: a wrong answer costs more than "I don't know". A passage whose heading shares
    no word with the question is about something else unless it holds every word asked ("posso
    entrar no tatame de tênis?" is not answered by "Acompanhantes podem assistir às aulas?", which
    says who may not enter the tatame but nothing of shoes)."""
    if restated == 0:
        return held == 1
    return held >= MIN_COVERAGE or (restated >= HEADING_MATCH and held >= RESTATED_COVERAGE)


def coverage(asked: Sequence[str], text: str) -> float:
    """Weighted share of the asked words that `text` holds."""
    said = _Said(text)
    total = sum(_weight(w) for w in asked)
    return sum(_weight(w) for w in asked if said.holds(w)) / total if total else 0.0


def excerpt(question: str, chunk: Chunk) -> str:
    """The opening sentence and the one that answers best, plus any other that holds an asked word
    (or the figure asked for) that those lack, in their order. A word found in every sentence says
    little about which one answers, so it weighs less."""
    asked = asked_words(question)
    sentences = _SENTENCE_END.split(chunk.text)
    if len(chunk.text) <= SHORT or len(sentences) <= 2 or coverage(asked, chunk.heading) == 1:
        return chunk.text
    held = [{w for w in asked if _Said(s).holds(w)} for s in sentences]
    if _asks_figure(question):
        held = [h | {FIGURE} if _FIGURE.search(fold(s)) else h for s, h in zip(sentences, held, strict=True)]
    spread = {w: sum(w in h for h in held) for w in {*asked, FIGURE}}
    scores = [sum(_weight(w) / spread[w] for w in h) for h in held]
    chosen = [0]
    for i in sorted(range(1, len(sentences)), key=lambda i: -scores[i]):
        told = set().union(*(held[c] for c in chosen))
        if len(chosen) == 1 or (len(chosen) < MAX_SENTENCES and held[i] - told):
            chosen.append(i)
    return " ".join(sentences[i] for i in sorted(chosen))


def _asks_figure(question: str) -> bool:
    return not FIGURE_ASKED.isdisjoint(words(question))


def _weight(word: str) -> float:
    return LIGHT_WEIGHT if word.isdigit() or word in LIGHT else 1.0


class _Said:
    """The words of a text, ready to ask whether it holds a word: as typed, by stem, by a related
    word, within a typo, or (a number) inside a range it states ("15" in "de 13 a 17 anos")."""

    def __init__(self, text: str) -> None:
        said = words(text)
        self.words = {w for i, w in enumerate(said) if w not in ASKING or not _relative(said, i)}
        self.stems = {_stem_kind(w) for w in self.words}
        self.ranges = [(int(low), int(high)) for low, high in _RANGE.findall(text)]

    def holds(self, word: str) -> bool:
        if word in self.words or self._related(word):
            return True
        if word in ASKING:  # a stopword, typed right: "quem" is not a slip of "quer"
            return False
        if _stem_kind(word) in self.stems or (word.isdigit() and any(low <= int(word) <= high for low, high in self.ranges)):
            return True
        return any(near(word, w) for w in self.words)

    def _related(self, word: str) -> bool:
        return any(_stem_kind(r) in self.stems for r in related(word))


def _stem_kind(word: str) -> tuple[str, bool]:
    return stem(word), bool(_AGENT.search(word)) and len(word) > len(stem(word)) + 2


class OfflineQuestionAnswerer:
    """`QuestionAnswerer` by extraction: the passage that shares the most specific words with the
    question, cut to the sentences that hold them."""

    async def answer(self, turn: TurnInput, passages: Sequence[Passage]) -> Answer:
        return Answer(text=answer(turn.text, passages))
