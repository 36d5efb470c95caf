import re
import zlib
from collections import Counter
from itertools import combinations

import attrs

from adapters.bm25.analyzer import content_words, stem, terms, trigrams
from adapters.bm25.related import related

# Bumped whenever analysis or weights change, so re-ingest re-encodes every chunk.
ENCODER_VERSION = "bm25-1"
# BM25 term-frequency saturation; IDF is applied by the index (Qdrant's IDF modifier) at query time.
K1 = 1.2
B = 0.75
# A fixed average length keeps a chunk's vector independent of the rest of the corpus, which is
# what lets re-ingest skip unchanged chunks; 45 is about the mean of the default pack (44 terms).
AVERAGE_LENGTH = 45.0
# Trigrams catch typos ("estacionamentoo", "muai thai") but must not outweigh whole terms.
TRIGRAM_WEIGHT = 0.25
# A chunk's first line is its heading, an FAQ question in the pack's words: the best summary of
# what the chunk answers, so its terms count as if they occurred this many more times.
HEADING_BOOST = 2
# A question that names a short heading whole ("aula de jiu jitsu" for "Jiu-Jitsu", "horários do
# boxe" for "Horários de Boxe") should find that section rather than the many others that mention
# the same words: such headings also index their term set as one feature, and queries send every
# set of up to NAME_TERMS of their terms. Parenthesised asides do not count ("Kids (4 a 12 anos)").
NAME_TERMS = 3
NAME_WEIGHT = 0.7
_ASIDE = re.compile(r"\([^)]*\)")
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
    for word in content_words(text):
        counts["w:" + stem(word)] += times
        # Trigrams of the whole word, not the stem: a typo often changes how a word stems
        # ("trancamneto"), while most of its trigrams survive.
        for gram in trigrams(word):
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


def _name(names: set[str]) -> str:
    return "h:" + " ".join(sorted(names))


def document_vector(text: str) -> SparseVector:
    """BM25 term weights of a chunk given as `heading\\nbody` (the index's layout)."""
    heading = text.split("\n", 1)[0]
    body = _features(text)
    counts = body + _features(heading, HEADING_BOOST)
    length = sum(n for f, n in body.items() if f.startswith("w:")) or 1
    norm = K1 * (1 - B + B * length / AVERAGE_LENGTH)
    weights = {f: _weight(f) * n * (K1 + 1) / (n + norm) for f, n in counts.items()}
    name = set(terms(_ASIDE.sub(" ", heading)))
    if 0 < len(name) <= NAME_TERMS:
        weights[_name(name)] = NAME_WEIGHT
    return _pack(weights)


def query_vector(text: str) -> SparseVector:
    weights = {f: RELATED_WEIGHT * _weight(f) for f in _features(" ".join(related(text)))}
    weights.update({f: _weight(f) for f in _features(text)})
    asked = sorted(set(terms(text)))
    for size in range(1, min(NAME_TERMS, len(asked)) + 1):
        weights.update({_name(set(names)): 1.0 for names in combinations(asked, size)})
    return _pack(weights)
