import re
import zlib
from collections import Counter
from collections.abc import Iterable
from itertools import combinations

import attrs

from adapters.bm25.analyzer import Spelling, content_words, stem
from adapters.bm25.related import related

# Bumped whenever analysis or weights change, so re-ingest re-encodes every chunk.
ENCODER_VERSION = "bm25-2"
# BM25 term-frequency saturation; IDF is applied by the index (Qdrant's IDF modifier) at query time.
K1 = 1.2
B = 0.75
# A fixed average length keeps a chunk's vector independent of the rest of the corpus, which is
# what lets re-ingest skip unchanged chunks; 45 is about the mean of the default pack (44 terms).
AVERAGE_LENGTH = 45.0
# A chunk's first line is its heading, an FAQ question in the pack's words: the best summary of
# what the chunk answers, so its terms count as if they occurred this many more times.
HEADING_BOOST = 2
# A question that names a short heading whole ("aula de jiu jitsu" for "Jiu-Jitsu", "horários do
# boxe" for "Horários de Boxe") should find that section rather than the many others that mention
# the same words: such headings also index their term set as one feature, and queries send the sets
# of up to NAME_TERMS of their terms that name a heading. Parenthesised asides do not count
# ("Kids (4 a 12 anos)").
NAME_TERMS = 3
# Against whole-word features alone: at 0.7, "professor de muay thai" found "Muay Thai" before "Quem
# são os professores do CT?".
NAME_WEIGHT = 0.5
_ASIDE = re.compile(r"\([^)]*\)")
# Query terms added by `related` ("valor" -> "preco") weigh less than what the member typed.
RELATED_WEIGHT = 0.5
# A typed word no chunk of the tenant holds is read as the chunk words one slip away from it
# ("trancamneto" -> "trancamento"), at this weight.
CORRECTED_WEIGHT = 0.8


@attrs.frozen
class SparseVector:
    indices: tuple[int, ...]
    values: tuple[float, ...]


def _feature_index(feature: str) -> int:
    return zlib.crc32(feature.encode()) & 0x7FFFFFFF


def _features(words: Iterable[str]) -> Counter[str]:
    return Counter("w:" + stem(word) for word in words)


def _pack(weights: dict[str, float]) -> SparseVector:
    merged: dict[int, float] = {}
    for feature, weight in weights.items():
        index = _feature_index(feature)
        merged[index] = merged.get(index, 0.0) + weight
    ordered = sorted(merged.items())
    return SparseVector(indices=tuple(i for i, _ in ordered), values=tuple(v for _, v in ordered))


def _name(names: Iterable[str]) -> str:
    return "h:" + " ".join(sorted(set(names)))


def document_features(text: str) -> dict[str, float]:
    """BM25 weights by feature of a chunk given as `heading\\nbody` (the index's layout).
    Whole words only, no character n-grams: Qdrant's local mode walks every point's vector on every
    query, so they are kept short, and typos are corrected on the query side (`Vocabulary`)."""
    heading = text.split("\n", 1)[0]
    body = _features(content_words(text))
    counts = body + _features(content_words(heading) * HEADING_BOOST)
    norm = K1 * (1 - B + B * (body.total() or 1) / AVERAGE_LENGTH)
    weights = {f: n * (K1 + 1) / (n + norm) for f, n in counts.items()}
    name = {stem(word) for word in content_words(_ASIDE.sub(" ", heading))}
    if 0 < len(name) <= NAME_TERMS:
        weights[_name(name)] = NAME_WEIGHT
    return weights


def document_vector(text: str) -> SparseVector:
    return _pack(document_features(text))


@attrs.frozen
class Vocabulary:
    """What one tenant's chunks hold: the features of their vectors, and their words to correct
    typos against."""

    features: frozenset[str]
    spelling: Spelling

    @classmethod
    def of(cls, texts: Iterable[str]) -> "Vocabulary":
        """`texts` as the index lays chunks out (`heading\\nbody`)."""
        texts = list(texts)
        return cls(
            features=frozenset(f for text in texts for f in document_features(text)),
            spelling=Spelling({word for text in texts for word in content_words(text)}),
        )

    def meant(self, word: str) -> list[str]:
        """The chunk words a typed content word stands for: itself when a chunk holds its stem,
        else the words it is one slip away from, else itself."""
        if "w:" + stem(word) in self.features:
            return [word]
        return self.spelling.corrections(word) or [word]


def query_vector(text: str, vocabulary: Vocabulary) -> SparseVector:
    """The member's own words always count. What the query derives from them (typo corrections,
    related words, heading names) counts only when one of the tenant's chunks holds it: local mode
    walks the whole query vector once per point, and a feature no chunk has cannot change a score."""
    typed = content_words(text)
    meant = [fixed for word in typed for fixed in vocabulary.meant(word)]
    weights = dict.fromkeys(_features(content_words(" ".join(related(text)))), RELATED_WEIGHT)
    weights.update(dict.fromkeys(_features(meant), CORRECTED_WEIGHT))
    asked = sorted({stem(word) for word in meant})
    for size in range(1, min(NAME_TERMS, len(asked)) + 1):
        weights.update(dict.fromkeys(map(_name, combinations(asked, size)), 1.0))
    weights = {f: w for f, w in weights.items() if f in vocabulary.features}
    # Last, so what the member typed weighs 1 even where it was derived too.
    weights.update(dict.fromkeys(_features(typed), 1.0))
    return _pack(weights)
