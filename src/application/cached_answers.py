import json

import attrs

from application.cache import Cache, CacheKey, digest, normalized
from application.question_answerer import Answer
from domain.route import Route
from domain.tenant import Tenant

# Knowledge changes reach cached answers through the key (its version); the expiry only bounds what
# the key cannot see, a new release of the engine's own code, and the memory a cache holds.
FAQ_ANSWER_TTL = 6 * 3600.0


def _facts(tenant: Tenant) -> str:
    # A model's answer reads tenant.yaml's facts (name, tone, timetable) besides the passages.
    return digest(repr(attrs.astuple(tenant)))


@attrs.frozen
class CachedAnswers:
    """Answers to questions that stand alone, reused when the same tenant is asked the same question
    (`normalized`) of the same knowledge by the same engine. Only a question's own answer is kept:
    never small talk, a booking or a person asked for (the answerer's other routes), no "not found"
    (the next ingest may answer it), and nothing the fallback engine said while the preferred one
    was failing."""

    cache: Cache
    engine: str  # names the engine and its models: another engine answers otherwise
    ttl: float = FAQ_ANSWER_TTL

    def key(self, tenant: Tenant, knowledge_version: str, question: str) -> CacheKey | None:
        """None for a question with no words to key it by."""
        words = normalized(question)
        if not words:
            return None
        return CacheKey.of_tenant(tenant.id, "faq", knowledge_version, _facts(tenant), self.engine, digest(words))

    async def get(self, key: CacheKey) -> Answer | None:
        stored = await self.cache.get(key)
        return Answer(text=json.loads(stored)["text"]) if stored is not None else None

    async def put(self, key: CacheKey, answer: Answer) -> None:
        if answer.route is Route.FAQ and answer.text and not answer.fallback:
            await self.cache.set(key, json.dumps({"text": answer.text}).encode(), self.ttl)
