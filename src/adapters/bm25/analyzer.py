import re
import unicodedata
from functools import lru_cache

import snowballstemmer

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

# WhatsApp shorthand, folded; mapped before stopwords so "q" and "vc" are handled like their words.
SHORTHAND = {
    "vc": "voce", "vcs": "voces", "c": "voce", "q": "que", "pq": "porque",
    "tb": "tambem", "tbm": "tambem", "hj": "hoje", "msm": "mesmo",
    "pra": "para", "pro": "para", "p": "para", "td": "tudo", "tds": "todos", "qnto": "quanto",
    "qto": "quanto", "qnt": "quanto", "qntos": "quantos", "qtos": "quantos", "qdo": "quando",
    "qndo": "quando", "obg": "obrigado", "vlw": "valeu", "blz": "beleza", "n": "nao", "s": "sim",
    "dps": "depois", "fds": "fim de semana", "sab": "sabado", "dom": "domingo", "seg": "segunda",
    "agr": "agora", "cmg": "comigo",
    "ngm": "ninguem", "kd": "cade", "mto": "muito", "mt": "muito", "mta": "muita",
    "to": "estou", "ta": "esta", "eh": "e", "oq": "o que",
}

STOPWORDS = frozenset(
    """a ao aos aquela aquelas aquele aqueles aquilo as ate com como da das de dela delas dele deles
    depois do dos e ela elas ele eles em entre era eram essa essas esse esses esta estas este estes
    eu foi for ha isso isto ja la lhe lhes mais mas me mesmo meu meus minha minhas muito na nas nem
    no nos nossa nossas nosso nossos num numa o os ou para pela pelas pelo pelos por qual quais que
    quem se sem ser seu seus so sua suas tambem te teu tua tuas um uma umas uns voce voces vos
    ai aqui ali sim nao oi ola entao tipo gostaria queria quero saber pode podem poderia por favor
    tem tenho ter sao sou estou esta estao vai vou fica ficar fazer faz faco preciso precisa
    algum alguma alguns algumas cada outro outra tudo todo toda todos todas bem boa bom
    """.split()
)


def fold(text: str) -> str:
    """Lowercase without accents: what members type and what the pack says meet here."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """Folded words with WhatsApp shorthand expanded; stopwords kept."""
    expanded: list[str] = []
    for word in _WORD.findall(fold(text)):
        expanded.extend(SHORTHAND.get(word, word).split())
    return expanded


_stemmer = snowballstemmer.stemmer("portuguese")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return _stemmer.stemWord(word)


def terms(text: str) -> list[str]:
    """Content terms: folded, shorthand expanded, stopwords dropped, stemmed. Order kept."""
    return [stem(word) for word in words(text) if word not in STOPWORDS and (len(word) > 1 or word.isdigit())]


def trigrams(term: str) -> list[str]:
    """Character trigrams of a term with boundary marks: the typo-tolerant part of matching."""
    padded = f"<{term}>"
    return [padded[i : i + 3] for i in range(len(padded) - 2)] if len(term) > 2 else []


def stems(text: str) -> list[str]:
    """Every word stemmed, stopwords kept: for matching whole phrases ("aula particular")."""
    return [stem(word) for word in words(text)]


def similarity(a: str, b: str) -> float:
    """Dice coefficient of two terms' trigrams: 1.0 when equal, around 0.5-0.7 for a one-letter
    typo in a word of six or more letters, near 0 for unrelated words."""
    if a == b:
        return 1.0
    left, right = set(trigrams(a)), set(trigrams(b))
    if not left or not right:
        return 0.0
    return 2 * len(left & right) / (len(left) + len(right))
