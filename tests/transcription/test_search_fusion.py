"""The pure core of hybrid search: query checks, reciprocal rank fusion, snippets (no database, no Django)."""

import subprocess
import sys

import pytest

from transcription.search.fusion import (
    MAX_QUERY_CHARS,
    QueryError,
    query_terms,
    reciprocal_rank_fusion,
    snippet,
    validate_query,
)


def test_the_core_imports_without_django():
    code = "import sys, transcription.search.fusion; assert 'django' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Enter something"),
        ("   \n\t", "Enter something"),
        (None, "Enter something"),
        ("x" * (MAX_QUERY_CHARS + 1), f"at most {MAX_QUERY_CHARS}"),
        ("borrow\x00checker", "control characters"),
        ("--- !!! ???", "no words"),
    ],
)
def test_a_query_that_cannot_run_says_why(query, message):
    with pytest.raises(QueryError, match=message):
        validate_query(query)


def test_a_good_query_comes_back_stripped():
    assert validate_query("  borrow checker  ") == "borrow checker"
    assert validate_query("x" * MAX_QUERY_CHARS) == "x" * MAX_QUERY_CHARS


def test_query_terms_drop_stopwords_exclusions_and_operators():
    assert query_terms('when did I talk about the "borrow checker" or -rust Lifetimes') == [
        "talk",
        "borrow",
        "checker",
        "lifetimes",
    ]


def test_rrf_adds_reciprocal_ranks_with_k_60():
    fused = dict(reciprocal_rank_fusion([["a", "b", "c"], ["c", "a"]]))
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert fused["b"] == pytest.approx(1 / 62)
    assert fused["c"] == pytest.approx(1 / 63 + 1 / 61)


def test_rrf_puts_an_item_found_by_both_lists_above_one_found_by_one():
    fused = reciprocal_rank_fusion([["v1", "both", "v3"], ["t1", "both"]])
    assert [item for item, _ in fused][0] == "both"


def test_rrf_ties_keep_first_seen_order_and_weights_tilt_the_balance():
    assert [item for item, _ in reciprocal_rank_fusion([["a"], ["b"]])] == ["a", "b"]
    assert [item for item, _ in reciprocal_rank_fusion([["a"], ["b"]], weights=[1.0, 2.0])] == ["b", "a"]


def test_rrf_discounts_some_items_of_a_list():
    fused = dict(reciprocal_rank_fusion([["a", "b"], ["c", "d"]], discounts=[{}, {"c": 0.5}]))
    assert fused == pytest.approx({"a": 1 / 61, "b": 1 / 62, "c": 0.5 / 61, "d": 1 / 62})


def test_rrf_of_nothing_is_nothing_and_bad_arguments_are_refused():
    assert reciprocal_rank_fusion([[], []]) == []
    with pytest.raises(ValueError, match="one weight"):
        reciprocal_rank_fusion([["a"]], weights=[1.0, 1.0])
    with pytest.raises(ValueError, match="one discount map"):
        reciprocal_rank_fusion([["a"]], discounts=[{}, {}])
    with pytest.raises(ValueError, match="negative"):
        reciprocal_rank_fusion([["a"]], k=-1)


def test_snippet_marks_matched_words_by_stem_and_escapes_the_rest():
    html = snippet("The <b>borrow</b> checker & its checks: borrowing is fine.", ["borrow", "checks"])
    assert html == (
        "The &lt;b&gt;<mark>borrow</mark>&lt;/b&gt; checker &amp; its <mark>checks</mark>: "
        "<mark>borrowing</mark> is fine."
    )


def test_snippet_cuts_long_text_around_the_first_match():
    words = [f"w{number}" for number in range(100)]
    words[70] = "dragon"
    html = snippet(" ".join(words), ["dragons"], max_words=20)
    assert html.startswith("…w65 ")
    assert "<mark>dragon</mark>" in html
    assert html.endswith("w84 …")
    assert len(html.split()) == 21  # twenty words and the closing ellipsis


def test_snippet_of_short_text_without_a_match_is_the_whole_text():
    assert snippet("  just   some\nwords ", ["absent"]) == "just some words"
