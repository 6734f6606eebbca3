"""The review page in real headless Chromium against a real ASGI server (and a real worker for the render).

Screenshots go to ``REVIEW_SCREENSHOTS`` (a folder) when set, else to the test's tmp dir.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from channels.db import database_sync_to_async
from django.test import Client
from playwright.async_api import expect

from episodes.models import Episode, Highlight
from tests.episodes.review_media import make_reviewable_stream
from tests.transcription.conftest import SPEECH
from transcription.models import Segment
from widgets.liveserver import AsgiServer

WAIT_MS = 20_000
pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@pytest.fixture
async def browser_page(page):
    await page.set_viewport_size({"width": 1600, "height": 950})
    return page


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("REVIEW_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def reviewable(transactional_db, user, make_video):
    video = make_video("house.mp4", seconds=25, speech=SPEECH, size="320x180", rate=10, gop=20)
    return make_reviewable_stream(user, video)


async def open_review(server: AsgiServer, page, user, stream) -> None:
    client = Client()
    await database_sync_to_async(client.force_login)(user)
    await page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server.url}]
    )
    await page.goto(f"{server.url}/review/streams/{stream.id}/")
    await expect(page.locator("body")).to_have_attribute("data-ready", "true", timeout=WAIT_MS)


async def playhead(page) -> float:
    return await page.evaluate("window.review.now()")


async def test_review_page_plays_seeks_and_triages_from_the_keyboard(server, browser_page, user, reviewable, shots):
    page = browser_page
    await open_review(server, page, user, reviewable)
    await expect(page.locator(".segment")).to_have_count(4)
    await expect(page.locator(".item")).to_have_count(3)
    await page.screenshot(path=str(shots / "review-loaded.png"))

    # Play, then seek with the arrow keys and by clicking the timeline.
    await page.keyboard.press("Space")
    await page.wait_for_function("window.review.now() > 1.0", timeout=WAIT_MS)
    await page.keyboard.press("Space")
    before = await playhead(page)
    await page.keyboard.press("Shift+ArrowRight")
    await page.wait_for_function(f"Math.abs(window.review.now() - {before + 5}) < 0.3", timeout=WAIT_MS)
    box = await page.locator("#timeline").bounding_box()
    await page.mouse.click(box["x"] + box["width"] * 0.86, box["y"] + 60)
    await page.wait_for_function("window.review.now() > 20.5 && window.review.now() < 22.5", timeout=WAIT_MS)
    await page.wait_for_function("window.reviewSeeks.length >= 2", timeout=WAIT_MS)
    await expect(page.locator(".segment.current .t")).to_have_text("0:00:20")  # the transcript follows
    await expect(page.locator(".chat-log .msg")).to_have_count(5)  # chat up to the playhead

    # N selects the first proposal; A accepts it and moves on to the highlight; X rejects that.
    await page.keyboard.press("n")
    await expect(page.locator(".item.selected .title")).to_have_text("Welcome")
    await page.keyboard.press("a")
    await expect(page.locator(".item.episode.status-draft .title")).to_have_text("Welcome", timeout=WAIT_MS)
    await expect(page.locator(".item.selected.highlight")).to_have_count(1)
    await page.keyboard.press("x")
    await expect(page.locator(".item.highlight.status-rejected")).to_have_count(1, timeout=WAIT_MS)
    await expect(page.locator(".item.selected .title")).to_have_text("Foundations")
    welcome = await database_sync_to_async(Episode.objects.get)(title="Welcome")
    assert welcome.status == Episode.Status.DRAFT and welcome.cut_list["outputTrack"]
    highlight = await database_sync_to_async(Highlight.objects.get)(stream=reviewable)
    assert highlight.status == "rejected"

    # Trim "Foundations": playhead to 14.5 s, I sets the in point; U undoes it.
    await page.evaluate("window.review.seek(14.5)")
    await page.wait_for_function("Math.abs(window.review.now() - 14.5) < 0.05", timeout=WAIT_MS)
    await page.keyboard.press("i")
    await expect(page.locator(".item.selected .times")).to_have_text(
        re.compile(r"^0:00:14\.5 – 0:00:24\.0"), timeout=WAIT_MS
    )
    foundations = await database_sync_to_async(Episode.objects.get)(title="Foundations")
    assert foundations.tracks == [{"start": 14.5, "end": 24.0}]
    await page.screenshot(path=str(shots / "review-triaged.png"))
    await page.keyboard.press("u")
    await expect(page.locator(".item.selected .times")).to_have_text(
        re.compile(r"^0:00:13\.0 – 0:00:24\.0"), timeout=WAIT_MS
    )
    foundations = await database_sync_to_async(Episode.objects.get)(title="Foundations")
    assert foundations.tracks == [{"start": 13.0, "end": 24.0}]

    # X rejects the episode: it stays, as rejected (a re-run of proposals keeps it so); U reopens it.
    await page.keyboard.press("x")
    await expect(page.locator(".item.episode.status-rejected .title")).to_have_text("Foundations", timeout=WAIT_MS)
    foundations = await database_sync_to_async(Episode.objects.get)(title="Foundations")
    assert foundations.status == Episode.Status.REJECTED
    await page.keyboard.press("u")
    await expect(page.locator(".item.episode.status-proposed .title")).to_have_text("Foundations", timeout=WAIT_MS)
    foundations = await database_sync_to_async(Episode.objects.get)(title="Foundations")
    assert foundations.status == Episode.Status.PROPOSED

    # M marks a moment at the playhead (an accepted manual highlight); U takes it back.
    await page.keyboard.press("m")
    await expect(page.locator(".item.highlight")).to_have_count(2, timeout=WAIT_MS)
    assert await database_sync_to_async(Highlight.objects.filter(stream=reviewable, source="manual").count)() == 1
    await page.keyboard.press("u")
    await expect(page.locator(".item.highlight")).to_have_count(1, timeout=WAIT_MS)

    # The help overlay.
    await page.keyboard.press("?")
    await expect(page.locator("#help")).to_be_visible()
    await page.screenshot(path=str(shots / "review-help.png"))
    await page.keyboard.press("Escape")
    await expect(page.locator("#help")).to_be_hidden()


async def test_a_transcript_correction_is_saved_to_the_segment(server, browser_page, user, reviewable, shots):
    page = browser_page
    await open_review(server, page, user, reviewable)
    line = page.locator(".segment").nth(2).locator(".text")
    await line.dblclick()
    await page.keyboard.press("Control+a")
    await page.keyboard.type("First we lay the foundation slab.")
    await page.keyboard.press("Enter")
    await expect(page.locator(".segment.saved")).to_have_count(1, timeout=WAIT_MS)

    segment = await database_sync_to_async(Segment.objects.get)(transcript__clip__stream=reviewable, index=2)
    assert segment.text == "First we lay the foundation slab."
    assert [w["word"].strip() for w in segment.words][-2:] == ["foundation", "slab."]
    # A click on a word seeks there and lights it.
    await page.locator(".segment").nth(2).locator(".text").click()
    await page.wait_for_function("Math.abs(window.review.now() - 13.9) < 0.1", timeout=WAIT_MS)
    await expect(page.locator(".segment.current .w").first).to_have_text("First")
    await page.screenshot(path=str(shots / "review-corrected.png"))


async def test_a_render_started_from_the_page_shows_its_progress_live(
    server, browser_page, user, reviewable, shots, celery_worker
):
    page = browser_page
    await open_review(server, page, user, reviewable)
    await expect(page.locator("body")).to_have_attribute("data-socket", "open", timeout=WAIT_MS)
    await page.keyboard.press("n")
    await page.keyboard.press("a")
    await expect(page.locator(".item.episode.status-draft")).to_have_count(1, timeout=WAIT_MS)
    await page.locator(".item.episode.status-draft").click()
    await page.select_option("#preset", "source")  # the recording's own size: quick on a test machine
    await page.locator("body").click(position={"x": 5, "y": 5})
    await page.keyboard.press("r")

    run = page.locator(".run").first
    await expect(run).to_contain_text("Render “Welcome”", timeout=WAIT_MS)
    await expect(run.locator(".run-status")).to_have_text("completed", timeout=90_000)
    await expect(run.locator(".run-progress")).to_have_text("100%")
    await expect(page.locator(".item.episode.status-rendered")).to_have_count(1, timeout=WAIT_MS)
    await page.screenshot(path=str(shots / "review-rendered.png"))
    episode = await database_sync_to_async(Episode.objects.get)(title="Welcome")
    assert episode.status == Episode.Status.RENDERED and episode.rendered_file


async def test_home_lists_the_stream_and_links_its_review_page(server, browser_page, user, reviewable, shots):
    page = browser_page
    client = Client()
    await database_sync_to_async(client.force_login)(user)
    await page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server.url}]
    )
    await page.goto(f"{server.url}/")
    await expect(page.locator(".stream-link")).to_have_text("House build")
    await page.screenshot(path=str(shots / "home.png"))
    await page.locator(".stream-link").click()
    await expect(page.locator("body")).to_have_attribute("data-ready", "true", timeout=WAIT_MS)
