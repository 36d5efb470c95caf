import zlib
from collections import Counter

import attrs

from adapters.bm25.analyzer import related, terms, trigrams

# BM25 term-frequency saturation; IDF is applied by the index (Qdrant's IDF modifier) at query time.
K1 = 1.2
B = 0.75
# A fixed average length keeps a chunk's vector independent of the rest of the corpus, which is
# what lets re-ingest skip unchanged chunks.
AVERAGE_LENGTH = 60.0
# Trigrams catch typos ("estacionamentoo", "muai thai") but must not outweigh whole terms.
TRIGRAM_WEIGHT = 0.15
# A chunk's first line is its heading, an FAQ question in the pack's words: the best summary of
# what the chunk answers, so its terms count as if they occurred this many more times.
HEADING_BOOST = 2
# Query terms added by `related` ("valor" -> "preco") weigh less than what the member typed.
RELATED_WEIGHT = 0.5


@attrs.frozen
class SparseVector:
    indices: tuple[int, ...]
    values: tuple[float, ...]


def _feature_index(feature: str) -> int:
    return zlib.crc32(feature.encode()) & 0x7FFFFFFF


def _features(text: str, times: float = 1.0) -> Counter[str]:
    counts: Counter[str] = Counter()
    for term in terms(text):
        counts["w:" + term] += times
        for gram in trigrams(term):
            counts["g:" + gram] += times
    return counts


def _weight(feature: str) -> float:
    return TRIGRAM_WEIGHT if feature.startswith("g:") else 1.0


def _pack(weights: dict[str, float]) -> SparseVector:
    merged: dict[int, float] = {}
    for feature, weight in weights.items():
        index = _feature_index(feature)
        merged[index] = merged.get(index, 0.0) + weight
    ordered = sorted(merged.items())
    return SparseVector(indices=tuple(i for i, _ in ordered), values=tuple(v for _, v in ordered))


def document_vector(text: str) -> SparseVector:
    """BM25 term weights of a chunk given as `heading\\nbody` (the index's layout)."""
    heading = text.split("\n", 1)[0]
    counts = _features(text) + _features(heading, HEADING_BOOST)
    length = sum(n for f, n in _features(text).items() if f.startswith("w:")) or 1
    norm = K1 * (1 - B + B * length / AVERAGE_LENGTH)
    return _pack({f: _weight(f) * n * (K1 + 1) / (n + norm) for f, n in counts.items()})


def query_vector(text: str) -> SparseVector:
    weights = {f: RELATED_WEIGHT * _weight(f) for f in _features(" ".join(related(text)))}
    weights.update({f: _weight(f) for f in _features(text)})
    return _pack(weights)
