"""Rendering over audio-only recordings: their sound over a black frame of the output size."""

import subprocess

import av
import numpy as np
import pytest

from episodes.cutlist import CutListError, validate_cut_list
from episodes.models import Episode
from episodes.services import episode_build_cut_list
from pipeline.models import PipelineRun, RunStatus
from pipeline.services import run_create
from rendering.argv import get_preset
from rendering.render import AUDIO_ONLY_SIZE, render_cut_list
from rendering.services import episode_render
from rendering.smartcut import REENCODE
from streams.services import stream_ingest
from tests.rendering.render_media import audio_samples, gray_frames, nearest_source_frame, rms_db
from tests.transcription.conftest import SPEECH

SMALL = get_preset("draft", width=320, height=180)


@pytest.fixture(scope="module")
def mic(tmp_path_factory, ffmpeg):
    """Two seconds of a 440 Hz sine at -6 dBFS peak, WAV, no video."""
    path = tmp_path_factory.mktemp("mic") / "mic.wav"
    subprocess.run(
        [ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=2"]
        + ["-af", "volume=4", str(path)],
        check=True,
    )
    return path


def cut_list(*sections, mic_end=45, overlays=()):
    return validate_cut_list(
        {
            "version": "1.0.0",
            "frameRate": 30,
            "inputMedia": [
                {"s3Location": "rec/video.mp4", "sections": [{"startFrame": 0, "endFrame": 30}]},
                {"s3Location": "rec/mic.wav", "sections": [{"startFrame": 15, "endFrame": mic_end}]},
            ],
            "outputTrack": [{"mediaIndex": media, "sectionIndex": 0} for media in sections],
            "overlayTracks": [
                {"startFrame": 0, "mediaIndex": media, "sectionIndex": 0, "type": "alpha"} for media in overlays
            ],
        }
    )


def test_a_video_section_then_an_audio_only_section_over_black(make_recording, mic, tmp_path):
    video = make_recording("beside_mic.mp4", seconds=2)
    out = tmp_path / "mixed.mp4"

    result = render_cut_list(cut_list(0, 1), [video, mic], out, preset=SMALL)

    assert result.mode == REENCODE and "rec/mic.wav has no video: a black frame" in result.reasons
    frames = gray_frames(out)
    assert len(frames) == 60
    source = gray_frames(video)
    assert [nearest_source_frame(frame, source) for frame in frames[:30]] == list(range(30))
    assert all(frame.shape == (180, 320) and frame.max() <= 20 for frame in frames[30:])
    samples, rate = audio_samples(out)
    assert rms_db(samples[:, int(1.1 * rate) : int(1.9 * rate)]) > -15  # the mic's sine, not silence


def test_only_audio_with_a_source_size_preset_renders_at_the_default_size(mic, tmp_path):
    out = tmp_path / "mic.mp4"

    render_cut_list(cut_list(1), [mic, mic], out, preset=get_preset("source", speed="ultrafast"))

    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == AUDIO_ONLY_SIZE
        assert stream.frames == 30


def test_copy_a_section_past_the_audio_end_and_an_audio_overlay_are_refused(make_recording, mic, tmp_path):
    video = make_recording("beside_mic.mp4", seconds=2)
    with pytest.raises(CutListError, match="cannot copy: rec/mic.wav has no video"):
        render_cut_list(cut_list(1), [video, mic], tmp_path / "copy.mp4", preset=SMALL, mode="copy")
    with pytest.raises(CutListError, match=r"/inputMedia/1/sections/0/endFrame: 90 is past the end .*\(60 frames"):
        render_cut_list(cut_list(1, mic_end=90), [video, mic], tmp_path / "long.mp4", preset=SMALL)
    with pytest.raises(CutListError, match=r"/overlays/0/mediaIndex: rec/mic.wav has no video to overlay"):
        render_cut_list(cut_list(0, overlays=[1]), [video, mic], tmp_path / "overlay.mp4", preset=SMALL)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.django_db
def test_an_episode_over_an_ingested_audio_only_recording_renders(user, settings):
    settings.RENDER_SOFT_SUBTITLES = False
    stream = stream_ingest(owner=user, paths=[SPEECH], title="Mic only", process=False).stream
    episode = Episode.objects.create(owner=user, stream=stream, title="Talk", tracks=[{"start": 1, "end": 4}])
    episode_build_cut_list(episode=episode)
    run = run_create(owner=user, kind=PipelineRun.Kind.RENDER, episode=episode, steps=[{"name": "render"}])

    episode_render(run_id=run.id, preset="draft")

    run.refresh_from_db()
    assert run.status == RunStatus.COMPLETED, run.error
    episode.refresh_from_db()
    with av.open(episode.rendered_file.path) as container:
        video = container.streams.video[0]
        assert (video.codec_context.width, video.codec_context.height) == (1280, 720)
        assert float(container.duration / av.time_base) == pytest.approx(3.0, abs=0.1)
    samples, rate = audio_samples(episode.rendered_file.path)
    assert rms_db(samples) > -40  # the sample's speech, not silence
    assert np.abs(gray_frames(episode.rendered_file.path)[-1]).max() <= 20
