"""Transcripts through the API and the admin: owner-scoped, subtitles per clip and per stream, re-run actions."""

import pytest
from django.urls import reverse

from pipeline.models import PipelineRun
from streams.analysis.models import ClipAnalysis
from streams.models import Stream, VideoClip
from transcription.models import Segment, Transcript

pytestmark = pytest.mark.django_db


@pytest.fixture
def transcribed(user):
    """Two clips back to back (the second starts at 90 s), each with a stored transcript."""
    stream = Stream.objects.create(owner=user, title="Cave build", duration=120)
    transcripts = []
    for order, (start, name, text) in enumerate([(0.0, "a.mkv", "Hello chat."), (90.0, "b.mkv", "Back again.")]):
        clip = VideoClip.objects.create(
            stream=stream,
            order=order,
            file=f"clips/{name}",
            original_name=name,
            start_time=start,
            duration=90 if order == 0 else 30,
            audio_tracks=[{"index": 1, "codec": "aac", "channels": 2}],
        )
        transcript = Transcript.objects.create(clip=clip, language="en", text=text, engine="faster-whisper")
        Segment.objects.create(
            transcript=transcript,
            index=0,
            start=1.5,
            end=3.25,
            text=text,
            avg_logprob=-0.2,
            compression_ratio=1.1,
            no_speech_prob=0.01,
            tokens=[1, 2],
            words=[{"start": 1.5, "end": 2.0, "word": " " + text.split()[0], "probability": 0.9}],
        )
        transcripts.append(transcript)
    return stream, transcripts


def test_api_lists_only_the_owners_transcripts_with_stream_times(api_client, other_client, transcribed):
    stream, (first, second) = transcribed

    body = api_client.get("/api/transcripts/", {"stream": stream.id}).json()

    assert [t["text"] for t in body["results"]] == ["Hello chat.", "Back again."]
    segment = body["results"][1]["segments"][0]
    assert (segment["start"], segment["stream_start"], segment["words"][0]["word"]) == (1.5, 91.5, " Back")
    assert other_client.get("/api/transcripts/").json()["count"] == 0
    assert other_client.get(f"/api/transcripts/{first.id}/").status_code == 404
    assert api_client.get("/api/transcripts/", {"stream": "x"}).status_code == 400


def test_subtitles_per_clip_and_per_stream(api_client, other_client, transcribed):
    stream, (first, second) = transcribed

    clip_srt = api_client.get(f"/api/transcripts/{second.id}/srt/")
    stream_vtt = api_client.get(f"/api/transcripts/stream/{stream.id}/vtt/")

    assert clip_srt["Content-Type"].startswith("application/x-subrip")
    assert clip_srt.content.decode() == "1\n00:00:01,500 --> 00:00:03,250\nBack again.\n"
    assert stream_vtt.content.decode() == (
        "WEBVTT\n\n00:00:01.500 --> 00:00:03.250\nHello chat.\n\n00:01:31.500 --> 00:01:33.250\nBack again.\n"
    )
    assert 'filename="stream-' in stream_vtt["Content-Disposition"]
    assert other_client.get(f"/api/transcripts/stream/{stream.id}/srt/").status_code == 404


def test_processing_is_started_through_the_api_and_bad_requests_get_400(api_client, other_client, transcribed):
    stream, _ = transcribed

    started = api_client.post("/api/processing/", {"stream": stream.id, "steps": ["transcribe"]}, format="json")

    assert started.status_code == 202
    run = PipelineRun.objects.get(id=started.json()["id"])
    assert (run.kind, run.status, [s["name"] for s in started.json()["steps"]]) == (
        "process",
        "queued",
        ["transcribe", "transcribe"],
    )
    assert other_client.post("/api/processing/", {"stream": stream.id}, format="json").status_code == 400
    bad_step = api_client.post("/api/processing/", {"stream": stream.id, "steps": ["paint"]}, format="json")
    assert bad_step.status_code == 400 and "steps" in bad_step.json()
    bad_track = api_client.post("/api/processing/", {"stream": stream.id, "audio_track": 2}, format="json")
    assert bad_track.status_code == 400 and "a.mkv: audio track 2 does not exist" in bad_track.json()["stream"][0]


def test_admin_transcript_view_shows_timestamps_and_downloads(admin_client, transcribed):
    stream, (first, second) = transcribed

    page = admin_client.get(reverse("admin:transcription_transcript_change", args=[second.id])).content.decode()
    srt = admin_client.get(reverse("admin:transcription_transcript_subtitles", args=[second.id, "srt"]))
    bad = admin_client.get(reverse("admin:transcription_transcript_subtitles", args=[second.id, "ass"]))

    assert "00:01:31.500" in page and "00:00:01.500" in page and "Back again." in page
    assert srt.content.decode().startswith("1\n00:00:01,500")
    assert bad.status_code == 404


def test_admin_action_queues_a_transcription_run(admin_client, transcribed):
    stream, transcripts = transcribed

    admin_client.post(
        reverse("admin:transcription_transcript_changelist"),
        {"action": "transcribe_again", "_selected_action": [t.id for t in transcripts]},
    )

    run = PipelineRun.objects.get(stream=stream)
    assert sorted(run.steps.values_list("name", "label")) == [("transcribe", "a.mkv"), ("transcribe", "b.mkv")]


def test_api_gives_the_owner_a_clips_analysis_with_its_pauses(api_client, other_client, transcribed):
    stream, transcripts = transcribed
    analysis = ClipAnalysis.objects.create(
        clip=transcripts[0].clip,
        threshold_db=-48.0,
        min_silence=1.0,
        duration=90.0,
        silences=[[10.0, 20.0]],
        speech=[[0.0, 10.0], [20.0, 90.0]],
        pauses=[[4.5, 4.9]],
    )

    found = api_client.get(f"/api/clip-analyses/{analysis.id}/").json()

    assert (found["stream"], found["speech"], found["pauses"]) == (stream.id, [[0.0, 10.0], [20.0, 90.0]], [[4.5, 4.9]])
    assert found["speech_seconds"] == 80.0
    assert other_client.get(f"/api/clip-analyses/{analysis.id}/").status_code == 404
    assert other_client.get("/api/clip-analyses/").json()["count"] == 0
