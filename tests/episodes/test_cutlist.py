"""Cut list 1.0.0 validation: every malformed case names the field by its JSON pointer."""

import copy

import pytest

from episodes.cutlist import CutListError, CutListLimits, unowned_media_problems, validate_cut_list

VALID = {
    "version": "1.0.0",
    "inputMedia": [
        {"s3Location": "streams/1/a.mp4", "sections": [{"startFrame": 20100, "endFrame": 72250}]},
        {"s3Location": "series/outro.mp4", "sections": [{"startFrame": 0, "endFrame": 1800}]},
        {"s3Location": "series/intro.mov", "sections": [{"startFrame": 0, "endFrame": 3600}]},
    ],
    "outputTrack": [
        {"mediaIndex": 0, "sectionIndex": 0},
        {"mediaIndex": 1, "sectionIndex": 0, "transitionIn": {"type": "fade", "duration": 300}},
    ],
    "overlayTracks": [{"startFrame": 0, "mediaIndex": 2, "sectionIndex": 0, "type": "alpha", "x": 10, "y": 20.5}],
    "audioMixing": [{"sourceChannel": 1, "outputChannel": 0, "keyframes": [{"frame": 0, "volume": 0.5}]}],
}


def mutated(change):
    document = copy.deepcopy(VALID)
    change(document)
    return document


def test_valid_document_becomes_dataclasses_with_default_frame_rate():
    cut = validate_cut_list(VALID)

    assert cut.frame_rate == 60.0
    assert cut.output[1].transition_in.type == "fade" and cut.output[1].transition_in.duration == 300
    assert cut.overlays[0].x == 10.0 and cut.overlays[0].type == "alpha"
    assert cut.output_frames == (72250 - 20100) + 1800


def test_frame_rate_from_the_document():
    assert validate_cut_list(mutated(lambda d: d.update(frameRate=30))).frame_rate == 30.0


@pytest.mark.parametrize(
    ("change", "pointer", "words"),
    [
        (lambda d: d.update(extra=1), "/extra", "unknown key"),
        (lambda d: d["inputMedia"][0].update(bucket="b"), "/inputMedia/0/bucket", "unknown key"),
        (lambda d: d["outputTrack"][0].update(speed=2), "/outputTrack/0/speed", "unknown key"),
        (lambda d: d.pop("version"), "/version", "is required"),
        (lambda d: d.update(version="2.0"), "/version", "must be"),
        (lambda d: d.update(outputTrack=[]), "/outputTrack", "at least 1"),
        (lambda d: d["outputTrack"][0].update(mediaIndex=9), "/outputTrack/0/mediaIndex", "out of range"),
        (lambda d: d["outputTrack"][0].update(sectionIndex=3), "/outputTrack/0/sectionIndex", "out of range"),
        (lambda d: d["overlayTracks"][0].update(mediaIndex=-1), "/overlayTracks/0/mediaIndex", ">= 0"),
        (
            lambda d: d["inputMedia"][0]["sections"][0].update(endFrame=20100),
            "/inputMedia/0/sections/0/endFrame",
            "greater than startFrame",
        ),
        (
            lambda d: d["inputMedia"][0]["sections"][0].update(startFrame=-5),
            "/inputMedia/0/sections/0/startFrame",
            ">= 0",
        ),
        (lambda d: d["inputMedia"][0].update(s3Location="/etc/passwd"), "/inputMedia/0/s3Location", "absolute"),
        (lambda d: d["inputMedia"][0].update(s3Location="a/../../b.mp4"), "/inputMedia/0/s3Location", "'..'"),
        (
            lambda d: d["outputTrack"][1]["transitionIn"].update(type="wipe"),
            "/outputTrack/1/transitionIn/type",
            "fade, cut",
        ),
        (lambda d: d["overlayTracks"][0].update(type="luma"), "/overlayTracks/0/type", "alpha, colorkey"),
        (
            lambda d: d["audioMixing"][0]["keyframes"][0].update(volume=3),
            "/audioMixing/0/keyframes/0/volume",
            "between 0 and 2",
        ),
        (lambda d: d["outputTrack"][1]["transitionIn"].update(duration=5000), "/outputTrack/1", "fades last"),
        (
            lambda d: d["inputMedia"][0]["sections"][0].update(startFrame="0"),
            "/inputMedia/0/sections/0/startFrame",
            "integer",
        ),
    ],
)
def test_malformed_documents_are_rejected_naming_the_field(change, pointer, words):
    with pytest.raises(CutListError) as caught:
        validate_cut_list(mutated(change))

    assert any(p.startswith(pointer + ":") and words in p for p in caught.value.problems), caught.value.problems


def test_all_problems_are_reported_at_once():
    def break_twice(d):
        d.update(version="0.9")
        d["outputTrack"][0].update(mediaIndex=7)

    with pytest.raises(CutListError) as caught:
        validate_cut_list(mutated(break_twice))

    assert len(caught.value.problems) == 2


@pytest.mark.parametrize("document", [None, [], "cut", 42])
def test_non_objects_are_rejected(document):
    with pytest.raises(CutListError, match="must be an object"):
        validate_cut_list(document)


@pytest.mark.parametrize(
    ("location", "words"),
    [
        ("http://example.com/a.mp4", "not a URL or protocol"),
        ("https:a.mp4", "not a URL or protocol"),
        ("file:streams/1/a.mp4", "not a URL or protocol"),
        ("concat:a.mp4|b.mp4", "not a URL or protocol"),
        ("subfile,,start,0,end,100,,:a.mp4", "not a URL or protocol"),
        ("pipe:0", "not a URL or protocol"),
        ("-i.mp4", "must not start with '-'"),
        ("streams/1/a\n.mp4", "control characters"),
        ("streams/1/a\r.mp4", "control characters"),
        ("streams/1/a\x00.mp4", "control characters"),
        ("streams\\1\\a.mp4", "backslash"),
        ("C:/media/a.mp4", "absolute"),
        ("a" * 1025, "at most 1024 characters"),
        ("", "non-empty"),
    ],
)
def test_unsafe_storage_keys_are_refused(location, words):
    with pytest.raises(CutListError) as caught:
        validate_cut_list(mutated(lambda d: d["inputMedia"][0].update(s3Location=location)))

    assert any(p.startswith("/inputMedia/0/s3Location:") and words in p for p in caught.value.problems), (
        caught.value.problems
    )


def test_twenty_thousand_sections_are_refused_before_rendering():
    # This document once passed validation and then died at render time with "Argument list too long".
    document = {
        "version": "1.0.0",
        "inputMedia": [
            {"s3Location": "a.mp4", "sections": [{"startFrame": i, "endFrame": i + 1} for i in range(20_000)]}
        ],
        "outputTrack": [{"mediaIndex": 0, "sectionIndex": i} for i in range(20_000)],
    }

    with pytest.raises(CutListError) as caught:
        validate_cut_list(document, limits=CutListLimits(max_bytes=10_000_000))

    assert caught.value.problems == [
        "/inputMedia/0/sections: brings the cut list past 2000 sections in all",
        "/outputTrack: has 20000 items; at most 200 are allowed",
    ]


def test_document_size_is_capped_in_bytes():
    with pytest.raises(CutListError, match=r"/: is \d+ bytes; at most 300 are allowed"):
        validate_cut_list(VALID, limits=CutListLimits(max_bytes=300))


TIGHT = CutListLimits(max_inputs=2, max_sections=2, max_output_items=1, max_overlays=0, max_keyframes=1)


@pytest.mark.parametrize(
    ("change", "pointer", "words"),
    [
        (lambda d: None, "/inputMedia", "at most 2"),
        (lambda d: d["inputMedia"].pop(), "/outputTrack", "at most 1"),
        (lambda d: d["inputMedia"].pop(), "/overlayTracks", "at most 0"),
        (
            lambda d: d["audioMixing"][0]["keyframes"].append({"frame": 9, "volume": 1}),
            "/audioMixing/0/keyframes",
            "at most 1",
        ),
        (
            lambda d: (d["inputMedia"].pop(), d["inputMedia"][0]["sections"].append({"startFrame": 0, "endFrame": 5})),
            "/inputMedia/1/sections",
            "past 2 sections in all",
        ),
    ],
)
def test_item_counts_are_capped(change, pointer, words):
    with pytest.raises(CutListError) as caught:
        validate_cut_list(mutated(change), limits=TIGHT)

    assert any(p.startswith(pointer + ":") and words in p for p in caught.value.problems), caught.value.problems


def test_deeply_nested_documents_are_refused_not_crashed():
    nested: list = []
    for _ in range(100_000):
        nested = [nested]

    with pytest.raises(CutListError, match="must be a JSON document"):
        validate_cut_list({"version": "1.0.0", "inputMedia": nested, "outputTrack": []})


def test_unowned_media_names_each_foreign_input():
    cut = validate_cut_list(VALID)

    problems = unowned_media_problems(cut, {"streams/1/a.mp4", "series/intro.mov"}.__contains__)

    assert problems == [
        "/inputMedia/1/s3Location: 'series/outro.mp4' is not one of your recordings, renders or series assets"
    ]
