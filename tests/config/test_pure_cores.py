"""Pure cores import and run without Django (a fresh interpreter with no settings)."""

import subprocess
import sys

import pytest

PURE_MODULES = [
    "episodes.cutlist",
    "streams.probe",
    "streams.recording_time",
    "streams.timefmt",
    "pipeline.ffmpeg",
    "chat.eventsub",
    "chat.activity",
    "chat.twitchdownloader",
    "chat.helix",
    "chat.storable",
    "rendering.publishing.youtube",
    "rendering.publishing.youtube_description",
    "rendering.publishing.archive",
    "rendering.publishing.sealed",
    "rendering.publishing.tiktok",
    "rendering.publishing.ratelimit",
    "pipeline.ranges",
    "widgets.state.countdown",
    "widgets.state.text_overlay",
    "widgets.state.poll",
    "streams.analysis.silence",
    "streams.analysis.levels",
    "streams.analysis.waveform",
    "streams.analysis.decode",
    "streams.analysis.mp4",
    "streams.analysis.thumbnails",
    "transcription.ranges",
    "transcription.sentences",
    "transcription.subtitles",
    "transcription.wer",
    "transcription.engines",
    "transcription.quality",
    "rendering.argv",
    "rendering.smartcut",
    "rendering.remux",
    "rendering.render",
    "rendering.graphfile",
    "rendering.chapters",
    "rendering.subtitles",
    "rendering.vertical",
    "streams.chunks",
    "rendering.otio",
    "episodes.timeline",
    "episodes.review_core",
]


@pytest.mark.parametrize("module", PURE_MODULES)
def test_module_imports_without_django(module):
    code = f"import sys, {module}; assert 'django' not in sys.modules, 'django was imported'"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
