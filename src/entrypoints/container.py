"""The composition root: one dishka container for the CLI, the scenario runner and the e2e tests.
Adapters and engines live for the app (APP scope); a unit of work and the use cases using it live
for one request (REQUEST scope)."""

import datetime as dt
from collections.abc import AsyncIterator
from decimal import Decimal
from importlib.metadata import version
from typing import NewType

from dishka import AsyncContainer, Provider, Scope, from_context, make_async_container, provide
from qdrant_client import AsyncQdrantClient
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adapters.argon2.hasher import Argon2PasswordHasher
from adapters.clock import SystemClock
from adapters.knowledge_pack.loader import FileTenantPackSource
from adapters.lru.cache import LruCache
from adapters.offline.answer import OfflineQuestionAnswerer
from adapters.offline.booking import OfflineBookingExtractor
from adapters.offline.follow_up import OfflineFollowUpReader
from adapters.offline.smalltalk import OfflineSmallTalker
from adapters.offline.triage import OfflineTriager
from adapters.openai.prices import PRICES
from adapters.postgres.channel_directory import PostgresChannelDirectory
from adapters.postgres.conversation_views import PostgresConversationViews
from adapters.postgres.dump import PostgresDump
from adapters.postgres.embedded import start_embedded
from adapters.postgres.engine import make_engine, make_session_factory
from adapters.postgres.inbox import PostgresInbox
from adapters.postgres.metrics import PostgresMetrics
from adapters.postgres.migrate import AlembicSchemaHistory, SchemaMigrator
from adapters.postgres.model_usage import PostgresModelUsage
from adapters.postgres.overview_stats import PostgresOverviewStats
from adapters.postgres.unit_of_work import PostgresUnitOfWork
from adapters.postgres.usage_stats import PostgresUsageStats
from adapters.qdrant.index import QdrantKnowledgeIndex
from adapters.redis.cache import RedisCache, connect
from adapters.tar_backup import TarBackupArchive
from application.add_staff_user import AddStaffUser
from application.add_tenant import AddTenant
from application.answer_question import AnswerQuestion
from application.authenticate_staff import AuthenticateStaff
from application.back_up import BackUp
from application.backup_archive import BackupArchive
from application.booking_extractor import BookingExtractor
from application.booking_interview import ConductBookingInterview
from application.cache import Cache
from application.cached_answers import CachedAnswers
from application.cancel_trial_class_by_staff import CancelTrialClassByStaff
from application.circuit_breaker import CircuitBreaker
from application.claim_due_conversations import ClaimDueConversations
from application.clock import Clock
from application.close_conversation import CloseConversation
from application.conversation_views import ConversationViews
from application.database_dump import DatabaseDump
from application.deliver_outbox import DeliverOutbox, RetryPolicy
from application.disable_channel import DisableChannel
from application.disable_staff_user import DisableStaffUser
from application.erase_member_data import EraseMemberData
from application.escalate_to_human import EscalateToHuman
from application.export_member_data import ExportMemberData
from application.export_trial_classes import ExportTrialClasses
from application.follow_ups import FollowUpReader
from application.gateway import Gateways
from application.hand_back_to_bot import HandBackToBot
from application.handle_turn import HandleTurn
from application.inbox import BufferPolicy, ChannelDirectory, Inbox
from application.ingest_knowledge import IngestKnowledge
from application.knowledge_index import KnowledgeIndex
from application.list_channels import ListChannels
from application.list_erasure_requests import ListErasureRequests
from application.list_sections import ListSections
from application.list_staff_users import ListStaffUsers
from application.list_trial_classes import ListTrialClasses
from application.log_in import LogIn
from application.log_out import LogOut
from application.mark_trial_class_attendance import MarkTrialClassAttendance
from application.model_usage import ModelUsage
from application.password_hasher import PasswordHasher
from application.pricing import Price, PriceTable
from application.question_answerer import QuestionAnswerer
from application.read_section import ReadSection
from application.receive_message import ReceiveMessage
from application.record_channel_event import RecordChannelEvent
from application.record_erasure_request import RecordErasureRequest
from application.record_own_message import RecordOwnMessage
from application.register_channel import RegisterChannel
from application.register_trial_class import RegisterTrialClass
from application.reindex_knowledge import ReindexKnowledge
from application.reply_as_staff import ReplyAsStaff
from application.report_backlog import ReportBacklog
from application.report_channels import ReportChannels
from application.report_model_health import ReportModelHealth
from application.report_overview import OverviewStats, ReportOverview
from application.resolve_escalation import ResolveEscalation
from application.restore_backup import RestoreBackup
from application.resume_conversation import ResumeConversation
from application.schema_history import SchemaHistory
from application.show_conversation import ShowConversation
from application.show_inbox import ShowInbox
from application.small_talker import SmallTalker
from application.take_over_conversation import TakeOverConversation
from application.tenant_packs import TenantPackSource
from application.triage import Triager
from application.try_question import TryQuestion
from application.unit_of_work import UnitOfWork
from application.usage_stats import UsageStats
from entrypoints.http.dashboard.session import CookiePolicy
from entrypoints.settings import Settings

DatabaseUrl = NewType("DatabaseUrl", str)
# DATABASE_URL's user as itself, the tables' owner: migrations, backups and restores. Everything
# else uses the application's engine (`AsyncEngine`), which acts as DATABASE_APP_ROLE.
OwnerEngine = NewType("OwnerEngine", AsyncEngine)


class AdaptersProvider(Provider):
    settings = from_context(provides=Settings, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def database_url(self, settings: Settings) -> DatabaseUrl:
        return DatabaseUrl(settings.database_url or start_embedded(settings.data_dir))

    @provide(scope=Scope.APP)
    async def engine(self, url: DatabaseUrl, settings: Settings) -> AsyncIterator[AsyncEngine]:
        engine = make_engine(url, connect_timeout=settings.database_connect_timeout, role=settings.database_app_role)
        yield engine
        await engine.dispose()

    @provide(scope=Scope.APP)
    async def owner_engine(self, url: DatabaseUrl, settings: Settings) -> AsyncIterator[OwnerEngine]:
        engine = make_engine(url, pool_size=1, connect_timeout=settings.database_connect_timeout)
        yield OwnerEngine(engine)
        await engine.dispose()

    @provide(scope=Scope.APP)
    def session_factory(self, engine: AsyncEngine) -> async_sessionmaker:
        return make_session_factory(engine)

    @provide(scope=Scope.REQUEST)
    async def session(self, factory: async_sessionmaker) -> AsyncIterator[AsyncSession]:
        async with factory() as session:
            yield session

    unit_of_work = provide(PostgresUnitOfWork, provides=UnitOfWork, scope=Scope.REQUEST)

    @provide(scope=Scope.APP)
    def migrator(self, engine: OwnerEngine, settings: Settings) -> SchemaMigrator:
        return SchemaMigrator(engine, settings.database_app_role)

    @provide(scope=Scope.APP)
    def inbox(self, engine: AsyncEngine) -> Inbox:
        return PostgresInbox(engine)

    @provide(scope=Scope.APP)
    def channel_directory(self, engine: AsyncEngine) -> ChannelDirectory:
        return PostgresChannelDirectory(engine)

    @provide(scope=Scope.APP)
    async def qdrant(self, settings: Settings) -> AsyncIterator[AsyncQdrantClient]:
        if settings.qdrant_url:
            client = AsyncQdrantClient(url=settings.qdrant_url, api_key=settings.qdrant_api_key)
        else:
            folder = settings.data_dir / "qdrant"
            folder.mkdir(parents=True, exist_ok=True)
            client = AsyncQdrantClient(path=str(folder))
        yield client
        await client.close()

    @provide(scope=Scope.APP)
    async def cache(self, settings: Settings) -> AsyncIterator[Cache]:
        if not settings.redis_url:
            yield LruCache()
            return
        client = connect(settings.redis_url)
        yield RedisCache(client)
        await client.aclose()

    @provide(scope=Scope.APP)
    def cached_answers(self, cache: Cache, settings: Settings) -> CachedAnswers:
        engine = f"openai:{settings.openai_model}:{settings.openai_embedding_model}" if settings.engine == "openai" else "offline"
        return CachedAnswers(cache, engine)

    @provide(scope=Scope.APP)
    def knowledge_index(self, client: AsyncQdrantClient, settings: Settings) -> KnowledgeIndex:
        return QdrantKnowledgeIndex(client, settings.qdrant_collection, collection_per_tenant=not settings.qdrant_url)

    @provide(scope=Scope.APP)
    def tenant_packs(self, settings: Settings) -> TenantPackSource:
        return FileTenantPackSource(settings.knowledge_dir)

    clock = provide(SystemClock, provides=Clock, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def password_hasher(self) -> PasswordHasher:
        return Argon2PasswordHasher()

    @provide(scope=Scope.APP)
    def model_usage(self, engine: AsyncEngine) -> ModelUsage:
        return PostgresModelUsage(engine)

    @provide(scope=Scope.APP)
    def conversation_views(self, engine: AsyncEngine) -> ConversationViews:
        return PostgresConversationViews(engine)

    @provide(scope=Scope.APP)
    def usage_stats(self, engine: AsyncEngine) -> UsageStats:
        return PostgresUsageStats(engine)

    @provide(scope=Scope.APP)
    def overview_stats(self, engine: AsyncEngine) -> OverviewStats:
        return PostgresOverviewStats(engine)

    @provide(scope=Scope.APP)
    def metrics(self, engine: AsyncEngine) -> PostgresMetrics:
        return PostgresMetrics(engine)

    @provide(scope=Scope.APP)
    def prices(self, settings: Settings) -> PriceTable:
        if settings.llm_price_input is None or settings.llm_price_output is None:
            return PRICES
        cached = settings.llm_price_input if settings.llm_price_cached_input is None else settings.llm_price_cached_input
        price = Price(
            input=Decimal(str(settings.llm_price_input)), cached_input=Decimal(str(cached)), output=Decimal(str(settings.llm_price_output))
        )
        return PRICES.overriding(settings.openai_model, price)

    @provide(scope=Scope.APP)
    def circuit_breaker(self, settings: Settings) -> CircuitBreaker:
        return CircuitBreaker(settings.llm_breaker_failures, dt.timedelta(seconds=settings.llm_breaker_cooldown))


class DashboardProvider(Provider):
    scope = Scope.APP

    @provide
    def cookie_policy(self, settings: Settings) -> CookiePolicy:
        return CookiePolicy(secure=settings.secure_cookies, max_age=int(settings.dashboard_session_hours * 3600))


class EngineProvider(Provider):
    """One implementation per decision of a turn; an engine may take over any one of them."""

    scope = Scope.APP

    triager = provide(OfflineTriager, provides=Triager)
    extractor = provide(OfflineBookingExtractor, provides=BookingExtractor)
    small_talker = provide(OfflineSmallTalker, provides=SmallTalker)
    answerer = provide(OfflineQuestionAnswerer, provides=QuestionAnswerer)
    # pt-BR rules for every engine: retrieval needs a follow-up's subject before any model is asked.
    follow_ups = provide(OfflineFollowUpReader, provides=FollowUpReader)


class ApplicationProvider(Provider):
    scope = Scope.REQUEST

    register_trial_class = provide(RegisterTrialClass)
    record_channel_event = provide(RecordChannelEvent)
    register_channel = provide(RegisterChannel)
    disable_channel = provide(DisableChannel)
    list_channels = provide(ListChannels)
    add_tenant = provide(AddTenant)
    ingest_knowledge = provide(IngestKnowledge)
    resume_conversation = provide(ResumeConversation)
    export_member_data = provide(ExportMemberData)
    erase_member_data = provide(EraseMemberData)
    list_erasure_requests = provide(ListErasureRequests)
    record_erasure_request = provide(RecordErasureRequest)
    # The dashboard's reads and staff actions; the tenant is always the caller's argument.
    list_trial_classes = provide(ListTrialClasses)
    mark_trial_class_attendance = provide(MarkTrialClassAttendance)
    cancel_trial_class_by_staff = provide(CancelTrialClassByStaff)
    export_trial_classes = provide(ExportTrialClasses)
    list_sections = provide(ListSections)
    read_section = provide(ReadSection)
    try_question = provide(TryQuestion)
    reindex_knowledge = provide(ReindexKnowledge)

    @provide
    def report_overview(self, uow: UnitOfWork, stats: OverviewStats, usage: UsageStats, clock: Clock, settings: Settings) -> ReportOverview:
        return ReportOverview(uow, stats, usage, clock, language_model=settings.engine == "openai")

    add_staff_user = provide(AddStaffUser)
    list_staff_users = provide(ListStaffUsers)
    disable_staff_user = provide(DisableStaffUser)
    authenticate_staff = provide(AuthenticateStaff)
    log_out = provide(LogOut)

    show_inbox = provide(ShowInbox)
    show_conversation = provide(ShowConversation)
    hand_back_to_bot = provide(HandBackToBot)
    close_conversation = provide(CloseConversation)

    @provide
    def take_over_conversation(self, uow: UnitOfWork, clock: Clock, settings: Settings) -> TakeOverConversation:
        return TakeOverConversation(uow, clock, dt.timedelta(hours=settings.human_pause_hours))

    @provide
    def reply_as_staff(self, uow: UnitOfWork, clock: Clock, settings: Settings) -> ReplyAsStaff:
        return ReplyAsStaff(uow, clock, dt.timedelta(hours=settings.human_pause_hours))

    @provide
    def resolve_escalation(self, uow: UnitOfWork, clock: Clock, settings: Settings) -> ResolveEscalation:
        return ResolveEscalation(uow, clock, dt.timedelta(hours=settings.human_pause_hours))

    @provide
    def log_in(self, uow: UnitOfWork, hasher: PasswordHasher, clock: Clock, settings: Settings) -> LogIn:
        return LogIn(uow, hasher, clock, dt.timedelta(hours=settings.dashboard_session_hours))

    # Tuning parameters keep their defaults: dishka would otherwise look for an `int` to inject.
    @provide
    def answer_question(
        self, answerer: QuestionAnswerer, index: KnowledgeIndex, follow_ups: FollowUpReader, cached: CachedAnswers
    ) -> AnswerQuestion:
        return AnswerQuestion(answerer, index, follow_ups, cached=cached)

    @provide
    def deliver_outbox(self, uow: UnitOfWork, gateways: Gateways, clock: Clock, settings: Settings) -> DeliverOutbox:
        retry = RetryPolicy(first_delay=dt.timedelta(seconds=settings.outbox_retry))
        return DeliverOutbox(uow, gateways, clock, dt.timedelta(seconds=settings.send_lease), retry)

    @provide
    def report_backlog(self, uow: UnitOfWork, clock: Clock) -> ReportBacklog:
        return ReportBacklog(uow, clock)

    report_channels = provide(ReportChannels)

    @provide
    def record_own_message(self, uow: UnitOfWork, clock: Clock, settings: Settings) -> RecordOwnMessage:
        return RecordOwnMessage(uow, clock, dt.timedelta(hours=settings.human_pause_hours), settings.resume_keyword)

    @provide
    def claim_due_conversations(self, uow: UnitOfWork, clock: Clock, settings: Settings) -> ClaimDueConversations:
        return ClaimDueConversations(uow, clock, dt.timedelta(seconds=settings.worker_lease))

    # No unit of work: the webhook's hot path takes it from the app's container, with no request scope.
    @provide(scope=Scope.APP)
    def receive_message(self, inbox: Inbox, channels: ChannelDirectory, clock: Clock, settings: Settings) -> ReceiveMessage:
        window = dt.timedelta(seconds=settings.buffer_window)
        return ReceiveMessage(inbox, channels, clock, BufferPolicy(window, max(window, dt.timedelta(seconds=settings.buffer_max))))

    @provide(scope=Scope.APP)
    def report_model_health(self, usage: ModelUsage, breaker: CircuitBreaker, clock: Clock, settings: Settings) -> ReportModelHealth:
        return ReportModelHealth(usage, breaker, clock, settings.openai_model if settings.engine == "openai" else None)

    @provide
    def booking_interview(self, uow: UnitOfWork, clock: Clock, register: RegisterTrialClass) -> ConductBookingInterview:
        return ConductBookingInterview(uow, clock, register)

    @provide
    def escalate_to_human(self, uow: UnitOfWork, clock: Clock, settings: Settings) -> EscalateToHuman:
        return EscalateToHuman(uow, clock, pause=dt.timedelta(hours=settings.human_pause_hours))

    @provide
    def handle_turn(
        self,
        uow: UnitOfWork,
        clock: Clock,
        triager: Triager,
        extractor: BookingExtractor,
        small_talker: SmallTalker,
        answer: AnswerQuestion,
        escalate: EscalateToHuman,
        booking: ConductBookingInterview,
        record_erasure: RecordErasureRequest,
        settings: Settings,
    ) -> HandleTurn:
        return HandleTurn(
            uow, clock, triager, extractor, small_talker, answer, escalate, booking, record_erasure, history_limit=settings.history_limit
        )


class BackupProvider(Provider):
    scope = Scope.APP

    archive = provide(TarBackupArchive, provides=BackupArchive)
    restore_backup = provide(RestoreBackup)

    @provide
    def schema_history(self) -> SchemaHistory:
        return AlembicSchemaHistory()

    @provide
    def database_dump(self, owner: OwnerEngine, engine: AsyncEngine, url: DatabaseUrl, settings: Settings) -> DatabaseDump:
        return PostgresDump(owner, url, settings.database_app_role, engine)

    @provide
    def back_up(self, database: DatabaseDump, archive: BackupArchive, clock: Clock) -> BackUp:
        return BackUp(database, archive, clock, version("tatame"))


class GatewayProvider(Provider):
    """The entrypoint decides where replies go (the terminal, the WhatsApp gateways) and passes
    them in; the channel kinds it gives a gateway for are the ones its worker answers."""

    gateways = from_context(provides=Gateways, scope=Scope.APP)


class GivenClockProvider(Provider):
    """Replaces the system clock with one the caller controls (`--now`, scenarios, tests)."""

    clock = from_context(provides=Clock, scope=Scope.APP)


def make_container(settings: Settings, gateways: Gateways, clock: Clock | None = None, *overrides: Provider) -> AsyncContainer:
    """`overrides` replace earlier providers, so tests can swap any adapter."""
    providers: list[Provider] = [
        AdaptersProvider(),
        EngineProvider(),
        ApplicationProvider(),
        BackupProvider(),
        GatewayProvider(),
        DashboardProvider(),
    ]
    if settings.engine == "openai":
        # Imported only here: the openai package adds about 0.4 s to every start of a command.
        from entrypoints.openai_engine import OpenAIEngineProvider

        providers.append(OpenAIEngineProvider())  # after EngineProvider: its decisions replace the offline ones
    context: dict[object, object] = {Settings: settings, Gateways: gateways}
    if clock is not None:
        providers.append(GivenClockProvider())
        context[Clock] = clock
    return make_async_container(*providers, *overrides, context=context)
