"""The fake OpenAI server's embedding model: deterministic vectors that put texts sharing words
close together, so retrieval through the fake behaves as through a real model, only cruder."""

import hashlib
import math
import re
import unicodedata
from collections.abc import Mapping

import attrs


def words(text: str) -> list[str]:
    """Lowercase, accents folded; words of one or two letters (o, de, em) carry no meaning here."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))
    return [w for w in re.findall(r"[a-z0-9]+", folded) if len(w) > 2]


@attrs.frozen
class EmbeddingSpace:
    """Each word is hashed into one of `size` dimensions and the bag is normalized (cosine = shared
    words). `synonyms` maps a folded word to the one it stands for, as a real model knows that
    "carro" and "estacionamento" go together: a paraphrase with no word in common can be near."""

    size: int = 128
    synonyms: Mapping[str, str] = attrs.field(factory=dict)

    def vector(self, text: str) -> list[float]:
        values = [0.0] * self.size
        for word in words(text):
            digest = hashlib.blake2b(self.synonyms.get(word, word).encode(), digest_size=8).digest()
            values[int.from_bytes(digest, "big") % self.size] += 1.0
        norm = math.sqrt(sum(v * v for v in values))
        if not norm:
            # A real model never answers a zero vector, and cosine has no value for one.
            return [1.0] + [0.0] * (self.size - 1)
        return [v / norm for v in values]
