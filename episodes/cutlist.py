"""Cut list 1.0.0 (shared/CONTRACTS.md section 1): validation into plain dataclasses. No Django.

Every problem is reported with a JSON-pointer path, all at once, so an editor can fix a document in
one pass. Frame numbers are at ``frameRate`` (60 when absent); ``endFrame`` is exclusive. An input may
choose its audio stream with ``audioTrack`` (index among the file's audio streams, 0 when absent).

Sizes are capped (``CutListLimits``): every output item and overlay is one ffmpeg input, so an
unbounded document would only fail later, at render time, with ``Argument list too long``. Whose media
a document may name is the caller's question (``unowned_media_problems`` takes the allowed keys).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

VERSION = "1.0.0"
DEFAULT_FRAME_RATE = 60.0
TRANSITION_TYPES = ("fade", "cut")
OVERLAY_TYPES = ("alpha", "colorkey")
OVERLAY_SCALES = ("fit", "none")


MAX_KEY_LENGTH = 1024
# ``http:``, ``file:``, ``concat:``, ``subfile,,start,...:`` ...: anything ffmpeg could read as a protocol.
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.,_-]*:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class CutListLimits:
    """Caps on a document's size. Sections count over all inputs; keyframes per audio mix, because each
    keyframe nests one ``if()`` deeper in the mix's ffmpeg volume expression, which fails past ~96."""

    max_bytes: int = 1_000_000
    max_inputs: int = 100
    max_sections: int = 2_000
    max_output_items: int = 200
    max_overlays: int = 20
    max_audio_mixes: int = 16
    max_keyframes: int = 64


DEFAULT_LIMITS = CutListLimits()


class CutListError(ValueError):
    """A cut list that cannot be rendered; ``problems`` lists each as ``"/json/pointer: message"``."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid cut list: " + "; ".join(problems))


@dataclass(frozen=True)
class Section:
    start_frame: int
    end_frame: int

    @property
    def frames(self) -> int:
        return self.end_frame - self.start_frame


@dataclass(frozen=True)
class InputMedia:
    location: str
    sections: tuple[Section, ...]
    audio_track: int = 0


@dataclass(frozen=True)
class Transition:
    type: str
    duration: int


@dataclass(frozen=True)
class OutputItem:
    media_index: int
    section_index: int
    transition_in: Transition | None = None
    transition_out: Transition | None = None


@dataclass(frozen=True)
class Overlay:
    start_frame: int
    media_index: int
    section_index: int
    type: str
    x: float = 0.0
    y: float = 0.0
    # Size on the output: "fit" scales it to fit the output frame (aspect kept), "none" keeps its own size;
    # width and/or height (output pixels) set it explicitly (one alone keeps the aspect).
    scale: str = "fit"
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class VolumeKeyframe:
    frame: int
    volume: float


@dataclass(frozen=True)
class AudioMix:
    source_channel: int
    output_channel: int
    keyframes: tuple[VolumeKeyframe, ...]


@dataclass(frozen=True)
class CutList:
    inputs: tuple[InputMedia, ...]
    output: tuple[OutputItem, ...]
    overlays: tuple[Overlay, ...] = ()
    audio_mixing: tuple[AudioMix, ...] = ()
    frame_rate: float = DEFAULT_FRAME_RATE
    version: str = VERSION

    def section(self, media_index: int, section_index: int) -> Section:
        return self.inputs[media_index].sections[section_index]

    @property
    def output_frames(self) -> int:
        return sum(self.section(item.media_index, item.section_index).frames for item in self.output)


@dataclass
class _Checker:
    limits: CutListLimits = DEFAULT_LIMITS
    problems: list[str] = field(default_factory=list)

    def fail(self, path: str, message: str) -> None:
        self.problems.append(f"{path or '/'}: {message}")

    def obj(self, value: Any, path: str, required: set[str], optional: set[str] = frozenset()) -> bool:
        if not isinstance(value, dict):
            self.fail(path, "must be an object")
            return False
        for key in sorted(set(value) - required - optional):
            self.fail(f"{path}/{_escape(key)}", "unknown key")
        missing = sorted(required - set(value))
        for key in missing:
            self.fail(f"{path}/{key}", "is required")
        return not missing

    def integer(self, value: Any, path: str, minimum: int | None = None) -> bool:
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail(path, "must be an integer")
            return False
        if minimum is not None and value < minimum:
            self.fail(path, f"must be >= {minimum} (got {value})")
            return False
        return True

    def number(self, value: Any, path: str, minimum: float | None = None, maximum: float | None = None) -> bool:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            self.fail(path, "must be a number")
            return False
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            self.fail(path, f"must be between {minimum} and {maximum} (got {value})")
            return False
        return True

    def array(self, value: Any, path: str, min_items: int = 0, max_items: int | None = None) -> bool:
        if not isinstance(value, list):
            self.fail(path, "must be an array")
            return False
        if len(value) < min_items:
            self.fail(path, f"needs at least {min_items} item(s)")
            return False
        if max_items is not None and len(value) > max_items:
            self.fail(path, f"has {len(value)} items; at most {max_items} are allowed")
            return False
        return True


def _escape(key: str) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


def storage_key_problem(location: Any) -> str | None:
    """Why a storage key is unsafe, or None. Keys are relative POSIX paths without ``..``.

    No URL or protocol (``https:``, ``concat:``, ``pipe:``), no leading ``-`` (an ffmpeg option), no
    backslash or control character: a key names a stored file and nothing else.
    """
    if not isinstance(location, str) or not location.strip():
        return "must be a non-empty storage key"
    if len(location) > MAX_KEY_LENGTH:
        return f"must be at most {MAX_KEY_LENGTH} characters (got {len(location)})"
    if _CONTROL.search(location):
        return "must not contain control characters (newline, NUL, ...)"
    if location.startswith(("/", "\\")) or (len(location) > 1 and location[1] == ":"):
        return f"must be a relative storage key, not an absolute path ({location!r})"
    if _SCHEME.match(location):
        return f"must be a storage key, not a URL or protocol ({location!r})"
    if "\\" in location:
        return f"must use '/' between folders, not a backslash ({location!r})"
    if location.startswith("-"):
        return f"must not start with '-' ({location!r})"
    if ".." in PurePosixPath(location).parts:
        return f"must not contain '..' ({location!r})"
    return None


def document_size(document: Any) -> int | None:
    """Bytes of the document as compact UTF-8 JSON; None when it is not JSON (or nested past recursion)."""
    try:
        return len(json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode())
    except (TypeError, ValueError, RecursionError):
        return None


def unowned_media_problems(cut_list: CutList, allowed: Callable[[str], bool]) -> list[str]:
    """One problem per input whose key ``allowed(key)`` refuses (someone else's file, or none at all)."""
    return [
        f"/inputMedia/{i}/s3Location: {media.location!r} is not one of your recordings, renders or series assets"
        for i, media in enumerate(cut_list.inputs)
        if not allowed(media.location)
    ]


def validate_cut_list(document: Any, *, limits: CutListLimits = DEFAULT_LIMITS) -> CutList:
    """Check ``document`` against the 1.0.0 schema and return it as dataclasses, or raise CutListError."""
    check = _Checker(limits)
    size = document_size(document)
    if size is None:
        raise CutListError(["/: must be a JSON document"])
    if size > limits.max_bytes:
        raise CutListError([f"/: is {size} bytes; at most {limits.max_bytes} are allowed"])
    if not check.obj(
        document,
        "",
        required={"version", "inputMedia", "outputTrack"},
        optional={"frameRate", "overlayTracks", "audioMixing"},
    ):
        raise CutListError(check.problems)

    if document["version"] != VERSION:
        check.fail("/version", f'must be "{VERSION}" (got {document["version"]!r})')
    frame_rate = document.get("frameRate", DEFAULT_FRAME_RATE)
    if "frameRate" in document and check.number(frame_rate, "/frameRate", 1, 1000) is False:
        frame_rate = DEFAULT_FRAME_RATE

    inputs = _inputs(check, document["inputMedia"])
    output = _output_track(check, document["outputTrack"], inputs)
    overlays = _overlays(check, document.get("overlayTracks", []), inputs)
    mixing = _audio_mixing(check, document.get("audioMixing", []))
    if check.problems:
        raise CutListError(check.problems)
    return CutList(
        inputs=tuple(inputs),
        output=tuple(output),
        overlays=tuple(overlays),
        audio_mixing=tuple(mixing),
        frame_rate=float(frame_rate),
    )


def _inputs(check: _Checker, value: Any) -> list[InputMedia | None]:
    if not check.array(value, "/inputMedia", min_items=1, max_items=check.limits.max_inputs):
        return []
    inputs: list[InputMedia | None] = []
    sections_left = check.limits.max_sections
    for i, media in enumerate(value):
        path = f"/inputMedia/{i}"
        if not check.obj(media, path, required={"s3Location", "sections"}, optional={"audioTrack"}):
            inputs.append(None)
            continue
        audio_track = media.get("audioTrack", 0)
        if "audioTrack" in media and not check.integer(audio_track, f"{path}/audioTrack", 0):
            audio_track = 0
        problem = storage_key_problem(media["s3Location"])
        if problem:
            check.fail(f"{path}/s3Location", problem)
        sections = []
        if check.array(media["sections"], f"{path}/sections", min_items=1):
            if len(media["sections"]) > sections_left:
                check.fail(f"{path}/sections", f"brings the cut list past {check.limits.max_sections} sections in all")
                inputs.append(None)
                continue
            sections_left -= len(media["sections"])
            for j, section in enumerate(media["sections"]):
                spath = f"{path}/sections/{j}"
                if not check.obj(section, spath, required={"startFrame", "endFrame"}):
                    continue
                start_ok = check.integer(section["startFrame"], f"{spath}/startFrame", 0)
                end_ok = check.integer(section["endFrame"], f"{spath}/endFrame", 1)
                if start_ok and end_ok:
                    if section["endFrame"] <= section["startFrame"]:
                        check.fail(f"{spath}/endFrame", "must be greater than startFrame")
                    else:
                        sections.append(Section(section["startFrame"], section["endFrame"]))
        inputs.append(InputMedia(str(media["s3Location"]), tuple(sections), audio_track))
    return inputs


def _reference(check: _Checker, item: dict, path: str, inputs: list[InputMedia | None]) -> bool:
    media_ok = check.integer(item["mediaIndex"], f"{path}/mediaIndex", 0)
    section_ok = check.integer(item["sectionIndex"], f"{path}/sectionIndex", 0)
    if not (media_ok and section_ok):
        return False
    if item["mediaIndex"] >= len(inputs):
        check.fail(f"{path}/mediaIndex", f"out of range: {item['mediaIndex']} (inputMedia has {len(inputs)})")
        return False
    media = inputs[item["mediaIndex"]]
    if media is None:
        return False
    if item["sectionIndex"] >= len(media.sections):
        check.fail(
            f"{path}/sectionIndex",
            f"out of range: {item['sectionIndex']} (inputMedia/{item['mediaIndex']} has {len(media.sections)})",
        )
        return False
    return True


def _transition(check: _Checker, value: Any, path: str) -> Transition | None:
    if not check.obj(value, path, required={"type", "duration"}):
        return None
    if value["type"] not in TRANSITION_TYPES:
        check.fail(f"{path}/type", f"must be one of {', '.join(TRANSITION_TYPES)} (got {value['type']!r})")
        return None
    if not check.integer(value["duration"], f"{path}/duration", 0):
        return None
    return Transition(value["type"], value["duration"])


def _output_track(check: _Checker, value: Any, inputs: list[InputMedia | None]) -> list[OutputItem]:
    if not check.array(value, "/outputTrack", min_items=1, max_items=check.limits.max_output_items):
        return []
    items = []
    for i, item in enumerate(value):
        path = f"/outputTrack/{i}"
        if not check.obj(
            item, path, required={"mediaIndex", "sectionIndex"}, optional={"transitionIn", "transitionOut"}
        ):
            continue
        if not _reference(check, item, path, inputs):
            continue
        t_in = _transition(check, item["transitionIn"], f"{path}/transitionIn") if "transitionIn" in item else None
        t_out = _transition(check, item["transitionOut"], f"{path}/transitionOut") if "transitionOut" in item else None
        section = inputs[item["mediaIndex"]].sections[item["sectionIndex"]]
        fade_frames = sum(t.duration for t in (t_in, t_out) if t and t.type == "fade")
        if fade_frames > section.frames:
            check.fail(path, f"fades last {fade_frames} frames but the section has only {section.frames}")
        items.append(OutputItem(item["mediaIndex"], item["sectionIndex"], t_in, t_out))
    return items


def _overlays(check: _Checker, value: Any, inputs: list[InputMedia | None]) -> list[Overlay]:
    if not check.array(value, "/overlayTracks", max_items=check.limits.max_overlays):
        return []
    overlays = []
    for i, item in enumerate(value):
        path = f"/overlayTracks/{i}"
        required = {"startFrame", "mediaIndex", "sectionIndex", "type"}
        if not check.obj(item, path, required=required, optional={"x", "y", "scale", "width", "height"}):
            continue
        ok = check.integer(item["startFrame"], f"{path}/startFrame", 0)
        ok = _reference(check, item, path, inputs) and ok
        if item["type"] not in OVERLAY_TYPES:
            check.fail(f"{path}/type", f"must be one of {', '.join(OVERLAY_TYPES)} (got {item['type']!r})")
            ok = False
        for axis in ("x", "y"):
            if axis in item:
                ok = check.number(item[axis], f"{path}/{axis}") and ok
        for side in ("width", "height"):
            if side in item:
                ok = check.integer(item[side], f"{path}/{side}", 1) and ok
        if item.get("scale", "fit") not in OVERLAY_SCALES:
            check.fail(f"{path}/scale", f"must be one of {', '.join(OVERLAY_SCALES)} (got {item['scale']!r})")
            ok = False
        elif "scale" in item and ("width" in item or "height" in item):
            check.fail(f"{path}/scale", "give either scale or width/height, not both")
            ok = False
        if ok:
            overlays.append(
                Overlay(
                    item["startFrame"],
                    item["mediaIndex"],
                    item["sectionIndex"],
                    item["type"],
                    float(item.get("x", 0)),
                    float(item.get("y", 0)),
                    item.get("scale", "fit"),
                    item.get("width"),
                    item.get("height"),
                )
            )
    return overlays


def _audio_mixing(check: _Checker, value: Any) -> list[AudioMix]:
    if not check.array(value, "/audioMixing", max_items=check.limits.max_audio_mixes):
        return []
    mixes = []
    for i, item in enumerate(value):
        path = f"/audioMixing/{i}"
        if not check.obj(item, path, required={"sourceChannel", "outputChannel", "keyframes"}):
            continue
        ok = check.integer(item["sourceChannel"], f"{path}/sourceChannel", 0)
        ok = check.integer(item["outputChannel"], f"{path}/outputChannel", 0) and ok
        keyframes = []
        if check.array(item["keyframes"], f"{path}/keyframes", min_items=1, max_items=check.limits.max_keyframes):
            for j, key in enumerate(item["keyframes"]):
                kpath = f"{path}/keyframes/{j}"
                if not check.obj(key, kpath, required={"frame", "volume"}):
                    ok = False
                    continue
                frame_ok = check.integer(key["frame"], f"{kpath}/frame", 0)
                volume_ok = check.number(key["volume"], f"{kpath}/volume", 0, 2)
                if frame_ok and volume_ok:
                    keyframes.append(VolumeKeyframe(key["frame"], float(key["volume"])))
                else:
                    ok = False
            frames = [k.frame for k in keyframes]
            if frames != sorted(frames):
                check.fail(f"{path}/keyframes", "frames must be in ascending order")
                ok = False
        else:
            ok = False
        if ok:
            mixes.append(AudioMix(item["sourceChannel"], item["outputChannel"], tuple(keyframes)))
    return mixes
