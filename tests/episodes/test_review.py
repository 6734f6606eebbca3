"""The review page's writes: triage through its API (the proposals services behind it), undo, marks,
corrections and the render starters; refusals that change nothing."""

import json

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from episodes import review
from episodes.cutlist import validate_cut_list
from episodes.models import Episode, Highlight
from episodes.proposals import services as proposals
from episodes.proposals.selectors import stream_settings
from episodes.review_core import ReviewError
from pipeline.models import PipelineRun, StepRun
from rendering.services import episode_transcripts
from rendering.subtitles import timeline_cues
from tests.episodes.review_data import episode
from transcription.models import Segment


@pytest.fixture
def page(user) -> Client:
    """The review page's session: its JSON writes with the CSRF token."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/")  # sets the csrftoken cookie, like the review page

    def call(path: str, body=None, method: str = "post"):
        response = getattr(client, method)(
            f"/api/review/{path}",
            json.dumps(body or {}),
            content_type="application/json",
            HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
        )
        return response

    client.call = call
    return client


def test_accepting_from_the_page_is_the_proposals_accept(stream, page):
    intro = episode(stream, "Intro")
    answer = page.call(f"episodes/{intro.id}/accept/")
    assert answer.status_code == 200

    accepted = episode(stream, "Intro")
    assert (answer.json()["status"], accepted.status) == ("draft", Episode.Status.DRAFT)
    assert accepted.edited_at is not None and accepted.tracks == [{"start": 10.0, "end": 60.0}]
    media = accepted.cut_list["inputMedia"]
    assert [m["s3Location"] for m in media] == [stream.clips.get(order=0).file.name]
    assert media[0]["sections"] == [{"startFrame": 300, "endFrame": 1800}]  # 10..60 s at 30 fps
    # The same episode accepted through /api/episodes/ gets the same cut list: one service behind both.
    other = Episode.objects.create(
        owner=intro.owner, stream=stream, order=9, title="Twin", tracks=intro.tracks, status=Episode.Status.PROPOSED
    )
    token = page.cookies["csrftoken"].value
    assert page.post(f"/api/episodes/{other.id}/accept/", HTTP_X_CSRFTOKEN=token).status_code == 200
    other.refresh_from_db()
    assert (other.status, other.cut_list["inputMedia"]) == (Episode.Status.DRAFT, media)
    assert other.edited_at is not None


def test_rejecting_keeps_the_proposal_as_rejected_and_edited_so_a_rerun_keeps_it(stream, page):
    intro = episode(stream, "Intro")

    answer = page.call(f"episodes/{intro.id}/reject/")

    assert (answer.status_code, answer.json()["status"]) == (200, "rejected")
    assert episode(stream, "Intro").status == Episode.Status.REJECTED
    assert episode(stream, "Intro").edited_at is not None  # so stream_propose keeps it (see _kept_episodes)
    assert Episode.objects.filter(stream=stream).count() == 3


def test_undo_of_a_reject_or_an_accept_is_reopen(stream, page):
    intro, foundations = episode(stream, "Intro"), episode(stream, "Foundations")
    page.call(f"episodes/{intro.id}/reject/")
    page.call(f"episodes/{foundations.id}/accept/")

    assert page.call(f"episodes/{intro.id}/reopen/").json()["status"] == "proposed"
    assert page.call(f"episodes/{foundations.id}/reopen/").json()["status"] == "proposed"
    assert (episode(stream, "Foundations").cut_list, episode(stream, "Intro").status) == ({}, Episode.Status.PROPOSED)


def test_an_accepted_episode_cannot_be_rejected(stream, page):
    answer = page.call(f"episodes/{episode(stream, 'Roof').id}/reject/")
    assert answer.status_code == 400
    assert "only a proposal can be rejected" in answer.json()["detail"]
    assert episode(stream, "Roof").status == Episode.Status.DRAFT


def test_trimming_an_accepted_episode_rebuilds_its_cut_list_and_undo_restores_it(stream, page):
    roof = episode(stream, "Roof")
    answer = page.call(f"episodes/{roof.id}/trim/", {"start": 225.0}).json()

    roof.refresh_from_db()
    assert roof.tracks == [{"start": 225.0, "end": 280.0}]
    assert roof.cut_list["inputMedia"][0]["sections"] == [{"startFrame": 750, "endFrame": 2400}]

    assert page.call(f"streams/{stream.id}/restore/", answer["before"]).status_code == 200
    roof.refresh_from_db()
    assert roof.tracks == [{"start": 220.0, "end": 280.0}]
    assert roof.cut_list["inputMedia"][0]["sections"] == [{"startFrame": 600, "endFrame": 2400}]
    assert roof.status == Episode.Status.DRAFT


def test_a_trim_past_the_stream_end_is_refused_and_nothing_changes(stream, page):
    roof = episode(stream, "Roof")
    answer = page.call(f"episodes/{roof.id}/trim/", {"end": 301.0})
    assert answer.status_code == 400
    assert "outside the stream" in answer.json()["detail"]
    assert episode(stream, "Roof").tracks == roof.tracks


def test_split_then_its_undo_gives_the_episode_back(stream, page):
    intro = episode(stream, "Intro")
    Episode.objects.filter(id=intro.id).update(description="The start.")
    answer = page.call(f"episodes/{intro.id}/split/", {"at": 30.0}).json()

    first, second = answer["episodes"]
    assert first["tracks"] == [{"start": 10.0, "end": 30.0}]
    assert (second["tracks"], second["status"], second["title"]) == (
        [{"start": 30.0, "end": 60.0}],
        "proposed",
        "Intro (part 2)",
    )

    page.call(f"episodes/{first['id']}/merge/", {"with": second["id"]})
    page.call(f"streams/{stream.id}/restore/", answer["before"])
    assert list(Episode.objects.filter(stream=stream).order_by("id").values_list("title", "tracks", "description"))[
        0
    ] == ("Intro", [{"start": 10.0, "end": 60.0}], "The start.")
    assert Episode.objects.filter(stream=stream).count() == 3


def test_splitting_an_accepted_episode_gives_two_accepted_ones(stream, page):
    answer = page.call(f"episodes/{episode(stream, 'Roof').id}/split/", {"at": 250.0}).json()
    second = Episode.objects.get(id=answer["episodes"][1]["id"])
    assert second.status == Episode.Status.DRAFT
    assert second.cut_list["outputTrack"]


def test_merge_keeps_the_silence_between_cut_and_undo_brings_both_back(stream, page):
    intro, foundations = episode(stream, "Intro"), episode(stream, "Foundations")
    answer = page.call(f"episodes/{intro.id}/merge/", {"with": foundations.id}).json()

    assert answer["episode"]["title"] == "Intro"
    assert answer["episode"]["tracks"] == [{"start": 10.0, "end": 60.0}, {"start": 100.0, "end": 150.0}]
    assert answer["removed"]["title"] == "Foundations"
    assert not Episode.objects.filter(title="Foundations").exists()

    page.call(f"streams/{stream.id}/restore/", answer["before"])
    page.call(f"streams/{stream.id}/restore/", answer["removed"])
    assert episode(stream, "Intro").tracks == [{"start": 10.0, "end": 60.0}]
    back = episode(stream, "Foundations")
    assert (back.tracks, back.status) == ([{"start": 100.0, "end": 150.0}], Episode.Status.PROPOSED)


def test_a_merged_away_draft_comes_back_as_a_draft_with_its_cut_list(stream, user):
    roof = episode(stream, "Roof")
    snapshot = review.episode_snapshot(roof)
    roof.delete()

    restored = review.review_episode_restore(user=user, stream_id=stream.id, snapshot=snapshot)

    assert (restored.title, restored.status) == ("Roof", Episode.Status.DRAFT)
    assert restored.cut_list["outputTrack"]


def test_another_users_rows_read_as_missing(stream, other_user):
    intro = episode(stream, "Intro")
    with pytest.raises(review.ReviewNotFound):
        review.review_episode_owned(other_user, intro.id)
    with pytest.raises(review.ReviewNotFound):
        review.review_stream_owned(other_user, stream.id)
    with pytest.raises(review.ReviewNotFound):
        review.review_highlight_owned(other_user, Highlight.objects.get(stream=stream).id)
    with pytest.raises(review.ReviewNotFound):
        review.review_episode_restore(user=other_user, stream_id=stream.id, snapshot=review.episode_snapshot(intro))
    with pytest.raises(review.ReviewNotFound):
        review.review_segment_correct(user=other_user, segment_id=Segment.objects.get().id, text="hacked")
    assert episode(stream, "Intro").status == Episode.Status.PROPOSED
    assert Segment.objects.get().text == "we beat the bos"


def test_a_mark_is_the_marks_service_an_accepted_manual_highlight_with_the_series_roll(stream, page):
    answer = page.call(f"streams/{stream.id}/marks/", {"time": 10.0})
    mark = Highlight.objects.get(id=answer.json()["id"])

    config = stream_settings(stream)
    assert (mark.start, mark.peak, mark.end) == (0.0, 10.0, 10.0 + config.post_roll)
    assert (mark.source, mark.status, mark.marked_by) == ("manual", "accepted", "streamer")
    assert page.call(f"highlights/{mark.id}/", method="delete").status_code == 204
    assert not Highlight.objects.filter(id=mark.id).exists()


def test_a_scored_highlight_is_rejected_not_deleted(stream, page):
    scored = Highlight.objects.get(stream=stream)
    answer = page.call(f"highlights/{scored.id}/", method="delete")
    assert (answer.status_code, answer.json()["detail"]) == (
        400,
        "only a moment marked by hand can be deleted; reject a proposed one",
    )
    assert page.call(f"highlights/{scored.id}/status/", {"status": "rejected"}).json()["status"] == "rejected"
    scored.refresh_from_db()
    assert (scored.status, scored.edited_at is not None) == ("rejected", True)
    assert "status must be one of" in page.call(f"highlights/{scored.id}/status/", {"status": "maybe"}).json()["detail"]


def test_a_transcript_correction_reaches_the_subtitles_and_refreshes_search(
    stream, user, django_capture_on_commit_callbacks
):
    segment = Segment.objects.get()

    with django_capture_on_commit_callbacks(execute=False):
        review.review_segment_correct(user=user, segment_id=segment.id, text="We beat the boss!")

    segment.refresh_from_db()
    assert segment.text == "We beat the boss!"
    assert segment.transcript.text == "We beat the boss!"
    roof = proposals.episode_trim(episode=episode(stream, "Roof"), start=200.0, end=280.0)
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
