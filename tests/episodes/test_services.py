"""Episode status: one service writes it, with guards, and nothing else updates it behind its back."""

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from episodes.models import Episode
from episodes.services import episode_set_status
from pipeline.models import PipelineRun
from pipeline.services import run_create
from rendering.services import render_cancel
from streams.models import Stream

ROOT = Path(__file__).resolve().parents[2]
APPS = ("chat", "config", "episodes", "pipeline", "rendering", "streams", "transcription", "widgets")


@pytest.fixture
def episode(db, user):
    stream = Stream.objects.create(owner=user, title="Friday stream")
    episode = Episode.objects.create(owner=user, stream=stream, title="Ep 1", status=Episode.Status.RENDERING)
    Episode.objects.filter(id=episode.id).update(updated_at=timezone.now() - timedelta(days=1))
    episode.refresh_from_db()
    return episode


def test_status_changes_with_its_render_and_the_update_time(episode):
    changed = episode_set_status(
        episode_id=episode.id, status=Episode.Status.RENDERED, rendered_file="renders/episode-1.mp4"
    )

    assert changed
    stored = Episode.objects.get(id=episode.id)
    assert (stored.status, stored.rendered_file.name) == (Episode.Status.RENDERED, "renders/episode-1.mp4")
    assert stored.updated_at > episode.updated_at


def test_a_guarded_change_leaves_a_newer_status_alone(episode):
    episode_set_status(episode_id=episode.id, status=Episode.Status.RENDERED)

    changed = episode_set_status(
        episode_id=episode.id, status=Episode.Status.READY, only_from=[Episode.Status.RENDERING]
    )

    assert not changed
    assert Episode.objects.get(id=episode.id).status == Episode.Status.RENDERED


def test_an_unknown_status_is_refused_and_nothing_changes(episode):
    with pytest.raises(ValueError, match="unknown episode status 'done'"):
        episode_set_status(episode_id=episode.id, status="done")

    assert Episode.objects.get(id=episode.id).status == Episode.Status.RENDERING


def test_cancelling_a_render_sets_the_episode_ready_through_the_service(episode, user):
    run = run_create(owner=user, kind=PipelineRun.Kind.RENDER, episode=episode, steps=[{"name": "render"}])

    assert render_cancel(run=run)

    stored = Episode.objects.get(id=episode.id)
    assert stored.status == Episode.Status.READY
    assert stored.updated_at > episode.updated_at  # a raw .update() left it a day old


def raw_status_updates(source: str) -> list[int]:
    """Lines of ``Episode.objects....update(status=...)`` calls in a module's source."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "update"
        and "Episode.objects" in ast.unparse(node.func.value)
        and any(keyword.arg == "status" for keyword in node.keywords)
    ]


def test_only_the_service_updates_an_episode_status():
    raw = "Episode.objects.filter(id=1).update(\n    rendered_file=key, status=Episode.Status.RENDERED\n)\n"
    assert raw_status_updates(raw) == [1]  # the scan sees a write spread over lines

    modules = [path for app in APPS for path in (ROOT / app).rglob("*.py") if "migrations" not in path.parts]
    writes = {str(path.relative_to(ROOT)): raw_status_updates(path.read_text()) for path in modules}

    assert {path: lines for path, lines in writes.items() if lines} == {}
