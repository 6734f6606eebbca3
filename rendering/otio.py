"""An episode's cut list as OpenTimelineIO (``.otio``) for DaVinci Resolve and other editors (no Django).

Track V1/A1 hold the output sections in order; each overlay gets its own video track above, placed at
its output frame by a gap. Fades are kept as clip metadata (OTIO has no fade-from-black primitive) so a
round trip loses nothing; media references point at the files' URLs.
"""

from __future__ import annotations

from collections.abc import Mapping

import opentimelineio as otio

from episodes.cutlist import CutList

METADATA_KEY = "stream_studio"


def _range(start: int, frames: int, rate: float) -> otio.opentime.TimeRange:
    return otio.opentime.TimeRange(otio.opentime.RationalTime(start, rate), otio.opentime.RationalTime(frames, rate))


def _clip(
    cut_list: CutList,
    media_index: int,
    section_index: int,
    urls: Mapping[str, str],
    name: str,
    metadata: dict | None = None,
) -> otio.schema.Clip:
    media = cut_list.inputs[media_index]
    section = media.sections[section_index]
    reference = otio.schema.ExternalReference(target_url=urls.get(media.location, media.location))
    clip = otio.schema.Clip(
        name=name,
        media_reference=reference,
        source_range=_range(section.start_frame, section.frames, cut_list.frame_rate),
    )
    clip.metadata[METADATA_KEY] = {
        "s3Location": media.location,
        "mediaIndex": media_index,
        "sectionIndex": section_index,
        **(metadata or {}),
    }
    return clip


def cut_list_to_otio(cut_list: CutList, *, name: str, urls: Mapping[str, str] | None = None) -> otio.schema.Timeline:
    urls = urls or {}
    rate = cut_list.frame_rate
    timeline = otio.schema.Timeline(name=name)
    timeline.global_start_time = otio.opentime.RationalTime(0, rate)
    video = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    audio = otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio)
    for k, item in enumerate(cut_list.output):
        transitions = {
            key: {"type": t.type, "duration": t.duration}
            for key, t in (("transitionIn", item.transition_in), ("transitionOut", item.transition_out))
            if t
        }
        label = f"{k + 1:02d} {cut_list.inputs[item.media_index].location}"
        video.append(_clip(cut_list, item.media_index, item.section_index, urls, label, transitions))
        audio.append(
            _clip(
                cut_list,
                item.media_index,
                item.section_index,
                urls,
                label,
                {"audioTrack": cut_list.inputs[item.media_index].audio_track},
            )
        )
    timeline.tracks.append(video)
    for j, overlay in enumerate(cut_list.overlays):
        track = otio.schema.Track(name=f"V{j + 2} overlay", kind=otio.schema.TrackKind.Video)
        if overlay.start_frame:
            track.append(otio.schema.Gap(source_range=_range(0, overlay.start_frame, rate)))
        track.append(
            _clip(
                cut_list,
                overlay.media_index,
                overlay.section_index,
                urls,
                f"overlay {j + 1}",
                {
                    "type": overlay.type,
                    "x": overlay.x,
                    "y": overlay.y,
                    "scale": overlay.scale,
                    "width": overlay.width,
                    "height": overlay.height,
                },
            )
        )
        timeline.tracks.append(track)
    timeline.tracks.append(audio)
    if cut_list.audio_mixing:
        timeline.metadata[METADATA_KEY] = {
            "audioMixing": [
                {
                    "sourceChannel": m.source_channel,
                    "outputChannel": m.output_channel,
                    "keyframes": [{"frame": key.frame, "volume": key.volume} for key in m.keyframes],
                }
                for m in cut_list.audio_mixing
            ]
        }
    return timeline


def cut_list_to_otio_json(cut_list: CutList, *, name: str, urls: Mapping[str, str] | None = None) -> str:
    return otio.adapters.write_to_string(cut_list_to_otio(cut_list, name=name, urls=urls), "otio_json")
