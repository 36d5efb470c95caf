"""Staff's side of the knowledge base (the dashboard's "Conhecimento"): the sections as indexed,
trying a question without a trace, and re-indexing one tenant."""

import attrs
import pytest

from adapters.offline.follow_up import OfflineFollowUpReader
from application.answer_question import AnswerQuestion
from application.booking_extractor import BookingDetails
from application.booking_interview import ConductBookingInterview
from application.errors import ApplicationError, UnknownTenant
from application.ingest_knowledge import IngestKnowledge
from application.list_sections import ListSections
from application.read_section import ReadSection, UnknownSection
from application.register_trial_class import RegisterTrialClass
from application.reindex_knowledge import NoTenantPack, ReindexKnowledge
from application.tenant_packs import TenantPack
from application.try_question import TryQuestion
from domain.knowledge import Chunk
from domain.route import Route
from domain.tenant import Modality, PaidService, Tenant
from tests.unit.fakes import FakeClock, FakeIndex, FakeUnitOfWork, ScriptedEngine

TENANT = Tenant(slug="ct", name="CT Teste", paid_services=[PaidService(name="Personal trainer")], modalities=[Modality(name="Boxe")])
OTHER = Tenant(slug="outro", name="Outro CT")
PLAN = Chunk(tenant="ct", source="planos.md", heading="Plano mensal", text="o plano mensal custa R$ 189")
HOURS = Chunk(tenant="ct", source="horarios.md", heading="Horários", text="abrimos às 6h, o plano de sábado é livre")
SECRET = Chunk(tenant="outro", source="planos.md", heading="Plano mensal", text="o plano mensal custa R$ 99")


@pytest.fixture
def uow() -> FakeUnitOfWork:
    uow = FakeUnitOfWork()
    # Copies made now: the module's tenants may predate the ORM mapping another test module made
    # in this process, and a re-index changes the tenant (an unmapped instance cannot be changed).
    uow.tenants.add(attrs.evolve(TENANT))
    uow.tenants.add(attrs.evolve(OTHER))
    return uow


@pytest.fixture
def index() -> FakeIndex:
    return FakeIndex({"ct": [PLAN, HOURS], "outro": [SECRET]})


def trying(uow, index, engine: ScriptedEngine) -> TryQuestion:
    clock = FakeClock()
    return TryQuestion(
        uow,
        clock,
        engine,
        engine,
        engine,
        AnswerQuestion(engine, index, OfflineFollowUpReader()),
        ConductBookingInterview(uow, clock, RegisterTrialClass(uow, clock)),
    )


def nothing_stored(uow: FakeUnitOfWork) -> bool:
    stores = (uow.clients, uow.conversations, uow.messages, uow.outbox, uow.escalations, uow.trial_classes, uow.erasure_requests)
    return uow.commits == 0 and all(store.items == [] for store in stores) and uow.status_changes.items == []


class TestListSections:
    async def test_the_tenants_sections_by_file_then_heading(self, uow, index):
        sections = await ListSections(uow, index).execute(TENANT.id)
        assert [(s.source, s.heading, s.length) for s in sections] == [
            ("horarios.md", "Horários", len(HOURS.text)),
            ("planos.md", "Plano mensal", len(PLAN.text)),
        ]
        assert "R$ 99" not in repr(sections) and sections[1].key == PLAN.key

    async def test_an_unknown_tenant_is_refused(self, index):
        with pytest.raises(UnknownTenant):
            await ListSections(FakeUnitOfWork(), index).execute(TENANT.id)


class TestReadSection:
    async def test_one_section_by_key(self, uow, index):
        section = await ReadSection(uow, index).execute(TENANT.id, PLAN.key)
        assert (section.heading, section.text) == ("Plano mensal", PLAN.text)

    async def test_another_tenants_key_is_unknown(self, uow, index):
        with pytest.raises(UnknownSection):
            await ReadSection(uow, index).execute(TENANT.id, SECRET.key)


class TestTryQuestion:
    async def test_a_question_shows_the_passages_with_scores_and_the_answer(self, uow, index):
        trial = await trying(uow, index, ScriptedEngine(Route.FAQ)).execute(TENANT.id, "quanto custa o plano mensal")
        assert trial.route is Route.FAQ
        assert [(p.chunk.heading, p.score) for p in trial.passages] == [("Plano mensal", 4), ("Horários", 2)]
        assert trial.reply == "Sobre Plano mensal: o plano mensal custa R$ 189"
        assert nothing_stored(uow)

    async def test_no_passage_gets_the_reply_that_offers_a_person(self, uow, index):
        trial = await trying(uow, index, ScriptedEngine(Route.FAQ)).execute(TENANT.id, "vocês vendem whey")
        assert trial.passages == [] and "Não encontrei essa informação na base do CT Teste" in trial.reply
        assert nothing_stored(uow)

    async def test_a_paid_service_escalates_without_escalating(self, uow, index):
        engine = ScriptedEngine(Route.ESCALATE, paid_service="Personal trainer")
        trial = await trying(uow, index, engine).execute(TENANT.id, "quero um personal")
        assert trial.route is Route.ESCALATE and trial.reply.startswith("Personal trainer é um serviço à parte")
        assert nothing_stored(uow)

    async def test_an_answerer_that_finds_a_wish_to_book_starts_the_interview(self, uow, index):
        engine = ScriptedEngine(Route.FAQ, answer_route=Route.BOOKING, booking=BookingDetails())
        trial = await trying(uow, index, engine).execute(TENANT.id, "quero conhecer o plano mensal")
        assert trial.route is Route.BOOKING and "Qual modalidade você quer experimentar? Temos: Boxe." in trial.reply
        assert nothing_stored(uow)

    async def test_small_talk_is_answered_and_still_shows_what_retrieval_finds(self, uow, index):
        trial = await trying(uow, index, ScriptedEngine(Route.SMALLTALK)).execute(TENANT.id, "bom dia abrimos")
        assert trial.route is Route.SMALLTALK and trial.reply == "Olá!" and [p.chunk for p in trial.passages] == [HOURS]

    async def test_an_erasure_request_is_recognised_not_recorded(self, uow, index):
        engine = ScriptedEngine(Route.FAQ)
        trial = await trying(uow, index, engine).execute(TENANT.id, "quero que apaguem todos os meus dados")
        assert trial.route is Route.ERASURE_REQUEST and "Registramos o seu pedido" in trial.reply
        assert engine.seen == [] and nothing_stored(uow)

    async def test_never_reads_another_tenants_sections(self, uow, index):
        trial = await trying(uow, index, ScriptedEngine(Route.FAQ)).execute(OTHER.id, "quanto custa o plano mensal")
        assert [p.chunk for p in trial.passages] == [SECRET]

    async def test_a_blank_question_is_refused(self, uow, index):
        with pytest.raises(ApplicationError, match="needs text"):
            await trying(uow, index, ScriptedEngine(Route.FAQ)).execute(TENANT.id, " \x00 ")


@attrs.define
class _Packs:
    packs: dict[str, TenantPack]
    loaded: list[str] = attrs.field(factory=list)

    def load_all(self):
        raise AssertionError("a tenant's re-index reads its own pack only")

    def load(self, slug):
        self.loaded.append(slug)
        return self.packs.get(slug)


class TestReindexKnowledge:
    async def test_indexes_the_tenants_pack_alone(self, uow, index):
        newer = Chunk(tenant="ct", source="planos.md", heading="Plano mensal", text="o plano mensal custa R$ 199")
        packs = _Packs({"ct": TenantPack(tenant=Tenant(slug="ct", name="CT Novo"), chunks=[newer])})
        report = await ReindexKnowledge(uow, packs, IngestKnowledge(uow, packs, index)).execute(TENANT.id)
        assert (report.indexed, report.unchanged, report.removed) == (1, 0, 1)
        assert packs.loaded == ["ct"] and index.chunks["ct"] == [newer] and index.chunks["outro"] == [SECRET]
        assert (await uow.tenants.get(TENANT.id)).name == "CT Novo"

    async def test_a_tenant_without_a_pack_is_told_so(self, uow, index):
        packs = _Packs({})
        with pytest.raises(NoTenantPack):
            await ReindexKnowledge(uow, packs, IngestKnowledge(uow, packs, index)).execute(TENANT.id)
