"""Query expansion: words a member may use for what the pack says in other words."""

from adapters.bm25.analyzer import stem, words

# Each word relates to the others of its group. Used on the query side only (`sparse.query_vector`,
# at a lower weight) and to judge whether a passage answers (`offline.answer`).
RELATED_GROUPS = (
    "preco valor custa custo",
    "gratuita gratis graca paga pago",
    "onde endereco localizacao rua avenida travessa praca estrada bairro",
    "quem professor professora instrutor treinador",
    "telefone contato whatsapp ligar numero celular",
    "bicicleta bicicletario",
    "cancelar desmarcar",
    "horario grade hora horas",
    "familia esposa marido conjuge irmao irma",
    "idoso idosa 60",
    "gympass wellhub",
    "trancar congelar pausar",
    "lesao machucado machuquei lesionado",
    "kimono quimono",
    "inclui incluso incluido",
    "crianca infantil kids filho filha",
    "mulher mulheres feminino feminina",
    "estacionamento estacionar carro",
    "banho chuveiro vestiario",
    "armario cadeado",
    "metro onibus",
    "matricula inscricao",
    "parcelar parcela",
    "teste experimental",
    "vende vendem vender comprar loja",
    "abre abrem abrir aberto funcionamento",
    "cadeirante deficiencia acessibilidade",
    "tenis calcado sapato",
    "fora visitante visitantes passagem",
    "forma preparo",
)


def _related_index() -> dict[str, tuple[str, ...]]:
    index: dict[str, tuple[str, ...]] = {}
    for group in RELATED_GROUPS:
        members = group.split()
        for word in members:
            index[stem(word)] = tuple(m for m in members if stem(m) != stem(word))
    return index


_RELATED = _related_index()


def related(text: str) -> list[str]:
    """Words related to the text's words (never the text's own), for query expansion."""
    return [other for word in words(text) for other in _RELATED.get(stem(word), ())]
