from hypothesis import given
from hypothesis import strategies as st

from adapters.bm25.analyzer import fold, near, stems, terms, typo_distance, words
from adapters.bm25.related import related
from adapters.bm25.sparse import document_vector, query_vector

# Portuguese letters with and without accents, and an independent way to strip the accents.
ACCENTED = "áàâãéêíóôõúüç"
PLAIN = "aaaaeeiooouuc"
UNACCENT = str.maketrans(ACCENTED + ACCENTED.upper(), PLAIN + PLAIN.upper())
portuguese = st.text(alphabet="abcdefghijlmnopqrstuvxz" + ACCENTED + "ABCDÉÇÃ ,.?!-\n", max_size=80)


class TestNeverCrashes:
    @given(st.text())
    def test_terms_of_any_text(self, text: str):
        assert all(term for term in terms(text))

    @given(st.text())
    def test_vectors_of_any_text(self, text: str):
        for vector in (document_vector(text), query_vector(text)):
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
