"""Timed words into sentences (pure)."""

from transcription.sentences import sentences


def words(*items: tuple[float, float, str]) -> list[dict]:
    return [{"start": start, "end": end, "word": word} for start, end, word in items]


def texts(groups: list[list[dict]]) -> list[str]:
    return ["".join(word["word"] for word in group).strip() for group in groups]


def test_a_sentence_ends_at_a_full_stop_question_or_exclamation_mark():
    given = words(
        (0.0, 0.3, " Okay,"), (0.3, 0.6, " go."), (0.8, 1.0, " Why"), (1.0, 1.2, " not?"),
        (1.4, 1.6, " Wow!"), (1.7, 2.0, " and"), (2.0, 2.2, " then"),
    )
    assert texts(sentences(given)) == ["Okay, go.", "Why not?", "Wow!", "and then"]


def test_every_word_is_kept_once_in_order():
    given = words(*[(i * 0.5, i * 0.5 + 0.4, f" w{i}{'.' if i % 7 == 6 else ''}") for i in range(40)])
    assert [w for group in sentences(given) for w in group] == given


def test_a_long_sentence_is_split_at_its_widest_gap():
    given = words(
        (0.0, 1.0, " one"), (1.1, 2.0, " two"), (2.1, 3.0, " three"), (4.5, 5.0, " four"),
        (5.1, 6.0, " five"), (6.1, 9.5, " six."),
    )
    assert texts(sentences(given, max_seconds=6)) == ["one two three", "four five six."]


def test_no_words_no_sentences_and_a_single_long_word_stays_whole():
    assert sentences([]) == []
    assert texts(sentences(words((0.0, 12.0, " hmmmm")), max_seconds=3)) == ["hmmmm"]
