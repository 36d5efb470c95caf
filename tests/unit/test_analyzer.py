from hypothesis import given
from hypothesis import strategies as st

from adapters.bm25.analyzer import Spelling, fold, near, stems, terms, typo_distance, words
from adapters.bm25.related import related
from adapters.bm25.sparse import Vocabulary, document_vector, query_vector

# Portuguese letters with and without accents, and an independent way to strip the accents.
ACCENTED = "áàâãéêíóôõúüç"
PLAIN = "aaaaeeiooouuc"
UNACCENT = str.maketrans(ACCENTED + ACCENTED.upper(), PLAIN + PLAIN.upper())
portuguese = st.text(alphabet="abcdefghijlmnopqrstuvxz" + ACCENTED + "ABCDÉÇÃ ,.?!-\n", max_size=80)


class TestNeverCrashes:
    @given(st.text())
    def test_terms_of_any_text(self, text: str):
        assert all(term for term in terms(text))

    @given(st.text(), st.text())
    def test_vectors_of_any_text(self, text: str, pack: str):
        for vector in (document_vector(text), query_vector(text, Vocabulary.of([pack])), query_vector(text, Vocabulary.of([text]))):
            assert list(vector.indices) == sorted(set(vector.indices))
            assert len(vector.indices) == len(vector.values)


class TestAccentsAndCase:
    @given(portuguese)
    def test_terms_ignore_accents(self, text: str):
        assert terms(text.translate(UNACCENT)) == terms(text)

    @given(portuguese)
    def test_terms_ignore_case(self, text: str):
        assert terms(text.upper()) == terms(text)

    @given(portuguese)
    def test_fold_is_idempotent(self, text: str):
        assert fold(fold(text)) == fold(text)

    def test_a_pack_word_and_a_member_word_meet(self):
        assert terms("Avaliação Física") == terms("avaliacao fisica")
        assert terms("matrículas") == terms("matricula")


class TestWhatsAppWriting:
    def test_shorthand_is_expanded(self):
        assert words("vc tb q") == ["voce", "tambem", "que"]
        assert terms("qnto custa pra vcs") == terms("quanto custa para voces")

    def test_one_word_names_meet_two_word_ones(self):
        assert terms("treino de jiujitsu") == terms("treino de jiu jitsu")

    def test_stretched_letters_are_squeezed(self):
        assert words("oiii, obrigadooo!!") == ["oi", "obrigado"]
        assert words("carro, passe") == ["carro", "passe"]  # doubled letters are spelling

    def test_stopwords_leave_terms_but_not_stems(self):
        assert terms("o que é a aula?") == terms("aula")
        assert len(stems("o que é a aula?")) == 5

    def test_a_count_of_times_is_written_out(self):
        assert words("em 12x, 2X por semana") == ["em", "12", "vezes", "2", "vezes", "por", "semana"]

    def test_members_paraphrases_meet_the_packs_words(self):
        assert "calcado" in related("posso entrar de tenis?")
        assert "preparo" in related("to fora de forma")
        assert "visitante" in related("pra quem e de fora")
        assert {"endereco", "avenida", "praca"} <= set(related("onde fica?"))

    def test_related_words_never_repeat_the_question(self):
        assert "preco" in related("qual o valor?")
        assert "valor" not in related("qual o valor?")


class TestTypos:
    @given(st.text(max_size=12), st.text(max_size=12))
    def test_distance_is_symmetric_and_zero_only_for_equal(self, a: str, b: str):
        assert typo_distance(a, b) == typo_distance(b, a)
        assert (typo_distance(a, b) == 0) == (a == b)

    def test_one_slip_is_near(self):
        assert near("chuvero", "chuveiro")  # missing letter
        assert near("nutricionsita", "nutricionista")  # swapped neighbours
        assert near("gimpass", "gympass")  # wrong letter

    def test_short_or_distant_words_are_not(self):
        assert not near("dor", "cor")
        assert not near("personal", "pessoal")


# Short words of a small alphabet, so that random known and typed words are often one slip apart.
short_words = st.text(alphabet="abcdeo", min_size=1, max_size=9)


class TestSpelling:
    @given(st.lists(short_words, max_size=30), short_words)
    def test_corrections_are_known_words_near_the_typed_one(self, known: list[str], typed: str):
        found = Spelling(known).corrections(typed)
        assert found == sorted(set(found))
        assert set(found) <= {word for word in known if near(typed, word)}

    @given(st.lists(short_words, max_size=30), short_words)
    def test_every_known_word_one_edit_away_is_found(self, known: list[str], typed: str):
        found = Spelling(known).corrections(typed)
        if typed in known:
            assert found == []
        else:
            assert {word for word in known if near(typed, word) and typo_distance(typed, word) == 1} <= set(found)

    def test_a_slip_finds_the_pack_word(self):
        spelling = Spelling(["trancamento", "funcionamento", "gympass", "muay", "trancar"])
        assert spelling.corrections("trancamneto") == ["trancamento"]
        assert spelling.corrections("funsionamento") == ["funcionamento"]
        assert spelling.corrections("muai") == ["muay"]
        assert spelling.corrections("natacao") == []


class TestQueryAgainstVocabulary:
    PACK = ("Posso trancar o plano?\nSim, o trancamento do plano custa R$ 20.", "Qual o preço?\nO preço é R$ 189.")

    def test_a_typo_meets_the_word_the_pack_holds(self):
        vocabulary = Vocabulary.of(self.PACK)
        chunk = set(document_vector(self.PACK[0]).indices)
        assert not chunk & set(query_vector("trancamneto", Vocabulary.of([])).indices)
        assert chunk & set(query_vector("trancamneto", vocabulary).indices)

    def test_only_what_the_pack_holds_is_added_to_what_was_typed(self):
        typed_only = query_vector("qual o valor?", Vocabulary.of([]))
        assert len(typed_only.indices) == 1  # "valor"; "preco" and "custa" only when a chunk says them
        expanded = query_vector("qual o valor?", Vocabulary.of(self.PACK))
        assert set(typed_only.indices) < set(expanded.indices)
        assert set(expanded.indices) - set(typed_only.indices) <= set(document_vector(self.PACK[1]).indices) | set(
            document_vector(self.PACK[0]).indices
        )
