"""Choosing copy / smart cut / re-encode, over literal keyframe lists."""

from episodes.cutlist import validate_cut_list
from rendering.smartcut import COPY, REENCODE, SMARTCUT, Piece, VideoFormat, plan_render, section_pieces

H264 = VideoFormat("h264", 320, 180, "yuv420p", 30.0, 120)
KEYS = [0, 15, 30, 45, 60, 75, 90, 105]


def cut_list(sections, **extra):
    return validate_cut_list(
        {
            "version": "1.0.0",
            "frameRate": 30,
            "inputMedia": [
                {"s3Location": "a.mp4", "sections": [{"startFrame": s, "endFrame": e} for s, e in sections]}
            ],
            "outputTrack": [{"mediaIndex": 0, "sectionIndex": i} for i in range(len(sections))],
            **extra,
        }
    )


def test_sections_on_keyframes_are_copied():
    plan = plan_render(cut_list([(15, 45), (90, 120)]), [KEYS], formats=[H264])
    assert plan.mode == COPY
    assert plan.pieces == (Piece(COPY, 0, 15, 45), Piece(COPY, 0, 90, 120))


def test_partial_gops_at_both_ends_are_encoded_and_the_rest_copied():
    plan = plan_render(cut_list([(20, 50), (7, 14)]), [KEYS], formats=[H264])
    assert plan.mode == SMARTCUT
    assert plan.pieces == (
        Piece("encode", 0, 20, 30),
        Piece(COPY, 0, 30, 45),
        Piece("encode", 0, 45, 50),
        Piece("encode", 0, 7, 14),  # inside one GOP: encoded whole
    )
    assert plan.encoded_frames == 22


def test_end_of_file_closes_the_last_gop():
    assert section_pieces(0, 100, 120, KEYS, 120) == [Piece("encode", 0, 100, 105), Piece(COPY, 0, 105, 120)]


def test_picture_effects_force_a_full_encode_but_audio_mixing_does_not():
    fade = cut_list([(15, 45)])
    fade = validate_cut_list(
        {
            "version": "1.0.0",
            "frameRate": 30,
            "inputMedia": [{"s3Location": "a.mp4", "sections": [{"startFrame": 15, "endFrame": 45}]}],
            "outputTrack": [{"mediaIndex": 0, "sectionIndex": 0, "transitionOut": {"type": "fade", "duration": 5}}],
        }
    )
    plan = plan_render(fade, [KEYS], formats=[H264])
    assert plan.mode == REENCODE and "/outputTrack/0/transitionOut" in plan.reasons[0]
    mixed = cut_list(
        [(15, 45)], audioMixing=[{"sourceChannel": 0, "outputChannel": 1, "keyframes": [{"frame": 0, "volume": 0.5}]}]
    )
    assert plan_render(mixed, [KEYS], formats=[H264]).mode == COPY
    cut = cut_list([(15, 45)], overlayTracks=[{"startFrame": 0, "mediaIndex": 0, "sectionIndex": 0, "type": "alpha"}])
    assert plan_render(cut, [KEYS], formats=[H264]).mode == REENCODE


def test_incompatible_sources_rate_or_size_force_a_full_encode():
    two = validate_cut_list(
        {
            "version": "1.0.0",
            "frameRate": 30,
            "inputMedia": [
                {"s3Location": "a.mp4", "sections": [{"startFrame": 0, "endFrame": 30}]},
                {"s3Location": "b.mp4", "sections": [{"startFrame": 0, "endFrame": 30}]},
            ],
            "outputTrack": [{"mediaIndex": 0, "sectionIndex": 0}, {"mediaIndex": 1, "sectionIndex": 0}],
        }
    )
    other = VideoFormat("h264", 640, 360, "yuv420p", 30.0, 120)
    assert "differs from /inputMedia/0" in plan_render(two, [KEYS, KEYS], formats=[H264, other]).reasons[0]
    sixty = VideoFormat("h264", 320, 180, "yuv420p", 60.0, 240)
    assert "60 fps, the cut list is at 30" in plan_render(two, [KEYS, KEYS], formats=[sixty, sixty]).reasons[0]
    reasons = plan_render(two, [KEYS, KEYS], formats=[H264, H264], target_size=(2560, 1440)).reasons
    assert "the preset asks for 2560x1440" in reasons[0]
    vp9 = VideoFormat("vp9", 320, 180, "yuv420p", 30.0, 120)
    assert plan_render(two, [KEYS, KEYS], formats=[vp9, vp9]).mode == REENCODE


def test_smartcut_can_be_refused():
    plan = plan_render(cut_list([(20, 50)]), [KEYS], formats=[H264], allow_smartcut=False)
    assert plan.mode == REENCODE
