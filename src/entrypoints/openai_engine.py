from collections.abc import AsyncIterator
from decimal import Decimal

from dishka import Provider, Scope, provide
from openai import AsyncOpenAI

from adapters.fallback import FallbackQuestionAnswerer
from adapters.offline.answer import OfflineQuestionAnswerer
from adapters.openai.answer import OpenAIQuestionAnswerer
from adapters.openai.chat import ChatModel, make_client
from application.budget import BudgetDefaults
from application.circuit_breaker import CircuitBreaker
from application.clock import Clock
from application.meter_model_calls import MeterModelCalls
from application.model_usage import ModelUsage
from application.pricing import PriceTable
from application.question_answerer import QuestionAnswerer
from entrypoints.settings import Settings


class OpenAIEngineProvider(Provider):
    """The language model's decisions, each falling back to the offline engine's when a call fails.
    So far the FAQ answer; triage, booking details and small talk stay offline."""

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
    def answerer(self, model: ChatModel) -> QuestionAnswerer:
        return FallbackQuestionAnswerer(OpenAIQuestionAnswerer(model), OfflineQuestionAnswerer())
