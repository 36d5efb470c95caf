import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache

import snowballstemmer

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

# WhatsApp shorthand, folded; mapped before stopwords so "q" and "vc" are handled like their words.
SHORTHAND = {
    "vc": "voce",
    "vcs": "voces",
    "c": "voce",
    "q": "que",
    "pq": "porque",
    "tb": "tambem",
    "tbm": "tambem",
    "hj": "hoje",
    "msm": "mesmo",
    "pra": "para",
    "pro": "para",
    "p": "para",
    "td": "tudo",
    "tds": "todos",
    "qnto": "quanto",
    "qto": "quanto",
    "qnt": "quanto",
    "qntos": "quantos",
    "qtos": "quantos",
    "qdo": "quando",
    "qndo": "quando",
    "obg": "obrigado",
    "vlw": "valeu",
    "blz": "beleza",
    "n": "nao",
    "s": "sim",
    "dps": "depois",
    "fds": "fim de semana",
    "sab": "sabado",
    "dom": "domingo",
    "seg": "segunda",
    "agr": "agora",
    "cmg": "comigo",
    "ngm": "ninguem",
    "kd": "cade",
    "mto": "muito",
    "mt": "muito",
    "mta": "muita",
    "to": "estou",
    "ta": "esta",
    "eh": "e",
    "oq": "o que",
    "qnts": "quantos",
    "qnd": "quando",
    "tmb": "tambem",
    "vdd": "verdade",
    "msg": "mensagem",
    "hr": "hora",
    "hrs": "horas",
    "qro": "quero",
    "kero": "quero",
    "qria": "queria",
    "cm": "como",
    "pfv": "por favor",
    "pf": "por favor",
    "pfvr": "por favor",
    "ctz": "certeza",
    "aq": "aqui",
    "zap": "whatsapp",
    "whats": "whatsapp",
    "wpp": "whatsapp",
    "insta": "instagram",
    "bike": "bicicleta",
    "wifi": "wi fi",
    "sp": "sao paulo",
    "info": "informacao",
    # Names members write as one word where the pack writes two.
    "jiujitsu": "jiu jitsu",
    "jujitsu": "jiu jitsu",
    "bjj": "jiu jitsu",
    "muaythai": "muay thai",
}

STOPWORDS = frozenset(
    """a ao aos aquela aquelas aquele aqueles aquilo as ate com como da das de dela delas dele deles
    depois do dos e ela elas ele eles em entre era eram essa essas esse esses esta estas este estes
    eu foi for ha isso isto ja la lhe lhes mais mas me mesmo meu meus minha minhas muito na nas nem
    no nos nossa nossas nosso nossos num numa o os ou para pela pelas pelo pelos por qual quais que
    quem se sem ser seu seus so sua suas tambem te teu tua tuas um uma umas uns voce voces vos
    ai aqui ali sim nao oi ola entao tipo gostaria queria quero saber pode podem poderia por favor
    tem tenho ter sao sou estou esta estao vai vou fica ficar fazer faz faco preciso precisa
    algum alguma alguns algumas cada outro outra tudo todo toda todos todas bem boa bom onde
    """.split()
)
# "onde" is a stopword because FAQ headings use it for anything ("Onde comprar kimono?"); what a
# member means by it comes back through `related.related` ("onde" -> "endereco").


def fold(text: str) -> str:
    """Lowercase without accents: what members type and what the pack says meet here."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# A letter typed three or more times in a row is emphasis ("oiii", "obrigadooo", "simmm"):
# Portuguese spells no letter three times.
_STRETCHED = re.compile(r"([^\W\d_])\1{2,}")
# "2x por semana", "em 12x": members write a count of times as a number and an x, packs as "vezes".
_TIMES = re.compile(r"(\d+)x")


def words(text: str) -> list[str]:
    """Folded words with emphasis squeezed and WhatsApp shorthand expanded; stopwords kept."""
    expanded: list[str] = []
    for word in _WORD.findall(_STRETCHED.sub(r"\1", fold(text))):
        times = _TIMES.fullmatch(word)
        expanded.extend([times[1], "vezes"] if times else SHORTHAND.get(word, word).split())
    return expanded


_stemmer = snowballstemmer.stemmer("portuguese")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return _stemmer.stemWord(word)


def content_words(text: str) -> list[str]:
    """Folded words with shorthand expanded, stopwords and single letters dropped. Order kept."""
    return [word for word in words(text) if word not in STOPWORDS and (len(word) > 1 or word.isdigit())]


def terms(text: str) -> list[str]:
    """Content terms: `content_words` stemmed."""
    return [stem(word) for word in content_words(text)]


def stems(text: str) -> list[str]:
    """Every word stemmed, stopwords kept: for matching whole phrases ("aula particular")."""
    return [stem(word) for word in words(text)]


def typo_distance(a: str, b: str) -> int:
    """Edits (insert, delete, replace, swap two neighbours) from `a` to `b`."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y))
            if i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]


@lru_cache(maxsize=65536)
def near(a: str, b: str) -> bool:
    """The same word typed with a slip: one edit from four letters on, two from eight on
    ("chuvero"/"chuveiro", "gimpass"/"gympass", "abrem"/"abre"; never "capital"/"capitao")."""
    shortest = min(len(a), len(b))
    allowed = 2 if shortest >= 8 else 1 if shortest >= 4 else 0
    # Each edit changes at most two letters' counts: a cheap test that rules out most pairs.
    if abs(len(a) - len(b)) > allowed or len(set(a) ^ set(b)) > 2 * allowed:
        return False
    return typo_distance(a, b) <= allowed


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class Spelling:
    """The known words a typed word may be a slip of (`near`), found without comparing it with every
    known word: two words one slip apart (a letter missing, extra, wrong or swapped) share a
    one-letter deletion or one is a deletion of the other, so only words sharing one are compared."""

    def __init__(self, known: Iterable[str]) -> None:
        self._by_deletion: dict[str, set[str]] = defaultdict(set)
        for word in known:
            for key in _deletions(word) | {word}:
                self._by_deletion[key].add(word)

    def corrections(self, typed: str) -> list[str]:
        """Known words near `typed`, sorted; empty when `typed` is known or near nothing."""
        if typed in self._by_deletion.get(typed, ()):
            return []
        keys = _deletions(typed) | {typed}
        candidates = set().union(*(self._by_deletion.get(key, ()) for key in keys))
        return sorted(word for word in candidates if near(typed, word))
