"""The review page on a 4-hour stream: time until the timeline and transcript are usable, and seek latency.

Issue 12 §3. Generates a 4-hour stream as rows (four one-hour recordings with analysis peaks at 10 per
second, speech and silences, about 3,600 transcript segments with word timings, about 20,000 chat messages,
40 proposed episodes and 120 highlights) over one short real recording (every clip plays the same small file,
so seeks stay inside its first minute), starts the ASGI server the way production does
(widgets/liveserver.py), opens the page in headless Chromium and reads:

- ``ready``: ``window.reviewReady`` (the page sets it once the waveform is drawn and the transcript listed),
  milliseconds after navigation start;
- seek latency: from a seek (``window.review.seek``) to the video's ``seeked`` event, within a recording and
  across recordings (a source switch).

    python benchmarks/review_page.py               # 4 h, 3 page loads, 20 seeks of each kind
    python benchmarks/review_page.py --hours 1 --loads 1

Runs against the project's database and Redis (embedded ones under var/ unless DATABASE_URL/REDIS_URL are
set) and removes its user, rows and files afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required"]
MEDIA_SECONDS = 60
# Where the time goes on a load: the page's HTML, then each API read (request start -> last byte), in ms.
PHASES_JS = """() => {
  const out = {html: performance.getEntriesByType("navigation")[0].responseEnd};
  for (const entry of performance.getEntriesByType("resource")) {
    const match = entry.name.match(/\\/api\\/review\\/streams\\/\\d+\\/(\\w+)\\//);
    if (match) out[match[1]] = [entry.startTime, entry.responseEnd];
  }
  return out;
}"""


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def make_media(folder: Path) -> Path:
    from pipeline.ffmpeg import ffmpeg_binary

    path = folder / "bench-clip.mp4"
    subprocess.run(
        [ffmpeg_binary(), "-v", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc2=size=640x360:rate=30:duration={MEDIA_SECONDS}",
         "-f", "lavfi", "-i", f"sine=frequency=440:duration={MEDIA_SECONDS}:sample_rate=48000",
         "-c:v", "libx264", "-preset", "ultrafast", "-g", "60", "-pix_fmt", "yuv420p", "-c:a", "aac",
         "-movflags", "+faststart", str(path)],
        check=True,
    )  # fmt: skip
    return path


def make_stream(user, media: Path, hours: float):
    """The generated stream's rows; returns it."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from chat.models import ChatMessage
    from episodes.models import Episode, Highlight
    from pipeline.media import save_output
    from streams.analysis.models import ClipAnalysis
    from streams.models import Stream, VideoClip
    from transcription.models import Segment, Transcript

    rng = random.Random(12)
    clip_seconds = 3600.0
    count = max(1, round(hours))
    duration = clip_seconds * count
    recorded_at = timezone.now() - timedelta(days=1)
    stream = Stream.objects.create(
        owner=user, title=f"Benchmark {hours:g} h", duration=duration, recorded_at=recorded_at
    )
    key = save_output(media, f"clips/bench-{stream.id}.mp4")
    words_total = 0
    for order in range(count):
        clip = VideoClip.objects.create(
            stream=stream, order=order, file=key, original_name=f"hour{order}.mp4", start_time=order * clip_seconds,
            duration=clip_seconds, frame_rate=30.0, video_codec="h264", width=640, height=360,
            audio_tracks=[{"index": 1, "codec": "aac"}],
        )  # fmt: skip
        peaks = [round(rng.random() ** 2, 3) for _ in range(int(clip_seconds * 10))]
        peaks_key = default_storage.save(
            f"analysis/stream-{stream.id}/clip-{clip.id}/peaks.json",
            ContentFile(json.dumps({"peaks_per_second": 10, "peaks": peaks}, separators=(",", ":")).encode()),
        )
        speech, silences, t = [], [], 0.0
        while t < clip_seconds:
            talk, pause = rng.uniform(20, 240), rng.uniform(2, 90)
            speech.append([round(t, 3), round(min(clip_seconds, t + talk), 3)])
            if t + talk < clip_seconds:
                silences.append([round(t + talk, 3), round(min(clip_seconds, t + talk + pause), 3)])
            t += talk + pause
        ClipAnalysis.objects.create(
            clip=clip, threshold_db=-48, min_silence=2, duration=clip_seconds, silences=silences, speech=speech,
            loudness=[-30.0] * int(clip_seconds), waveform_peaks=peaks_key,
        )  # fmt: skip
        transcript = Transcript.objects.create(clip=clip, language="en", text="")
        rows, start, index = [], 0.0, 0
        while start < clip_seconds - 5:
            n = rng.randint(6, 16)
            length = rng.uniform(2.5, 5.0)
            words = [
                {"start": round(start + i * length / n, 3), "end": round(start + (i + 1) * length / n, 3),
                 "word": f" word{rng.randint(1, 999)}", "probability": 0.9}
                for i in range(n)
            ]  # fmt: skip
            rows.append(Segment(transcript=transcript, index=index, start=round(start, 3),
                                end=round(start + length, 3), text="".join(w["word"] for w in words).strip(),
                                words=words))  # fmt: skip
            words_total += n
            index += 1
            start += length + rng.uniform(0.2, 1.5)
        Segment.objects.bulk_create(rows, batch_size=1000)
    messages = [
        ChatMessage(owner=user, stream=stream, twitch_message_id=f"bench-{stream.id}-{i}", broadcaster_user_id="1",
                    chatter_login=f"viewer{i % 300}", chatter_display_name=f"Viewer{i % 300}",
                    text=rng.choice(["PogChamp", "LUL", "nice", "clip it", "gg", "what a play"]),
                    sent_at=recorded_at + timedelta(seconds=rng.uniform(0, duration)), source="import")
        for i in range(int(duration * 1.4))
    ]  # fmt: skip
    ChatMessage.objects.bulk_create(messages, batch_size=2000)
    for order in range(int(hours * 10)):
        start = order * duration / (hours * 10) + 60
        Episode.objects.create(owner=user, stream=stream, order=order + 1, title=f"Proposal {order + 1}",
                               tracks=[{"start": round(start, 3), "end": round(start + 900, 3)}],
                               status=Episode.Status.PROPOSED)  # fmt: skip
    Highlight.objects.bulk_create(
        Highlight(stream=stream, start=t - 15, end=t + 15, peak=t, score=rng.uniform(0.5, 5), reason="generated")
        for t in sorted(rng.uniform(30, duration - 30) for _ in range(int(hours * 30)))
    )
    segments = Segment.objects.filter(transcript__clip__stream=stream).count()
    return stream, {"segments": segments, "words": words_total, "chat": len(messages)}


async def measure(url: str, session: str, stream, loads: int, seeks: int) -> dict:
    from playwright.async_api import async_playwright

    rng = random.Random(7)
    clips = list(range(max(1, round(stream.duration / 3600))))
    ready, sizes, phases = [], {}, []
    within, across = [], []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = await browser.new_context(viewport={"width": 1600, "height": 950})
        await context.add_cookies([{"name": "sessionid", "value": session, "url": url}])
        page = await context.new_page()

        async def record(response):
            if "/api/review/" in response.url and response.request.method == "GET":
                body = await response.body()
                sizes[response.url.rsplit("/", 2)[-2]] = len(body)

        page.on("response", record)
        for _ in range(loads):
            await page.goto(f"{url}/review/streams/{stream.id}/")
            await page.wait_for_function("window.reviewReady !== undefined", timeout=120_000)
            ready.append(await page.evaluate("window.reviewReady"))
            phases.append(await page.evaluate(PHASES_JS))
        await page.wait_for_function("document.querySelector('#player').readyState >= 1", timeout=60_000)

        async def seek_to(t: float) -> float:
            count = await page.evaluate("window.reviewSeeks.length")
            await page.evaluate(f"window.review.seek({t})")
            await page.wait_for_function(f"window.reviewSeeks.length > {count}", timeout=30_000)
            return await page.evaluate("window.reviewSeeks[window.reviewSeeks.length - 1]")

        current = 0
        for _ in range(seeks):
            within.append(await seek_to(current * 3600 + rng.uniform(1, MEDIA_SECONDS - 2)))
        for _ in range(seeks):
            current = rng.choice([c for c in clips if c != current] or clips)
            across.append(await seek_to(current * 3600 + rng.uniform(1, MEDIA_SECONDS - 2)))
        await browser.close()
    return {"ready": ready, "within": within, "across": across, "sizes": sizes, "phases": phases}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=4.0)
    parser.add_argument("--loads", type=int, default=3, help="page loads to time")
    parser.add_argument("--seeks", type=int, default=20, help="seeks of each kind (within and across recordings)")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.files.storage import default_storage
    from django.core.management import call_command
    from django.test import Client

    from streams.analysis.models import ClipAnalysis
    from widgets.liveserver import AsgiServer

    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user(f"bench-review-{uuid.uuid4().hex[:8]}")
    work = Path(tempfile.mkdtemp(prefix="review-bench-"))
    server = AsgiServer(kind="uvicorn", log_path=work / "uvicorn.log")
    keys: list[str] = []
    try:
        started = time.perf_counter()
        stream, made = make_stream(user, make_media(work), args.hours)
        keys = [stream.clips.first().file.name]
        keys += list(ClipAnalysis.objects.filter(clip__stream=stream).values_list("waveform_peaks", flat=True))
        took = time.perf_counter() - started
        print(f"generated a {args.hours:g} h stream in {took:.1f} s: {made['segments']} segments, "
              f"{made['words']} words, {made['chat']} chat messages")  # fmt: skip
        client = Client()
        client.force_login(user)
        server.start()
        result = asyncio.run(measure(server.url, client.cookies["sessionid"].value, stream, args.loads, args.seeks))
    finally:
        server.stop()
        user.delete()
        for key in keys:
            default_storage.delete(key)

    load = os.getloadavg()[0]
    print(f"cpus={os.cpu_count()} load average={load:.1f}")
    print("payloads: " + ", ".join(f"{name} {size / 1024:.0f} KiB" for name, size in sorted(result["sizes"].items())))
    ready = result["ready"]
    print(
        f"timeline and transcript usable: median {statistics.median(ready):.0f} ms after navigation "
        f"(loads: {', '.join(f'{value:.0f}' for value in ready)} ms)"
    )
    for index, phase in enumerate(result["phases"], start=1):
        spans = sorted((name, span) for name, span in phase.items() if name != "html")
        reads = ", ".join(f"{name} {start:.0f}-{end:.0f}" for name, (start, end) in spans)
        print(f"  load {index}: HTML by {phase['html']:.0f} ms; reads (start-end ms): {reads}")
    for name in ("within", "across"):
        values = result[name]
        label = "within a recording" if name == "within" else "across recordings (source switch)"
        print(f"seek latency {label}: median {statistics.median(values):.0f} ms, "
              f"p95 {percentile(values, 0.95):.0f} ms, max {max(values):.0f} ms over {len(values)} seeks")  # fmt: skip


if __name__ == "__main__":
    main()
