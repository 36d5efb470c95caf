"""OpenAIEmbedder's batching and its checks of the reply, against a stand-in for the client's `embeddings`."""

import math
from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openai.types import CreateEmbeddingResponse, Embedding
from openai.types.create_embedding_response import Usage

from adapters.openai.embeddings import BATCH, OpenAIEmbedder
from adapters.openai.failure import ModelFailure


class Embeddings:
    """Answers each text with [its number, its length]; `answer` may rewrite the data of a reply."""

    def __init__(self, answer=lambda data: data) -> None:
        self.calls: list[list[str]] = []
        self.answer = answer

    async def create(self, *, model: str, input: list[str], encoding_format: str) -> CreateEmbeddingResponse:
        self.calls.append(input)
        data = [Embedding(object="embedding", index=i, embedding=[float(len(self.calls)), float(len(t))]) for i, t in enumerate(input)]
        return CreateEmbeddingResponse(
            object="list", data=self.answer(data), model=model, usage=Usage(prompt_tokens=len(input), total_tokens=len(input))
        )


class Client:
    def __init__(self, embeddings: Embeddings) -> None:
        self.embeddings = embeddings


def _embedder(embeddings: Embeddings) -> OpenAIEmbedder:
    return OpenAIEmbedder(Client(embeddings), "m")  # type: ignore[arg-type]


@given(st.lists(st.text(min_size=1, max_size=3), max_size=3 * BATCH))
async def test_texts_go_in_batches_and_come_back_in_order(texts: Sequence[str]):
    embeddings = Embeddings()

    vectors = await _embedder(embeddings).embed(texts)

    assert len(embeddings.calls) == math.ceil(len(texts) / BATCH)
    assert all(len(call) == BATCH for call in embeddings.calls[:-1])
    assert [text for call in embeddings.calls for text in call] == list(texts)
    assert [v[1] for v in vectors] == [float(len(t)) for t in texts]


async def test_vectors_are_put_in_the_order_of_their_index():
    embeddings = Embeddings(lambda data: list(reversed(data)))
    assert await _embedder(embeddings).embed(["a", "bb", "ccc"]) == [[1.0, 1.0], [1.0, 2.0], [1.0, 3.0]]


@pytest.mark.parametrize(
    "answer",
    [
        lambda data: data[:-1],  # a vector missing
        lambda data: [*data, data[0]],  # one too many
        lambda data: [d.model_copy(update={"embedding": []}) for d in data],  # empty vectors
        lambda data: [data[0], data[1].model_copy(update={"embedding": [1.0]})],  # lengths differ
    ],
)
async def test_a_reply_that_does_not_fit_the_texts_is_a_model_failure(answer):
    with pytest.raises(ModelFailure):
        await _embedder(Embeddings(answer)).embed(["a", "bb"])
