"""Audio-only recordings (a separate mic track, a podcast): probed, ingested, analysed and transcribed."""

import subprocess

import pytest
from django.core.management import call_command

from pipeline.models import RunStatus
from pipeline.workflows import create_process_run, run_here
from streams.analysis.models import ClipAnalysis
from streams.models import VideoClip
from streams.probe import probe_media
from tests.transcription.conftest import SPEECH, SPEECH_SPANS, SPEECH_TEXT
from transcription.models import Transcript
from transcription.wer import word_error_rate


@pytest.fixture(scope="module")
def audio_files(tmp_path_factory, ffmpeg):
    """Three seconds of sine as WAV, FLAC, M4A and Ogg, plus an MP3 and an M4A carrying cover art."""
    folder = tmp_path_factory.mktemp("audio-only")
    wav = folder / "mic.wav"
    cover = folder / "cover.png"
    run = ["-v", "error", "-y"]
    subprocess.run([ffmpeg, *run, "-f", "lavfi", "-i", "sine=duration=3:sample_rate=48000", str(wav)], check=True)
    subprocess.run([ffmpeg, *run, "-f", "lavfi", "-i", "color=red:s=64x64", "-frames:v", "1", str(cover)], check=True)
    files = [wav]
    for name in ("mic.flac", "mic.m4a", "mic.ogg"):
        subprocess.run([ffmpeg, *run, "-i", str(wav), str(folder / name)], check=True)
        files.append(folder / name)
    for name in ("podcast.mp3", "podcast.m4a"):
        subprocess.run(
            [ffmpeg, *run, "-i", str(wav), "-i", str(cover), "-map", "0:a", "-map", "1:v", "-c:v", "png"]
            + ["-disposition:v", "attached_pic", str(folder / name)],
            check=True,
        )
        files.append(folder / name)
    return files


def test_audio_only_files_probe_without_video_and_cover_art_is_not_video(audio_files):
    for path in audio_files:
        info = probe_media(path)

        assert not info.has_video, path.name
        assert (info.video_codec, info.width, info.height, info.frame_rate) == ("", None, None, None)
        assert info.duration == pytest.approx(3.0, abs=0.05), path.name
        assert len(info.audio_tracks) == 1


@pytest.mark.django_db
def test_folder_ingest_picks_up_audio_files(user, api_client, audio_files, capsys):
    user.is_superuser = True
    user.save()

    call_command("ingest", str(audio_files[0].parent), "--stream", "Podcast", "--no-process")

    clips = list(VideoClip.objects.filter(stream__title="Podcast"))
    assert sorted(clip.original_name for clip in clips) == sorted(path.name for path in audio_files)
    assert not any(clip.has_video for clip in clips)
    assert {(clip.width, clip.height, clip.frame_rate) for clip in clips} == {(None, None, None)}
    out = capsys.readouterr().out
    assert out.count("no video  audio: ") == len(audio_files) and "not ingested" not in out
    listed = api_client.get("/api/clips/").json()["results"]
    assert {(clip["has_video"], clip["video_codec"], clip["width"]) for clip in listed} == {(False, "", None)}


@pytest.mark.django_db
def test_an_audio_only_recording_is_analysed_without_keyframes_and_transcribed_by_the_pipeline(ingest):
    stream = ingest(SPEECH, title="Mic track")
    clip = stream.clips.get()
    assert clip.original_name == "speech.ogg" and not clip.has_video

    run = run_here(create_process_run(stream, owner=stream.owner))

    assert run.status == RunStatus.COMPLETED, run.error
    analysis, transcript = ClipAnalysis.objects.get(clip=clip), Transcript.objects.get(clip=clip)
    assert analysis.thumbnails == []
    assert len(analysis.speech) == len(SPEECH_SPANS)
    for (start, end), (expected_start, expected_end) in zip(analysis.speech, SPEECH_SPANS, strict=True):
        assert start == pytest.approx(expected_start, abs=0.1)
        assert end == pytest.approx(expected_end, abs=0.1)
    assert word_error_rate(SPEECH_TEXT, transcript.text) < 0.15
