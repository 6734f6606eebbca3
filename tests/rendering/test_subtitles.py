"""Subtitles on the episode timeline: shifted and cut by the edit, SRT/WebVTT, muxed soft or burned in."""

import av

from episodes.cutlist import validate_cut_list
from pipeline.ffmpeg import run_ffmpeg
from rendering.argv import get_preset
from rendering.subtitles import Cue, burn_in_args, cue_tuples, mux_extras_args, timeline_cues
from tests.rendering.render_media import rgb_frames
from transcription.subtitles import srt, webvtt


def to_srt(cues):
    return srt(cue_tuples(cues))


def edit():
    # a.mp4 [10 s, 20 s) then b.mp4 [0 s, 5 s).
    return validate_cut_list(
        {
            "version": "1.0.0",
            "frameRate": 10,
            "inputMedia": [
                {"s3Location": "a.mp4", "sections": [{"startFrame": 100, "endFrame": 200}]},
                {"s3Location": "b.mp4", "sections": [{"startFrame": 0, "endFrame": 50}]},
            ],
            "outputTrack": [{"mediaIndex": 0, "sectionIndex": 0}, {"mediaIndex": 1, "sectionIndex": 0}],
        }
    )


TRANSCRIPTS = {
    "a.mp4": [
        {"start": 2, "end": 5, "text": "cut away entirely"},
        {
            "start": 8,
            "end": 12,
            "text": "half cut at the start",
            "words": [
                {"start": 8, "end": 9, "word": " half"},
                {"start": 9.2, "end": 9.8, "word": " cut"},
                {"start": 10.2, "end": 11, "word": " kept"},
                {"start": 11.1, "end": 12, "word": " words"},
            ],
        },
        {"start": 14, "end": 16, "text": " in the middle "},
    ],
    "b.mp4": [{"start": 4, "end": 7, "text": "runs past the end"}],
}


def test_cues_are_shifted_and_cut_by_the_edit():
    cues = timeline_cues(edit(), TRANSCRIPTS)
    assert [(c.start, c.end, c.text) for c in cues] == [
        (0.0, 2.0, "kept words"),
        (4.0, 6.0, "in the middle"),
        (14.0, 15.0, "runs past the end"),
    ]
    assert [(round(a, 6), round(b, 6), w) for a, b, w in cues[0].words] == [(0.2, 1.0, "kept"), (1.1, 2.0, "words")]


def test_episode_cues_go_through_the_one_writer():
    cues = [Cue(0, 2.5, "Hello"), Cue(3723.004, 3724, "Later --> now")]
    assert to_srt(cues) == "1\n00:00:00,000 --> 00:00:02,500\nHello\n\n2\n01:02:03,004 --> 01:02:04,000\nLater -> now\n"
    assert webvtt(cue_tuples(cues)).startswith("WEBVTT\n\n00:00:00.000 --> 00:00:02.500\nHello\n\n01:02:03.004")


def test_soft_subtitles_muxed_as_mov_text_read_back(make_recording, tmp_path):
    video = make_recording("subbed.mp4", seconds=3)
    srt = tmp_path / "episode.srt"
    srt.write_text(to_srt([Cue(0.5, 1.5, "First line"), Cue(2.0, 2.8, "Second line")]))
    out = tmp_path / "soft.mp4"
    run_ffmpeg(mux_extras_args(str(video), str(out), subtitles=str(srt), language="eng"))
    with av.open(str(out)) as container:
        stream = container.streams.subtitles[0]
        assert stream.codec_context.name == "mov_text"
        assert stream.language == "eng"
        cues = [
            (float(packet.pts * packet.time_base), subtitle.dialogue.decode())
            for packet in container.demux(stream)
            for subtitle in packet.decode()
        ]
        assert cues == [(0.5, "First line"), (2.0, "Second line")]
        assert container.streams.video[0].frames == 90


def test_burned_in_subtitles_change_only_the_frames_they_cover(make_recording, tmp_path):
    video = make_recording("burn.mp4", seconds=2)
    srt = tmp_path / "burn.srt"
    srt.write_text(to_srt([Cue(1.0, 2.0, "BURNED IN TEXT")]))
    out = tmp_path / "burned.mp4"
    run_ffmpeg(burn_in_args(str(video), str(srt), str(out), video_args=get_preset("draft").video_args()))
    before, after = rgb_frames(video), rgb_frames(out)
    bottom = slice(130, 175)
    early = abs(after[10][bottom].astype(int) - before[10][bottom].astype(int)).mean()
    late = abs(after[45][bottom].astype(int) - before[45][bottom].astype(int)).mean()
    assert early < 4 < late
