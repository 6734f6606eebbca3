"""Analysing real clips with ffmpeg: one decode gives silences, loudness, waveform and 16 kHz audio."""

import json
import os
import wave

import pytest
from django.core.files.storage import default_storage

from streams.analysis.models import ClipAnalysis
from streams.analysis.services import AnalysisError, clip_analyse
from tests.transcription.conftest import SPEECH, SPEECH_SPANS

pytestmark = pytest.mark.django_db


def test_speech_spans_of_the_sample_within_100_ms(speech_stream):
    clip = speech_stream.clips.get()

    analysis = clip_analyse(clip_id=clip.id)

    assert len(analysis.speech) == len(SPEECH_SPANS)
    for (start, end), (true_start, true_end) in zip(analysis.speech, SPEECH_SPANS, strict=True):
        assert abs(start - true_start) <= 0.1 and abs(end - true_end) <= 0.1
    assert analysis.threshold_db == -48.0
    assert analysis.duration == pytest.approx(clip.duration, abs=0.1)
    assert len(analysis.loudness) == 25
    assert max(analysis.loudness) > -30 and analysis.loudness[5] < -60  # speech is loud, the 3 s pauses are not


def test_outputs_are_stored_and_a_rerun_replaces_them(speech_stream):
    clip = speech_stream.clips.get()
    first = clip_analyse(clip_id=clip.id)
    names = (first.audio.name, first.waveform_image.name, first.waveform_peaks.name)

    second = clip_analyse(clip_id=clip.id, min_silence=2.5)

    assert ClipAnalysis.objects.filter(clip=clip).count() == 1
    assert (second.audio.name, second.waveform_image.name, second.waveform_peaks.name) == names
    with default_storage.open(second.audio.name) as handle, wave.open(handle) as wav:
        assert (wav.getframerate(), wav.getnchannels()) == (16000, 1)
        assert wav.getnframes() == pytest.approx(25 * 16000, rel=0.01)
    peaks = json.loads(default_storage.open(second.waveform_peaks.name).read())
    assert peaks["peaks_per_second"] == 10 and len(peaks["peaks"]) == pytest.approx(250, abs=2)
    assert default_storage.open(second.waveform_image.name).read(4) == b"\x89PNG"
    assert [thumb["time"] for thumb in second.thumbnails] == [0.0, 10.0, 20.0]
    assert all(default_storage.exists(thumb["name"]) for thumb in second.thumbnails)
    folder = names[0].rsplit("/", 1)[0]
    assert sorted(default_storage.listdir(folder)[1]) == ["audio-16k.wav", "peaks.json", "waveform.png"]
    assert all(end - start >= 2.5 for start, end in second.silences)


def test_the_chosen_audio_track_is_analysed(ingest, make_video):
    # track 0 is the mic (speech with pauses), track 1 the game (a tone that never stops)
    clip = ingest(make_video("two.mkv", seconds=25, audio_tracks=2, speech=SPEECH, size="64x36", rate=5)).clips.get()

    mic = clip_analyse(clip_id=clip.id, audio_track=0)
    assert len(mic.speech) == 4
    game = clip_analyse(clip_id=clip.id, audio_track=1)

    assert game.audio_track == 1 and game.silences == [] and game.speech == [[0.0, game.duration]]
    assert clip_analyse(clip_id=clip.id).audio_track == 1  # a re-run keeps the chosen track


def test_a_missing_track_is_refused_with_its_number(speech_stream):
    clip = speech_stream.clips.get()
    with pytest.raises(AnalysisError, match=r"talk.mp4: audio track 3 does not exist \(it has 1: 0-0\)"):
        clip_analyse(clip_id=clip.id, audio_track=3)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("cut.mp4", "audio track 0 cannot be decoded: .*moov atom not found"),
        ("cut.mkv", r"audio track 0 stops at 1\d\.\d+ s of 25\.\d+ s \(truncated or corrupt\)"),
    ],
)
def test_truncated_recording_fails_with_a_clear_message(ingest, make_video, tmp_path, name, expected):
    source = make_video(name, seconds=25, speech=SPEECH, size="64x36", rate=5)
    clip = ingest(source).clips.get()
    stored = default_storage.path(clip.file.name)
    copy = tmp_path / name  # ingest may hard-link the session's media: cut a private copy
    copy.write_bytes(open(stored, "rb").read()[: os.path.getsize(stored) // 2])
    os.replace(copy, stored)

    with pytest.raises(AnalysisError, match=f"(?s){name}: {expected}"):
        clip_analyse(clip_id=clip.id)
    assert not ClipAnalysis.objects.filter(clip=clip).exists()


def test_admin_shows_the_waveform_keyframes_and_speech(admin_client, speech_stream):
    analysis = clip_analyse(clip_id=speech_stream.clips.get().id)

    page = admin_client.get(f"/admin/streams/clipanalysis/{analysis.id}/change/").content.decode()

    assert analysis.waveform_image.url in page
    assert default_storage.url(analysis.thumbnails[1]["name"]) in page and "00:00:10.000" in page
    assert "00:00:01.001-00:00:03.586" in page
