"""The OBS browser source in real headless Chromium against a real ASGI server (websockets included).

uvicorn is what production runs; daphne is what ``runserver`` and ``manage.py studio`` run, so the main
case runs on both.
"""

import asyncio
import json
import re
import time

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.test import Client
from playwright.async_api import async_playwright, expect
from websockets.asyncio.client import connect as ws_connect

from pipeline import services as pipeline_services
from tests.conftest import worker_database_url
from widgets import services
from widgets.liveserver import AsgiServer

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAIT_MS = 20_000
pytestmark = pytest.mark.anyio


@pytest.fixture
def server_kind():
    return "uvicorn"


@pytest.fixture
def server(transactional_db, channel_layer, tmp_path, server_kind):
    env = {"DATABASE_URL": worker_database_url(), "REDIS_URL": settings.REDIS_URL}
    server = AsgiServer(kind=server_kind, log_path=tmp_path / f"{server_kind}.log", env=env)
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def page():
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield await browser.new_page()
        await browser.close()


async def send_action(server: AsgiServer, token: str, widget_id: int, action: str, payload: dict | None = None):
    """Act from another connection, as the streamer's control page would."""
    message = {"type": "WIDGET_ACTION", "widgetId": widget_id, "action": action, "payload": payload}
    async with ws_connect(server.websocket_url(token), origin=server.url, open_timeout=10) as ws:
        await ws.send(json.dumps(message))
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
            if message["type"] == "WIDGET_ACTION_RESPONSE":
                assert message["success"], message
                return message


def obs_url(server: AsgiServer, widget) -> str:
    return f"{server.url}/widgets/{widget.id}/?token={widget.access_token}"


@pytest.mark.parametrize("server_kind", ["uvicorn", "daphne"])
async def test_obs_page_shows_the_countdown_and_follows_actions_from_another_connection(
    server, page, countdown, streamer, streamer_token
):
    await page.goto(obs_url(server, countdown))
    time_shown = page.locator(".countdown-time")
    await expect(time_shown).to_have_text("05:00", timeout=WAIT_MS)

    await send_action(server, streamer_token, countdown.id, "set_duration", {"duration": 90})
    await expect(time_shown).to_have_text("01:30", timeout=WAIT_MS)

    await send_action(server, streamer_token, countdown.id, "start")
    await expect(time_shown).to_have_text(re.compile(r"^04:5\d$"), timeout=WAIT_MS)

    # Rotating the token disconnects the page for good: it hides the widget and stops retrying.
    await database_sync_to_async(services.widget_rotate_token)(widget_id=countdown.id, user=streamer)
    await expect(page.locator("body")).to_have_attribute("data-status", "closed", timeout=WAIT_MS)
    await expect(page.locator("#widget")).to_be_hidden()


async def test_obs_page_counts_from_server_time_even_with_a_wrong_local_clock(server, page, streamer):
    """A timer started half an hour ago shows about 30:00 left, whatever the viewer's clock says."""
    widget = await database_sync_to_async(services.widget_create)(
        owner=streamer, title="Marathon", type="countdown", config={"duration": 3600}
    )
    await database_sync_to_async(services.widget_apply_action)(
        widget_id=widget.id, user=streamer, action="start", now=time.time() - 1800
    )
    await page.clock.install(time=time.time() + 3600)  # this browser's clock runs an hour fast
    await page.clock.resume()

    await page.goto(obs_url(server, widget))

    await expect(page.locator(".countdown-time")).to_have_text(re.compile(r"^(30:00|29:[0-5]\d)$"), timeout=WAIT_MS)


async def test_obs_page_reconnects_after_the_server_restarts(server, page, countdown, streamer_token):
    await page.goto(obs_url(server, countdown))
    await expect(page.locator(".countdown-time")).to_have_text("05:00", timeout=WAIT_MS)

    await asyncio.to_thread(server.stop)
    await expect(page.locator("body")).to_have_attribute("data-status", "reconnecting", timeout=WAIT_MS)
    await asyncio.to_thread(server.start)
    await expect(page.locator("body")).to_have_attribute("data-status", "connected", timeout=WAIT_MS * 2)
    await send_action(server, streamer_token, countdown.id, "set_duration", {"duration": 42})

    await expect(page.locator(".countdown-time")).to_have_text("00:42", timeout=WAIT_MS)


async def test_text_overlay_page_shows_live_text(server, page, streamer, streamer_token):
    widget = await database_sync_to_async(services.widget_create)(
        owner=streamer, title="Lower third", type="text_overlay", config={"text": "Hi"}
    )
    await page.goto(obs_url(server, widget))
    text = page.locator(".overlay-text")
    await expect(text).to_have_text("Hi", timeout=WAIT_MS)

    await send_action(server, streamer_token, widget.id, "set_text", {"text": "Back in 5 <b>min</b>"})
    await expect(text).to_have_text("Back in 5 <b>min</b>", timeout=WAIT_MS)
    await send_action(server, streamer_token, widget.id, "hide")
    await expect(text).to_have_class("overlay-text hidden", timeout=WAIT_MS)


async def open_control_page(server: AsgiServer, page, user, widget) -> None:
    client = Client()
    await database_sync_to_async(client.force_login)(user)
    await page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": server.url}]
    )
    await page.goto(f"{server.url}/widgets/{widget.id}/control/")


async def test_control_page_seconds_left_follows_the_running_countdown(server, page, streamer, countdown):
    await open_control_page(server, page, streamer, countdown)
    seconds_left = page.locator("#duration")
    await expect(seconds_left).to_have_value("300.0", timeout=WAIT_MS)

    await page.click("button[data-action=start]")

    await expect(page.locator(".countdown-time")).to_have_text(re.compile(r"^04:5\d$"), timeout=WAIT_MS)
    await expect(seconds_left).to_have_value(re.compile(r"^29\d\.\d$"), timeout=WAIT_MS)
    # Typing a new value is not overwritten by the ticking countdown until it is sent.
    await page.fill("#duration", "42")
    await page.wait_for_timeout(500)
    await expect(seconds_left).to_have_value("42")
    await page.click("button[data-action=set_duration]")
    await expect(seconds_left).to_have_value(re.compile(r"^(42\.0|41\.\d)$"), timeout=WAIT_MS)


async def test_control_page_drives_the_widget_and_shows_pipeline_progress(server, page, streamer, countdown):
    await open_control_page(server, page, streamer, countdown)
    await expect(page.locator("#status")).to_have_text("connected", timeout=WAIT_MS)
    await expect(page.locator(".countdown-time")).to_have_text("05:00", timeout=WAIT_MS)

    await page.fill("#duration", "90")
    await page.click("button[data-action=set_duration]")
    await expect(page.locator("#action-result")).to_have_text("set_duration: done", timeout=WAIT_MS)
    await expect(page.locator(".countdown-time")).to_have_text("01:30", timeout=WAIT_MS)
    await page.fill("#duration", "-5")
    await page.click("button[data-action=set_duration]")
    await expect(page.locator("#action-result")).to_have_text(
        "set_duration: payload.duration must be >= 0, got -5", timeout=WAIT_MS
    )

    run = await database_sync_to_async(pipeline_services.run_create)(owner=streamer, kind="render")
    await database_sync_to_async(pipeline_services.run_set_status)(run.id, "rendering")
    cells = page.locator("#tasks tr td")
    await expect(cells.nth(0)).to_have_text(f"#{run.id}", timeout=WAIT_MS)
    await expect(cells.nth(2)).to_have_text("rendering")
