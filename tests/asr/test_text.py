import pytest

from paperline.asr.text import Edits, corpus_cer, edits, normalize, script_of, similarity


def test_normalisation_folds_width_case_spaces_and_punctuation_and_is_idempotent():
    assert normalize("你好，世界！ Hello ＡＢＣ１２３") == "你好世界HELLOABC123"
    assert normalize("ｈｅｌｌｏ　ｗｏｒｌｄ") == normalize("hello world") == "HELLOWORLD"
    for s in ("今天，天气好。", "  Mixed 中文 and English!!", "全角：ＡＢ"):
        assert normalize(normalize(s)) == normalize(s)


@pytest.mark.parametrize("ref,hyp,s,d,i", [
    ("abc", "abc", 0, 0, 0),
    ("abc", "abd", 1, 0, 0),
    ("abcd", "xbc", 1, 1, 0),
    ("ab", "axyb", 0, 0, 2),
    ("今天天气", "今天气", 0, 1, 0),
    ("kitten", "sitting", 2, 0, 1),
])
def test_edit_counts_match_hand_computed_levenshtein(ref, hyp, s, d, i):
    e = edits(ref, hyp)
    assert (e.substitutions, e.deletions, e.insertions) == (s, d, i)


def test_cer_limits():
    assert edits("今天天气", "今天天气").cer == 0
    assert edits("今天天气", "").cer == 1
    assert edits("ab", "abxyz").cer == pytest.approx(1.5)  # insertions push it above 1


def test_corpus_cer_is_edit_weighted_not_a_mean():
    pairs = [("a", "b"), ("abcdefghij", "abcdefghij")]  # utterance CERs 1 and 0: the mean would be 0.5
    assert corpus_cer(pairs) == pytest.approx(1 / 11)
    assert (edits(*pairs[0]) + edits(*pairs[1])) == Edits(1, 0, 0, 11)


def test_similarity_and_script():
    assert similarity("今天天气", "今天天气") == 1.0
    assert similarity("今天天气", "今天天汽") == pytest.approx(0.75)
    assert script_of("今天 ok") == "Hans" and script_of("hello") == "Latn" and script_of("123") == ""
