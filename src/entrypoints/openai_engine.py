from collections.abc import AsyncIterator
from decimal import Decimal

from dishka import Provider, Scope, provide
from openai import AsyncOpenAI
from qdrant_client import AsyncQdrantClient

from adapters.fallback import FallbackBookingExtractor, FallbackQuestionAnswerer, FallbackSmallTalker
from adapters.offline.answer import OfflineQuestionAnswerer
from adapters.offline.booking import OfflineBookingExtractor
from adapters.offline.smalltalk import OfflineSmallTalker
from adapters.openai.answer import MIN_BM25_SCORE, OpenAIQuestionAnswerer
from adapters.openai.booking import OpenAIBookingExtractor
from adapters.openai.chat import ChatModel, make_client
from adapters.openai.embeddings import OpenAIEmbedder
from adapters.openai.smalltalk import OpenAISmallTalker
from adapters.qdrant.index import QdrantKnowledgeIndex
from application.booking_extractor import BookingExtractor
from application.budget import BudgetDefaults
from application.cache import Cache
from application.cached_embedder import CachedEmbedder
from application.circuit_breaker import CircuitBreaker
from application.clock import Clock
from application.knowledge_index import KnowledgeIndex
from application.meter_model_calls import MeterModelCalls
from application.model_usage import ModelUsage
from application.pricing import PriceTable
from application.question_answerer import QuestionAnswerer
from application.small_talker import SmallTalker
from entrypoints.settings import Settings


class OpenAIEngineProvider(Provider):
    """The language model's decisions, each falling back to the offline engine's when a call fails:
    the FAQ answer (which also says the turn's route), booking details and small talk. Triage stays
    offline: paid services and requests for a person escalate without a call, model or not."""

    scope = Scope.APP

    @provide
    async def client(self, settings: Settings) -> AsyncIterator[AsyncOpenAI]:
        assert settings.openai_api_key, "Settings refuses the openai engine without a key"
        client = make_client(settings.openai_api_key, settings.openai_base_url, settings.openai_timeout)
        yield client
        await client.close()

    @provide
    def meter(self, usage: ModelUsage, prices: PriceTable, breaker: CircuitBreaker, clock: Clock, settings: Settings) -> MeterModelCalls:
        budgets = BudgetDefaults(usd=Decimal(str(settings.llm_monthly_budget_usd)), tokens=settings.llm_monthly_budget_tokens)
        return MeterModelCalls(usage, prices, budgets, breaker, clock)

    @provide
    def chat_model(self, client: AsyncOpenAI, meter: MeterModelCalls, settings: Settings) -> ChatModel:
        return ChatModel(client, settings.openai_model, meter)

    @provide
    def answerer(self, model: ChatModel, settings: Settings) -> QuestionAnswerer:
        min_score = 0.0 if settings.openai_embedding_model else MIN_BM25_SCORE
        return FallbackQuestionAnswerer(OpenAIQuestionAnswerer(model, min_score), OfflineQuestionAnswerer())

    @provide
    def extractor(self, model: ChatModel) -> BookingExtractor:
        return FallbackBookingExtractor(OpenAIBookingExtractor(model), OfflineBookingExtractor())

    @provide
    def small_talker(self, model: ChatModel) -> SmallTalker:
        return FallbackSmallTalker(OpenAISmallTalker(model), OfflineSmallTalker())

    @provide
    def knowledge_index(
        self, qdrant: AsyncQdrantClient, client: AsyncOpenAI, meter: MeterModelCalls, cache: Cache, settings: Settings
    ) -> KnowledgeIndex:
        """Replaces the adapters' BM25 index: dense vectors fused with BM25 when an embedding model is
        set, a question's vector cached."""
        if not settings.openai_embedding_model:
            return QdrantKnowledgeIndex(qdrant, settings.qdrant_collection, collection_per_tenant=not settings.qdrant_url)
        embedder = CachedEmbedder(OpenAIEmbedder(client, settings.openai_embedding_model, meter), cache)
        return QdrantKnowledgeIndex(qdrant, settings.qdrant_collection, embedder, collection_per_tenant=not settings.qdrant_url)
