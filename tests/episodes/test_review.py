"""Triage services behind the review page: each edit as the streamer sees it, and refusals that change nothing."""

import pytest
from django.core.files.storage import default_storage

from episodes import review
from episodes.cutlist import validate_cut_list
from episodes.models import Episode, Highlight
from episodes.review_core import ReviewError
from pipeline.models import PipelineRun, StepRun
from rendering.services import episode_transcripts
from rendering.subtitles import timeline_cues
from tests.episodes.review_data import episode
from transcription.models import Segment


def test_accepting_makes_a_draft_with_its_cut_list_and_marks_it_edited(stream, user):
    accepted = review.review_episode_accept(user=user, episode_id=episode(stream, "Intro").id)

    assert accepted.status == Episode.Status.DRAFT
    assert accepted.edited_at is not None
    media = accepted.cut_list["inputMedia"]
    assert [m["s3Location"] for m in media] == [stream.clips.get(order=0).file.name]
    assert media[0]["sections"] == [{"startFrame": 300, "endFrame": 1800}]  # 10..60 s at 30 fps


def test_rejecting_deletes_the_proposal_and_undo_brings_it_back(stream, user):
    intro = episode(stream, "Intro")

    snapshot = review.review_episode_reject(user=user, episode_id=intro.id)
    assert not Episode.objects.filter(id=intro.id).exists()

    restored = review.review_episode_restore(user=user, stream_id=stream.id, snapshot=snapshot)
    assert (restored.title, restored.tracks, restored.status) == ("Intro", intro.tracks, Episode.Status.PROPOSED)


def test_an_accepted_episode_cannot_be_rejected(stream, user):
    with pytest.raises(ReviewError, match="only proposals can be rejected"):
        review.review_episode_reject(user=user, episode_id=episode(stream, "Roof").id)
    assert episode(stream, "Roof").status == Episode.Status.DRAFT


def test_undo_of_an_accept_puts_the_proposal_back_without_a_cut_list(stream, user):
    intro = episode(stream, "Intro")
    review.review_episode_accept(user=user, episode_id=intro.id)

    review.review_episode_restore(
        user=user,
        stream_id=stream.id,
        snapshot={"id": intro.id, "title": "Intro", "tracks": intro.tracks, "status": "proposed"},
    )

    intro.refresh_from_db()
    assert (intro.status, intro.cut_list) == (Episode.Status.PROPOSED, {})


def test_trimming_an_accepted_episode_rebuilds_its_cut_list(stream, user):
    roof = review.review_episode_trim(user=user, episode_id=episode(stream, "Roof").id, start=225.0)

    assert roof.tracks == [{"start": 225.0, "end": 280.0}]
    assert roof.cut_list["inputMedia"][0]["sections"] == [{"startFrame": 750, "endFrame": 2400}]


def test_a_trim_past_the_stream_end_is_refused_and_nothing_changes(stream, user):
    roof = episode(stream, "Roof")
    with pytest.raises(ReviewError, match="past the end of the stream"):
        review.review_episode_trim(user=user, episode_id=roof.id, end=301.0)
    assert episode(stream, "Roof").tracks == roof.tracks


def test_split_at_the_playhead_makes_the_second_part_right_after(stream, user):
    first, second = review.review_episode_split(user=user, episode_id=episode(stream, "Intro").id, at=30.0)

    assert first.tracks == [{"start": 10.0, "end": 30.0}]
    assert second.tracks == [{"start": 30.0, "end": 60.0}]
    assert (second.order, second.status, second.title) == (2, Episode.Status.PROPOSED, "Intro (part 2)")
    assert episode(stream, "Foundations").order == 3  # later episodes move down


def test_splitting_an_accepted_episode_gives_two_accepted_ones(stream, user):
    _, second = review.review_episode_split(user=user, episode_id=episode(stream, "Roof").id, at=250.0)
    assert second.status == Episode.Status.DRAFT
    assert second.cut_list["outputTrack"]


def test_merge_joins_two_adjacent_proposals_into_one_span(stream, user):
    merged, removed = review.review_episodes_merge(
        user=user, episode_id=episode(stream, "Foundations").id, other_id=episode(stream, "Intro").id
    )

    assert merged.title == "Intro"
    assert merged.tracks == [{"start": 10.0, "end": 150.0}]
    assert removed["title"] == "Foundations"
    assert not Episode.objects.filter(title="Foundations").exists()


def test_merge_refuses_episodes_with_another_between_them(stream, user):
    with pytest.raises(ReviewError, match="Foundations lies between them"):
        review.review_episodes_merge(
            user=user, episode_id=episode(stream, "Intro").id, other_id=episode(stream, "Roof").id
        )
    assert Episode.objects.filter(stream=stream).count() == 3


def test_another_users_rows_read_as_missing(stream, other_user):
    intro = episode(stream, "Intro")
    with pytest.raises(review.ReviewNotFound):
        review.review_episode_accept(user=other_user, episode_id=intro.id)
    with pytest.raises(review.ReviewNotFound):
        review.review_highlight_mark(user=other_user, stream_id=stream.id, time=10.0)
    with pytest.raises(review.ReviewNotFound):
        review.review_segment_correct(user=other_user, segment_id=Segment.objects.get().id, text="hacked")
    assert episode(stream, "Intro").status == Episode.Status.PROPOSED
    assert Segment.objects.get().text == "we beat the bos"


def test_a_mark_is_an_accepted_manual_highlight_with_pre_and_post_roll(stream, user):
    mark = review.review_highlight_mark(user=user, stream_id=stream.id, time=10.0)

    assert (mark.start, mark.peak, mark.end) == (0.0, 10.0, 25.0)
    assert (mark.source, mark.status, mark.marked_by) == ("manual", "accepted", "streamer")
    review.review_highlight_unmark(user=user, highlight_id=mark.id)
    assert not Highlight.objects.filter(id=mark.id).exists()


def test_a_scored_highlight_is_rejected_not_deleted(stream, user):
    scored = Highlight.objects.get(stream=stream)
    with pytest.raises(ReviewError, match="only a moment marked by hand"):
        review.review_highlight_unmark(user=user, highlight_id=scored.id)
    assert review.review_highlight_set_status(user=user, highlight_id=scored.id, status="rejected").status == "rejected"
    with pytest.raises(ReviewError, match="status must be one of"):
        review.review_highlight_set_status(user=user, highlight_id=scored.id, status="maybe")


def test_a_transcript_correction_reaches_the_subtitles_and_refreshes_search(
    stream, user, django_capture_on_commit_callbacks
):
    segment = Segment.objects.get()

    with django_capture_on_commit_callbacks(execute=False):
        review.review_segment_correct(user=user, segment_id=segment.id, text="We beat the boss!")

    segment.refresh_from_db()
    assert segment.text == "We beat the boss!"
    assert segment.transcript.text == "We beat the boss!"
    roof = review.review_episode_trim(user=user, episode_id=episode(stream, "Roof").id, start=200.0)
    cues = timeline_cues(validate_cut_list(roof.cut_list), episode_transcripts(roof))
    assert [cue.text for cue in cues] == ["We beat the boss!"]
    words = [w["word"].strip() for w in segment.words]
    assert words == ["We", "beat", "the", "boss!"]
    run = PipelineRun.objects.get(stream=stream, kind=PipelineRun.Kind.PROCESS)
    assert list(StepRun.objects.filter(run=run).values_list("name", "clip_id")) == [
        ("embed", segment.transcript.clip_id)
    ]


@pytest.mark.parametrize("text", ["", "   ", "x" * 5001])
def test_a_blank_or_huge_correction_is_refused(stream, user, text):
    with pytest.raises(ReviewError):
        review.review_segment_correct(user=user, segment_id=Segment.objects.get().id, text=text)
    assert Segment.objects.get().text == "we beat the bos"


def test_rendering_needs_an_accepted_episode(stream, user):
    with pytest.raises(ReviewError, match="accept it before rendering"):
        review.review_episode_render_start(user=user, episode_id=episode(stream, "Intro").id)


def test_a_vertical_clip_of_a_highlight_is_a_run_on_its_recording(stream, user, django_capture_on_commit_callbacks):
    highlight = Highlight.objects.get(stream=stream)
    with django_capture_on_commit_callbacks(execute=False):
        run, key = review.review_highlight_vertical_start(user=user, highlight_id=highlight.id)

    clip = stream.clips.get(order=0)
    assert key == f"vertical/clip-{clip.id}-30.000-60.000.mp4"
    assert (run.kind, run.stream_id) == (PipelineRun.Kind.RENDER, stream.id)
    assert list(run.steps.values_list("name", "label")) == [("vertical", key)]


def test_the_vertical_run_renders_the_moment_and_completes(db, user, make_video, django_capture_on_commit_callbacks):
    from rendering.vertical_service import vertical_clip_run
    from streams.services import stream_ingest

    stream = stream_ingest(
        owner=user, paths=[make_video("moment.mp4", seconds=3)], title="Moment", process=False
    ).stream
    highlight = Highlight.objects.create(stream=stream, start=0.5, end=2.5, peak=1.5, score=1.0)
    with django_capture_on_commit_callbacks(execute=False):
        run, key = review.review_highlight_vertical_start(user=user, highlight_id=highlight.id)

    vertical_clip_run(run_id=run.id, clip_id=stream.clips.get().id, start=0.5, end=2.5)

    run.refresh_from_db()
    assert (run.status, run.progress) == ("completed", 100.0)
    assert default_storage.exists(key)
