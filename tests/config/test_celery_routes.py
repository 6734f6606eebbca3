"""Celery routing over the tasks really registered: each goes to a known queue, and no route is dead."""

from fnmatch import fnmatchcase

import pytest

from config.celery import CPU, GPU, IO, QUEUES, app

APPS = ("chat", "episodes", "pipeline", "rendering", "streams", "transcription", "widgets")
# Where each kind of work must go (CPU is also the default for anything not named here).
EXPECTED = {
    "streams.tasks.analyse_clip": CPU,
    "streams.tasks.fetch_remote_clips": IO,
    "streams.tasks.download_vod": IO,
    "transcription.tasks.transcribe_clip": GPU,
    "rendering.tasks.render_episode": CPU,
    "rendering.tasks.publish_episode": IO,
    "rendering.tasks.publish_tiktok": IO,
    "rendering.tasks.archive_episode": IO,
    "chat.tasks.store_eventsub_notifications": IO,
    "chat.tasks.purge_expired_messages": IO,
    "pipeline.tasks.fail_stale_runs": CPU,
}


@pytest.fixture(scope="module")
def our_tasks() -> list[str]:
    app.loader.import_default_modules()  # what a worker does at start: autodiscover every app's tasks
    return sorted(name for name in app.tasks if name.split(".", 1)[0] in APPS)


def first_route(name: str, routes: dict) -> str | None:
    """The route Celery's ``MapRoute`` applies to ``name``: its exact name, else the first matching glob."""
    if name in routes:
        return name
    return next((pattern for pattern in routes if "*" in pattern and fnmatchcase(name, pattern)), None)


def dead_routes(routes: dict, tasks: list[str]) -> list[str]:
    used = {first_route(name, routes) for name in tasks}
    return [pattern for pattern in routes if pattern not in used]


def test_every_registered_task_routes_to_a_known_queue(our_tasks):
    assert set(EXPECTED) <= set(our_tasks), "EXPECTED names a task that is not registered"
    for name in our_tasks:
        queue = app.amqp.router.route({}, name)["queue"].name
        assert queue in QUEUES, f"{name} routes to unknown queue {queue!r}"
        assert queue == EXPECTED.get(name, queue), f"{name} routes to {queue}, expected {EXPECTED[name]}"


def test_every_route_is_the_first_match_of_some_registered_task(our_tasks):
    assert dead_routes(app.conf.task_routes, our_tasks) == []


def test_a_route_matching_no_task_is_reported(our_tasks):
    routes = {"streams.tasks.upload_*": {"queue": IO}, **app.conf.task_routes}
    shadowed = {**app.conf.task_routes, "chat.tasks.store_*": {"queue": IO}}  # after "*": never applied

    assert dead_routes(routes, our_tasks) == ["streams.tasks.upload_*"]
    assert dead_routes(shadowed, our_tasks) == ["chat.tasks.store_*"]
