"""Summarising stored transcripts (the real MiniLM, the real database), edits that re-runs keep, the steps and
the command, and the API and admin, each for the owner only."""

from __future__ import annotations

import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.urls import reverse

from pipeline.models import PipelineRun, StepStatus
from pipeline.workflows import create_process_run, run_here, start_stream_processing
from streams.analysis.models import ClipAnalysis
from streams.analysis.services import clip_analyse
from streams.models import Stream, VideoClip
from transcription.models import ClipSummary, Segment, StreamSummary, Transcript
from transcription.services import transcript_create
from transcription.summaries.services import (
    SummaryError,
    clip_summarise,
    clip_summary_edit,
    stream_summarise,
)

from .chat_server import ChatServer, Reply

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(300)]

FIRST = (
    "Today we build a chicken coop from old pallets.",
    "The pallets need sanding before we cut the coop walls.",
    "Wow, the first wall actually stands!",
    "Chickens need a dry coop with good ventilation.",
)
SECOND = (
    "Back from the break, now the coop roof.",
    "The roof gets corrugated sheets so rain runs off the coop.",
    "Send your coop photos to coop.fan@example.org after the stream.",
    "The roof sheets are screwed onto the pallet frame.",
)


def make_stream(owner, *talks: tuple[str, ...], title: str = "Coop build") -> Stream:
    """A stream of 60 s clips, one per talk, each transcribed into 10 s segments (the clips' files are not read)."""
    stream = Stream.objects.create(owner=owner, title=title, duration=60.0 * len(talks))
    for order, talk in enumerate(talks):
        clip = VideoClip.objects.create(
            stream=stream,
            order=order,
            file=f"clips/{order}.mp4",
            original_name=f"{order}.mp4",
            duration=60.0,
            start_time=60.0 * order,
        )
        transcript = Transcript.objects.create(clip=clip, language="en", text=" ".join(talk))
        for index, text in enumerate(talk):
            Segment.objects.create(
                transcript=transcript,
                index=index,
                start=10.0 * index + 1,
                end=10.0 * index + 8,
                text=text,
                avg_logprob=-0.3,
                compression_ratio=1.3,
                no_speech_prob=0.02,
            )
    return stream


@pytest.fixture
def stream(user) -> Stream:
    return make_stream(user, FIRST, SECOND)


def clips(stream: Stream) -> list[VideoClip]:
    return list(stream.clips.order_by("order"))


def test_clips_are_summarised_in_order_on_the_stream_timeline_and_the_context_rolls_on(stream):
    first, second = clips(stream)
    seen = []

    one = clip_summarise(clip_id=first.id, progress=seen.append)
    assert not StreamSummary.objects.exists()  # the stream's draft waits for its last clip
    two = clip_summarise(clip_id=second.id)

    assert one.engine == "extractive" and one.model_name == "all-MiniLM-L6-v2"
    assert any("coop" in keyword or "pallet" in keyword for keyword in one.keywords[:3])
    assert seen[-1] == 100 and seen == sorted(seen)
    # the second clip's times are on the stream timeline (it starts at 60 s)
    moments = two.highlights + two.attentions
    assert moments and all(60.0 <= item["timestamp_start"] <= 120.0 for item in moments)
    [mail] = two.attentions
    assert mail["segments"] == [2] and (mail["timestamp_start"], mail["timestamp_end"]) == (81.0, 88.0)
    assert two.summary_context.endswith(f"Before: {one.summary_context}")
    draft = StreamSummary.objects.get(stream=stream)
    assert draft.title and "0:00:00" in draft.description and "0:01:00" in draft.description


def test_a_rerun_replaces_the_summary_and_never_duplicates_it(stream):
    first = clips(stream)[0]
    clip_summarise(clip_id=first.id)
    ClipSummary.objects.filter(clip=first).update(title="stale")

    clip_summarise(clip_id=first.id)

    assert ClipSummary.objects.filter(clip=first).count() == 1
    assert ClipSummary.objects.get(clip=first).title != "stale"


def test_an_edited_summary_is_kept_said_so_and_its_context_rolls_on(stream, caplog):
    first, second = clips(stream)
    summary = clip_summarise(clip_id=first.id)
    clip_summary_edit(
        summary=summary, changes={"title": "Pallet coop, part 1", "summary_context": "My own notes on the coop."}
    )
    edited_at = ClipSummary.objects.get(clip=first).edited_at
    assert edited_at is not None

    again = clip_summarise(clip_id=first.id)
    after = clip_summarise(clip_id=second.id)

    assert again.title == "Pallet coop, part 1" and again.kept_edit and again.edited_at == edited_at
    assert "edited by the streamer" in caplog.text
    assert after.summary_context.endswith("Before: My own notes on the coop.")


def test_an_edited_stream_draft_is_kept(stream):
    for clip in clips(stream):
        clip_summarise(clip_id=clip.id)
    from transcription.summaries.services import stream_summary_edit

    stream_summary_edit(summary=StreamSummary.objects.get(stream=stream), changes={"title": "My title"})

    kept = stream_summarise(stream_id=stream.id)

    assert kept.title == "My title" and kept.kept_edit


def test_a_clip_without_a_transcript_must_be_transcribed_first(user):
    stream = make_stream(user, FIRST)
    Transcript.objects.all().delete()

    with pytest.raises(SummaryError, match="0.mp4 has no transcript: transcribe it first"):
        clip_summarise(clip_id=stream.clips.get().id)


def test_a_clip_without_speech_has_an_empty_summary_and_passes_the_context_on(user):
    stream = make_stream(user, FIRST, ())
    first, silent = clips(stream)
    before = clip_summarise(clip_id=first.id)

    summary = clip_summarise(clip_id=silent.id)

    assert (summary.title, summary.keywords, summary.highlights) == ("", [], [])
    assert summary.summary_context == before.summary_context


def test_loudness_from_the_analysis_lifts_a_highlight(user):
    stream = make_stream(user, FIRST * 3)
    clip = stream.clips.get()
    loudness = [-35.0] * 120
    loudness[41:48] = [-12.0] * 7  # segment 4 (41-48 s on the clip) is shouted
    ClipAnalysis.objects.create(clip=clip, threshold_db=-48, min_silence=1, duration=120, loudness=loudness)

    summary = clip_summarise(clip_id=clip.id)

    assert summary.highlights[0]["segments"] == [4] and "dB louder" in summary.highlights[0]["reasoning"]


def test_the_step_fails_readably_and_stores_nothing_when_the_model_misbehaves(stream):
    first = clips(stream)[0]
    ClipSummary.objects.create(clip=first, title="from before")
    run = create_process_run(stream, owner=stream.owner, steps=("summarise",))
    with ChatServer() as server:
        server.replies = lambda body: Reply(content='{"title": 1}')
        settings = {"SUMMARY_ENGINE": "openai", "OPENAI_BASE_URL": server.url, "SUMMARY_RETRIES": 0}
        with override_settings(**settings):
            run = run_here(run)

    step = run.steps.get(clip=first)
    assert step.status == StepStatus.FAILED
    assert step.error == (
        "the summary model (gpt-4o-mini) gave an unusable reply twice: it does not match the schema:"
        " summary: 'keywords' is a required property"
    )
    assert len(server.requests) == 4  # each clip: the reply, then one retry naming the problem
    assert run.status == "failed" and "0.mp4 / summarise" in run.error and "1.mp4 / summarise" in run.error
    assert ClipSummary.objects.get(clip=first).title == "from before"
    assert ClipSummary.objects.count() == 1 and not StreamSummary.objects.exists()


@override_settings(SUMMARY_ENGINE="gpt-please")
def test_an_unknown_engine_is_named(stream):
    with pytest.raises(SummaryError, match="SUMMARY_ENGINE='gpt-please' is unknown: use one of extractive, openai"):
        clip_summarise(clip_id=clips(stream)[0].id)


def test_reprocess_step_summarise_here_on_a_real_transcript(ingest, speech_video, capsys):
    """The whole way from the committed speech sample: analysed, transcribed by Whisper, then summarised."""
    stream = ingest(speech_video)
    clip = stream.clips.get()
    clip_analyse(clip_id=clip.id)
    transcript_create(clip_id=clip.id)

    call_command("reprocess", str(stream.id), "--step", "summarise", "--here")

    run = PipelineRun.objects.latest("created_at")
    assert run.status == "completed" and [step.name for step in run.steps.all()] == ["summarise"]
    summary = ClipSummary.objects.get(clip=clip)
    assert summary.title and summary.keywords and summary.summary_main_discussion
    assert {index for item in summary.highlights for index in item["segments"]} <= set(
        transcript.index for transcript in Segment.objects.filter(transcript__clip=clip)
    )
    out = capsys.readouterr().out
    assert f"Title: {StreamSummary.objects.get(stream=stream).title}" in out and summary.title in out


def test_reprocess_names_a_failed_summary(user):
    stream = make_stream(user, FIRST)
    Transcript.objects.all().delete()

    with pytest.raises(CommandError, match="transcribe it first"):
        call_command("reprocess", str(stream.id), "--step", "summarise", "--here")


# --- API ------------------------------------------------------------------------------------------------------------
@pytest.fixture
def summarised(stream) -> Stream:
    for clip in clips(stream):
        clip_summarise(clip_id=clip.id)
    return stream


def test_the_api_serves_the_owners_summaries_only(summarised, api_client, other_client, other_user):
    theirs = make_stream(other_user, FIRST, title="Rival coop")
    ClipSummary.objects.create(clip=theirs.clips.get(), title="rival summary")
    StreamSummary.objects.create(stream=theirs, title="rival draft")

    mine = api_client.get("/api/clip-summaries/", {"stream": summarised.id}).json()["results"]
    all_mine = api_client.get("/api/clip-summaries/").json()["results"]
    drafts = api_client.get("/api/stream-summaries/").json()["results"]

    assert [item["clip"] for item in mine] == [clip.id for clip in clips(summarised)]
    assert mine[1]["clip_start_time"] == 60.0 and mine[1]["attentions"][0]["timestamp_start"] == 81.0
    assert "rival summary" not in str(all_mine) and "rival draft" not in str(drafts)
    assert [item["stream"] for item in drafts] == [summarised.id]
    rival = ClipSummary.objects.get(clip__stream=theirs)
    assert api_client.get(f"/api/clip-summaries/{rival.id}/").status_code == 404
    assert api_client.patch(f"/api/clip-summaries/{rival.id}/", {"title": "x"}, format="json").status_code == 404
    assert other_client.get("/api/clip-summaries/", {"stream": summarised.id}).json()["results"] == []
    assert api_client.get("/api/clip-summaries/", {"stream": "abc"}).status_code == 400


def test_a_patch_edits_and_marks_the_summary(summarised, api_client):
    summary = ClipSummary.objects.get(clip=clips(summarised)[0])
    highlight = {
        "timestamp_start": 21.0,
        "timestamp_end": 28.0,
        "description": "It stands",
        "reasoning": "mine",
        "segments": [2],
    }

    response = api_client.patch(
        f"/api/clip-summaries/{summary.id}/", {"title": "Coop walls", "highlights": [highlight]}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["title"] == "Coop walls" and response.json()["edited_at"]
    summary.refresh_from_db()
    assert summary.highlights == [highlight] and summary.edited_at is not None
    draft = StreamSummary.objects.get(stream=summarised)
    response = api_client.patch(f"/api/stream-summaries/{draft.id}/", {"description": "My words"}, format="json")
    assert response.status_code == 200 and response.json()["description"] == "My words"


def test_an_edited_summary_is_embedded_again_so_search_finds_the_new_words(summarised, api_client):
    clip = clips(summarised)[0]
    summary = ClipSummary.objects.get(clip=clip)

    api_client.patch(f"/api/clip-summaries/{summary.id}/", {"title": "Coop walls"}, format="json")

    run = PipelineRun.objects.filter(stream=summarised, kind="process").latest("id")
    assert list(run.steps.values_list("name", "clip_id")) == [("embed", clip.id)]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"title": 5}, "title: 5 is not of type 'string'"),
        ({"keywords": "coop"}, "keywords: 'coop' is not of type 'array'"),
        ({"engine": "mine"}, "cannot edit engine; editable: title, keywords"),
        ({"highlights": [{"timestamp_start": 1}]}, "highlights[0]: 'timestamp_end' is a required property"),
        (
            {
                "attentions": [
                    {"timestamp_start": 9, "timestamp_end": 3, "description": "", "reasoning": "", "segments": []}
                ]
            },
            "attentions[0].timestamp_end: 3 is before timestamp_start 9",
        ),
        (
            {"transcription_errors": [{"timestamp_start": 1, "description": "", "reasoning": "", "segments": [77]}]},
            "transcription_errors[0].segments: no segment 77 in this transcript",
        ),
        ([1, 2], "send a JSON object with the fields to change"),
        ({}, "send a JSON object with the fields to change"),
    ],
)
def test_a_bad_patch_is_a_400_that_changes_nothing(summarised, api_client, payload, message):
    summary = ClipSummary.objects.get(clip=clips(summarised)[0])
    before = summary.as_dict()

    response = api_client.patch(f"/api/clip-summaries/{summary.id}/", payload, format="json")

    assert response.status_code == 400 and message in response.json()["detail"]
    summary.refresh_from_db()
    assert summary.as_dict() == before and summary.edited_at is None


def test_put_and_delete_are_not_offered(summarised, api_client):
    summary = ClipSummary.objects.get(clip=clips(summarised)[0])

    assert api_client.delete(f"/api/clip-summaries/{summary.id}/").status_code == 405
    assert api_client.put(f"/api/clip-summaries/{summary.id}/", summary.as_dict(), format="json").status_code == 405


# --- admin ----------------------------------------------------------------------------------------------------------
def test_the_admin_shows_summaries_on_stream_and_clip_pages_and_an_edit_is_marked(summarised, admin_client):
    first = clips(summarised)[0]
    summary = ClipSummary.objects.get(clip=first)

    stream_page = admin_client.get(reverse("admin:streams_stream_change", args=[summarised.id])).content.decode()
    clip_page = admin_client.get(reverse("admin:streams_videoclip_change", args=[first.id])).content.decode()
    assert summary.title in stream_page and StreamSummary.objects.get().title in stream_page
    assert summary.title in clip_page and "highlight" in clip_page

    form = {
        "title": "Edited in the admin",
        "keywords": '["coop"]',
        "summary_main_discussion": summary.summary_main_discussion,
        "summary_context": summary.summary_context,
        "highlights": "[]",
        "attentions": "[]",
        "transcription_errors": '[{"timestamp_start": 1, "description": "d", "reasoning": "r", "segments": [99]}]',
    }
    url = reverse("admin:transcription_clipsummary_change", args=[summary.id])
    refused = admin_client.post(url, form)
    assert refused.status_code == 200 and "no segment 99 in this transcript" in refused.content.decode()
    summary.refresh_from_db()
    assert summary.edited_at is None

    form["transcription_errors"] = ""  # an emptied box: none
    assert admin_client.post(url, form).status_code == 302
    summary.refresh_from_db()
    assert summary.title == "Edited in the admin" and summary.edited_at is not None
    assert summary.transcription_errors == [] and summary.keywords == ["coop"]


def test_summarise_again_queues_a_summarise_run(summarised, admin_client, django_capture_on_commit_callbacks):
    url = reverse("admin:streams_stream_changelist")

    with django_capture_on_commit_callbacks(execute=False):
        response = admin_client.post(
            url, {"action": "summarise_streams", "_selected_action": [summarised.id]}, follow=True
        )

    run = PipelineRun.objects.get(stream=summarised)
    assert {step.name for step in run.steps.all()} == {"summarise"} and run.steps.count() == 2
    assert f"summarise queued as pipeline run #{run.id}" in response.content.decode()


def test_forgetting_an_edit_lets_the_next_run_replace_it(summarised, admin_client):
    summary = ClipSummary.objects.get(clip=clips(summarised)[0])
    clip_summary_edit(summary=summary, changes={"title": "Mine"})
    url = reverse("admin:transcription_clipsummary_changelist")

    admin_client.post(url, {"action": "forget_edits", "_selected_action": [summary.id]})
    replaced = clip_summarise(clip_id=summary.clip_id)

    assert replaced.title != "Mine" and replaced.edited_at is None and not replaced.kept_edit


def test_a_real_worker_summarises_the_clips_in_order_then_drafts_the_stream(transactional_db, celery_worker, user):
    stream = make_stream(user, FIRST, SECOND)

    run = start_stream_processing(stream.id, user, steps=("summarise",))

    deadline = time.monotonic() + 240
    while not PipelineRun.objects.get(id=run.id).is_finished and time.monotonic() < deadline:
        time.sleep(0.3)
    run = PipelineRun.objects.get(id=run.id)
    assert run.status == "completed", run.error
    assert run.progress == 100
    first, second = (ClipSummary.objects.get(clip=clip) for clip in clips(stream))
    assert first.updated_at < second.updated_at and second.summary_context.endswith(first.summary_context)
    assert StreamSummary.objects.get(stream=stream).updated_at >= second.updated_at


def test_the_stream_draft_is_edited_in_the_admin_and_over_the_api_with_clear_errors(
    summarised, admin_client, api_client
):
    draft = StreamSummary.objects.get(stream=summarised)
    url = reverse("admin:transcription_streamsummary_change", args=[draft.id])

    assert admin_client.post(url, {"title": "Coop build, day 1", "description": "We build a coop."}).status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.edited_at is not None) == ("Coop build, day 1", True)

    response = api_client.patch(f"/api/stream-summaries/{draft.id}/", {"description": 5}, format="json")
    assert response.status_code == 400 and response.json()["detail"] == "description: 5 is not of type 'string'"
    response = api_client.patch(f"/api/stream-summaries/{draft.id}/", {"stream": 9}, format="json")
    assert (
        response.status_code == 400 and "cannot edit stream; editable: title, description" in response.json()["detail"]
    )
    draft.refresh_from_db()
    assert draft.description == "We build a coop."


def test_the_openai_engine_through_the_step_stores_its_summary_and_the_draft(stream):
    def reply(body: dict) -> Reply:
        if body["response_format"]["json_schema"]["name"] == "stream_summary":
            return Reply(content={"title": "Building a pallet coop", "description": "Walls, then the roof."})
        first = int(body["messages"][-1]["content"].split("Transcript:\n[", 1)[1].split("]", 1)[0])
        moment = {"timestamp_start": 0, "timestamp_end": 9999, "description": "d", "reasoning": "r", "segments": [2]}
        return Reply(
            content={
                "title": f"Part from segment {first}",
                "keywords": ["coop"],
                "summary_main_discussion": "Coop talk.",
                "summary_context": "Coop so far.",
                "highlights": [moment],
                "attentions": [],
                "transcription_errors": [],
            }
        )

    run = create_process_run(stream, owner=stream.owner, steps=("summarise",))
    with ChatServer() as server:
        server.replies = reply
        with override_settings(SUMMARY_ENGINE="openai", OPENAI_BASE_URL=server.url, SUMMARY_MODEL="llama3"):
            run = run_here(run)

    assert run.status == "completed", run.error
    first, second = (ClipSummary.objects.get(clip=clip) for clip in clips(stream))
    assert (second.engine, second.model_name) == ("openai", "llama3")
    # the model's times are held inside the cited segment, on the stream timeline (clip 2 starts at 60 s)
    assert (second.highlights[0]["timestamp_start"], second.highlights[0]["timestamp_end"]) == (81.0, 88.0)
    assert [a["description"] for a in second.attentions] == ["An e-mail address: coop.fan@example.org"]
    assert "Context from before: Coop so far." in server.user_prompts()[1]
    assert StreamSummary.objects.get(stream=stream).title == "Building a pallet coop"
