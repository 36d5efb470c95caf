from collections.abc import AsyncIterator

from dishka import Provider, Scope, provide
from openai import AsyncOpenAI

from adapters.fallback import FallbackBookingExtractor, FallbackQuestionAnswerer, FallbackSmallTalker
from adapters.offline.answer import OfflineQuestionAnswerer
from adapters.offline.booking import OfflineBookingExtractor
from adapters.offline.smalltalk import OfflineSmallTalker
from adapters.openai.answer import OpenAIQuestionAnswerer
from adapters.openai.booking import OpenAIBookingExtractor
from adapters.openai.chat import ChatModel, make_client
from adapters.openai.smalltalk import OpenAISmallTalker
from application.booking_extractor import BookingExtractor
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
    def chat_model(self, client: AsyncOpenAI, settings: Settings) -> ChatModel:
        return ChatModel(client, settings.openai_model)

    @provide
    def answerer(self, model: ChatModel) -> QuestionAnswerer:
        return FallbackQuestionAnswerer(OpenAIQuestionAnswerer(model), OfflineQuestionAnswerer())

    @provide
    def extractor(self, model: ChatModel) -> BookingExtractor:
        return FallbackBookingExtractor(OpenAIBookingExtractor(model), OfflineBookingExtractor())

    @provide
    def small_talker(self, model: ChatModel) -> SmallTalker:
        return FallbackSmallTalker(OpenAISmallTalker(model), OfflineSmallTalker())
