"""Runs labelled question sets against the real stack: each question in a fresh conversation,
after its history, graded by `eval_grading`."""

import io
from collections.abc import Callable, Sequence
from pathlib import Path

import attrs
from dishka import AsyncContainer

from adapters.clock import SettableClock
from adapters.terminal import TerminalGateway
from application import replies
from application.gateway import Gateways
from application.ingest_knowledge import cli_channel_name
from application.tenant_packs import TenantPack, TenantPackSource
from domain.knowledge import Chunk
from domain.route import Route
from entrypoints.container import make_container
from entrypoints.conversation import TerminalConversation
from entrypoints.eval_file import PACK_FILE, EvalFileError, LabelledQuestion, QuestionSet
from entrypoints.eval_grading import Grade, Reference, grade
from entrypoints.scenarios import random_phone
from entrypoints.settings import Settings
from entrypoints.startup import prepare


@attrs.frozen
class Outcome:
    file: Path
    question: LabelledQuestion
    route: Route | None
    reply: str | None
    grade: Grade


def _text(chunk: Chunk) -> str:
    return f"{chunk.heading}\n{chunk.text}"


def _section_texts(question_set: QuestionSet, index: int, pack: TenantPack) -> tuple[str, ...]:
    section = question_set.questions[index].section
    if section is None:
        return ()
    chunks = [c for c in pack.chunks if c.source == section.source]
    named = [c for c in chunks if c.heading == section.heading]
    if named or (section.source == PACK_FILE and chunks):
        # A tenant.yaml fact may be labelled before the pack renders it under a heading of its own.
        return tuple(_text(c) for c in named or chunks)
    headings = "; ".join(c.heading for c in chunks) if chunks else f"no section comes from {section.source}"
    raise EvalFileError(question_set.file, f"questions[{index}].section", f"no section {section} in pack {pack.tenant.slug} ({headings})")


def references(question_set: QuestionSet, packs: dict[str, TenantPack]) -> list[Reference]:
    """What each question's reply is judged against; an error names a tenant or section the packs lack."""
    pack = packs.get(question_set.tenant)
    if pack is None:
        raise EvalFileError(question_set.file, "tenant", f"no pack {question_set.tenant!r}; the knowledge folder has: {', '.join(packs)}")
    abstentions = (replies.no_answer(pack.tenant), replies.not_found(pack.tenant))
    texts = tuple(_text(c) for c in pack.chunks)
    facts = tuple(_text(c) for c in pack.chunks if c.source == PACK_FILE)
    return [
        Reference(abstentions=abstentions, pack=texts, section=_section_texts(question_set, i, pack), facts=facts)
        for i in range(len(question_set.questions))
    ]


@attrs.define
class EvalRunner:
    settings: Settings
    clock: SettableClock | None = None
    packs: dict[str, TenantPack] = attrs.field(factory=dict)
    _container: AsyncContainer | None = None

    @property
    def container(self) -> AsyncContainer:
        if self._container is None:
            raise RuntimeError("the runner has not started")
        return self._container

    async def start(self) -> None:
        # Each question is a turn of its own, as in the terminal: no buffer window.
        settings = attrs.evolve(self.settings, buffer_window=0.0, buffer_max=0.0)
        self._container = make_container(settings, Gateways(TerminalGateway(io.StringIO())), self.clock)
        await prepare(self.container)
        self.packs = {p.tenant.slug: p for p in (await self.container.get(TenantPackSource)).load_all()}

    async def close(self) -> None:
        if self._container is not None:
            await self._container.close()
            self._container = None

    async def ask(self, tenant: str, question: LabelledQuestion, reference: Reference, file: Path) -> Outcome:
        conversation = TerminalConversation(self.container, cli_channel_name(tenant), random_phone())
        for earlier in question.history:
            await conversation.say(earlier)
        result = await conversation.say(question.question)
        route, reply = (result.route, result.reply) if result else (None, None)
        return Outcome(file=file, question=question, route=route, reply=reply, grade=grade(question, route, reply, reference))


async def run_all(
    question_sets: Sequence[QuestionSet], settings: Settings, clock: SettableClock | None, report: Callable[[Outcome], None]
) -> list[Outcome]:
    """Every question of every set; a set that names a tenant or section the packs lack stops the
    run before any question is asked."""
    runner = EvalRunner(settings, clock)
    await runner.start()
    try:
        checked = [(s, references(s, runner.packs)) for s in question_sets]
        outcomes = []
        for question_set, refs in checked:
            for question, reference in zip(question_set.questions, refs, strict=True):
                outcome = await runner.ask(question_set.tenant, question, reference, question_set.file)
                report(outcome)
                outcomes.append(outcome)
        return outcomes
    finally:
        await runner.close()
