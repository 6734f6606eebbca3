"""Every admin is per owner: another staff user, whatever model permissions they hold, reaches nothing of yours.

The walks are generic over ``admin.site._registry`` and each admin's actions, so a newly registered admin, action or
custom view is covered (or fails here until it is owned, declares its permission, or is tested).
"""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.contrib.admin import ModelAdmin, site
from django.contrib.admin.utils import quote
from django.contrib.auth.models import Permission
from django.db.models import FileField, JSONField
from django.forms.models import model_to_dict
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.authtoken.models import TokenProxy

from config.admin_ownership import OwnedAdmin, OwnedChoicesMixin
from episodes.models import Episode, Project
from pipeline.models import PipelineRun
from streams.models import Stream
from transcription.models import Transcript
from widgets.models import StreamWidget

from .conftest import GLOBAL_ADMINS, owned_permissions

pytestmark = pytest.mark.django_db

OWNED = [(model, model_admin) for model, model_admin in site._registry.items() if model not in GLOBAL_ADMINS]
IDS = [model._meta.label for model, _ in OWNED]
STANDARD_VIEWS = {"changelist", "add", "history", "delete", "change"}
# Custom admin views, each tested below for permission and ownership.
CUSTOM_VIEWS = {"streams_stream_ingest", "transcription_transcript_subtitles", "transcription_stream_subtitles"}
PERMISSION_SETS = {"all": ("view", "add", "change", "delete"), "view": ("view",)}


def rows_of(model_admin: ModelAdmin, user) -> list:
    request = RequestFactory().get("/")
    request.user = user
    return list(model_admin.get_queryset(request))


def object_id(obj) -> str:
    # DRF's token admin addresses a token by its user's id.
    return quote(obj.user_id if isinstance(obj, TokenProxy) else obj.pk)


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def snapshot() -> dict:
    """Every row of every table but sessions, to show that nothing changed."""
    return {
        model._meta.label: [model_to_dict(row) | {"pk": row.pk} for row in model._default_manager.order_by("pk")]
        for model in apps.get_models()
        if model._meta.app_label != "sessions"
    }


def inline(prefix: str) -> dict:
    """The management form of an inline with no rows posted."""
    return {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}


def form_data(obj) -> dict:
    """The object's own values as a change form would post them back."""
    data = {}
    for name, value in model_to_dict(obj).items():
        field = obj._meta.get_field(name)
        if isinstance(field, JSONField):
            data[name] = json.dumps(value)
        elif field.many_to_many:
            data[name] = [related.pk for related in value]
        elif not isinstance(field, FileField):
            data[name] = "" if value is None else value
    return data


def assert_nothing_of(world, response) -> None:
    body = response.content.decode(errors="replace")
    leaked = [secret for secret in world.secrets if secret in body]
    assert not leaked, f"{response.request['PATH_INFO']} shows {leaked}"


@pytest.fixture
def spy_actions(monkeypatch):
    """Record the primary keys each admin action receives; ``run=False`` records without running it."""
    seen: list[tuple[str, set]] = []
    original = ModelAdmin.get_actions

    def spying(self, request, run=True):
        def wrap(func, name):
            def spy(modeladmin, request, queryset):
                seen.append((name, set(queryset.values_list("pk", flat=True))))
                return func(modeladmin, request, queryset) if spy.run else None

            spy.run = run
            return spy

        return {name: (wrap(func, name), name, text) for name, (func, name, text) in original(self, request).items()}

    monkeypatch.setattr(ModelAdmin, "get_actions", spying)

    def dry_run() -> None:
        monkeypatch.setattr(ModelAdmin, "get_actions", lambda self, request: spying(self, request, run=False))

    spying.seen, spying.dry_run = seen, dry_run
    return spying


# --- the rules every admin follows ----------------------------------------------------------------------------------
def test_every_registered_admin_is_owned_or_global_with_a_reason():
    for model, model_admin in site._registry.items():
        assert isinstance(model_admin, OwnedAdmin) or model in GLOBAL_ADMINS, f"{model._meta.label} is not owned"
        if isinstance(model_admin, OwnedAdmin):
            for inline in model_admin.inlines:
                assert issubclass(inline, OwnedChoicesMixin), f"{inline.__name__} does not own its choices"


def test_every_action_declares_its_permission():
    for model, model_admin in site._registry.items():
        for func, name, _ in model_admin._get_base_actions():
            assert getattr(func, "allowed_permissions", None), f"{model._meta.label} action {name}: no permission"


def test_every_custom_admin_view_is_known_and_tested():
    custom = {
        pattern.name
        for model, model_admin in site._registry.items()
        for pattern in model_admin.get_urls()
        if pattern.name and pattern.name.rsplit("_", 1)[-1] not in STANDARD_VIEWS
    }
    assert custom == CUSTOM_VIEWS


def test_the_victim_has_a_row_in_every_owned_admin(alice):
    for model, model_admin in OWNED:
        assert rows_of(model_admin, alice.user), f"make_world has no {model._meta.label}: add one"


# --- another staff user's view --------------------------------------------------------------------------------------
@pytest.mark.parametrize("perms", PERMISSION_SETS)
@pytest.mark.parametrize(("model", "model_admin"), OWNED, ids=IDS)
def test_pages_show_nothing_of_another_user(model, model_admin, perms, alice, bob, as_bob):
    client = as_bob(*owned_permissions(*PERMISSION_SETS[perms]))
    before = snapshot()

    listing = client.get(url(model, "changelist"))
    assert listing.status_code == 200
    assert_nothing_of(alice, listing)
    assert bob.mark in listing.content.decode()  # the page does list rows: the user's own
    if model_admin.search_fields:
        assert client.get(url(model, "changelist"), {"q": alice.mark}).context["cl"].result_count == 0
    if model_admin.has_add_permission(listing.wsgi_request):
        assert_nothing_of(alice, client.get(url(model, "add")))
    for own in rows_of(model_admin, bob.user):
        own_page = client.get(url(model, "change", object_id(own)))
        assert own_page.status_code == 200
        assert_nothing_of(alice, own_page)  # foreign-key and many-to-many choices, inlines
    for theirs in rows_of(model_admin, alice.user):
        for view in ("change", "delete", "history"):
            page = client.get(url(model, view, object_id(theirs)))
            assert page.status_code in (302, 403, 404), f"{view} of {theirs!r}: {page.status_code}"
            assert_nothing_of(alice, client.get(page.url) if page.status_code == 302 else page)
        client.post(url(model, "delete", object_id(theirs)), {"post": "yes"})
        client.post(url(model, "change", object_id(theirs)), form_data(theirs))

    assert snapshot() == before


@pytest.mark.parametrize("perms", PERMISSION_SETS)
@pytest.mark.parametrize(("model", "model_admin"), OWNED, ids=IDS)
def test_actions_on_another_users_rows_do_nothing(model, model_admin, perms, alice, bob, as_bob, spy_actions):
    client = as_bob(*owned_permissions(*PERMISSION_SETS[perms]))
    theirs = [obj.pk for obj in rows_of(model_admin, alice.user)]
    before = snapshot()

    actions = [name for _, name, _ in model_admin._get_base_actions()]
    for name in actions:
        for extra in ({}, {"post": "yes"}):  # the first step, and the confirmation of actions that ask for one
            data = {"action": name, "_selected_action": theirs, "index": "0", **extra}
            assert_nothing_of(alice, client.post(url(model, "changelist"), data, follow=True))
    changed = snapshot() != before
    spy_actions.dry_run()  # "select all" rightly acts on the user's own rows: only look at what it selects
    for name in actions:
        data = {"action": name, "_selected_action": theirs, "index": "0", "select_across": "1"}
        client.post(url(model, "changelist"), data)

    assert [(name, pks & set(theirs)) for name, pks in spy_actions.seen if pks & set(theirs)] == []
    assert not changed


# --- what the owner and superusers keep -----------------------------------------------------------------------------
@pytest.mark.parametrize(("model", "model_admin"), OWNED, ids=IDS)
def test_superuser_sees_and_acts_on_everyones_rows(model, model_admin, admin_client, alice, bob, spy_actions):
    spy_actions.dry_run()
    listing = admin_client.get(url(model, "changelist"))

    assert alice.mark in listing.content.decode() and bob.mark in listing.content.decode()
    theirs = rows_of(model_admin, alice.user)
    for obj in theirs:
        assert alice.mark in admin_client.get(url(model, "change", object_id(obj))).content.decode()
    for name in model_admin.get_actions(listing.wsgi_request):
        data = {"action": name, "_selected_action": [o.pk for o in theirs], "index": "0"}
        admin_client.post(url(model, "changelist"), data)
        assert spy_actions.seen.pop() == (name, {o.pk for o in theirs})


def test_a_new_record_belongs_to_its_creator_whatever_the_form_says(alice, bob, as_bob):
    client = as_bob(*owned_permissions("view", "add", "change"))

    response = client.post(url(Stream, "add"), {"title": "bravomark new", "owner": alice.user.pk, **inline("clips")})
    assert response.status_code == 302, response.context["errors"]

    assert Stream.objects.get(title="bravomark new").owner == bob.user


def test_links_to_another_users_rows_are_refused(alice, bob, as_bob):
    client = as_bob(*owned_permissions("view", "add", "change"))
    their_stream, own_project = alice.of(Stream)[0], bob.of(Project)[0]

    episode = client.post(url(Episode, "add"), {"title": "bravomark cut", "stream": their_stream.pk, "order": 1})
    project = client.post(
        url(Project, "change", own_project.pk),
        {"title": own_project.title, "streams": [their_stream.pk], **inline("episodes")},
    )

    assert "Select a valid choice" in episode.content.decode() and "Select a valid choice" in project.content.decode()
    assert not Episode.objects.filter(title="bravomark cut").exists()
    assert list(own_project.streams.all()) == bob.of(Stream)


def test_an_episode_added_in_a_project_inline_belongs_to_the_projects_owner(bob, as_bob):
    client = as_bob(*owned_permissions("view", "add", "change"))
    project, stream = bob.of(Project)[0], bob.of(Stream)[0]
    episodes = {
        **inline("episodes"),
        "episodes-TOTAL_FORMS": "1",
        "episodes-0-order": "2",
        "episodes-0-title": "bravomark inline",
        "episodes-0-stream": stream.pk,
        "episodes-0-status": "draft",
    }

    response = client.post(url(Project, "change", project.pk), {"title": project.title, **episodes})

    assert response.status_code == 302, response.context["errors"]
    assert Episode.objects.get(title="bravomark inline").owner == bob.user


# --- the cases: a viewer cannot drive anything, and nobody drives another user's work -----------------------
def viewer_of_widgets_and_episodes() -> list[Permission]:
    return list(Permission.objects.filter(codename__in=["view_streamwidget", "view_episode"]))


@pytest.mark.parametrize("theirs", [True, False], ids=["their-rows", "own-rows"])
def test_a_viewer_cannot_start_a_countdown_rotate_a_token_or_queue_a_render(theirs, alice, bob, as_bob):
    client = as_bob(*viewer_of_widgets_and_episodes())
    world = alice if theirs else bob
    widget, episode = world.of(StreamWidget)[0], world.of(Episode)[0]
    runs = PipelineRun.objects.count()

    for action in ("action_start", "rotate_tokens"):
        client.post(url(StreamWidget, "changelist"), {"action": action, "_selected_action": [widget.pk], "index": "0"})
    client.post(url(Episode, "changelist"), {"action": "render_episodes", "_selected_action": [episode.pk]})

    widget_now = StreamWidget.objects.get(pk=widget.pk)
    assert (widget_now.state, widget_now.access_token) == (widget.state, widget.access_token)
    assert PipelineRun.objects.count() == runs


def test_an_editor_cannot_start_rotate_or_render_another_users_but_does_their_own(alice, bob, as_bob):
    client = as_bob(*Permission.objects.filter(codename__in=["change_streamwidget", "change_episode"]))
    theirs, own = alice.of(StreamWidget)[0], bob.of(StreamWidget)[0]
    widgets = {"_selected_action": [theirs.pk, own.pk], "index": "0"}

    client.post(url(StreamWidget, "changelist"), {"action": "action_start", **widgets})
    client.post(url(StreamWidget, "changelist"), {"action": "rotate_tokens", **widgets})
    render = {"action": "render_episodes", "_selected_action": [alice.of(Episode)[0].pk], "index": "0"}
    client.post(url(Episode, "changelist"), render)

    theirs_now, own_now = StreamWidget.objects.get(pk=theirs.pk), StreamWidget.objects.get(pk=own.pk)
    assert (theirs_now.state, theirs_now.access_token) == (theirs.state, theirs.access_token)
    assert own_now.state["enabled"] and own_now.access_token != own.access_token
    assert list(PipelineRun.objects.filter(owner=alice.user)) == alice.of(PipelineRun)


# --- custom admin views ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("perms", [(), ("view",)], ids=["no-permission", "view-only"])
def test_ingest_needs_permission_to_add_streams(perms, bob, as_bob, make_video):
    client = as_bob(*owned_permissions(*perms))
    streams = Stream.objects.count()

    page = client.get(url(Stream, "ingest"))
    with open(make_video("2024-06-01 10-00-00.mp4", seconds=1), "rb") as recording:
        upload = client.post(url(Stream, "ingest"), {"files": [recording], "title": "bravomark upload"})

    assert (page.status_code, upload.status_code) == (403, 403)
    assert Stream.objects.count() == streams


def test_subtitle_downloads_need_view_permission_and_the_users_own_transcript(alice, bob, as_bob):
    their_transcript, own_transcript = alice.of(Transcript)[0], bob.of(Transcript)[0]
    their_stream, own_stream = alice.of(Stream)[0], bob.of(Stream)[0]
    clip_srt = "admin:transcription_transcript_subtitles"
    stream_srt = "admin:transcription_stream_subtitles"

    nothing = as_bob()
    refused = [
        nothing.get(reverse(clip_srt, args=[own_transcript.pk, "srt"])).status_code,
        nothing.get(reverse(stream_srt, args=[own_stream.pk, "srt"])).status_code,
    ]
    viewer = as_bob(*owned_permissions("view"))
    hidden = [
        viewer.get(reverse(clip_srt, args=[their_transcript.pk, "srt"])).status_code,
        viewer.get(reverse(stream_srt, args=[their_stream.pk, "srt"])).status_code,
    ]
    own = viewer.get(reverse(stream_srt, args=[own_stream.pk, "srt"]))

    assert refused == [403, 403]
    assert hidden == [404, 404]
    assert own.status_code == 200 and "bravomark speaks" in own.content.decode()


# --- the index ------------------------------------------------------------------------------------------------------
def test_index_lists_the_streamers_work_before_accounts_and_tokens(admin_client):
    apps_listed = [app["app_label"] for app in admin_client.get(reverse("admin:index")).context["app_list"]]

    assert apps_listed[:4] == ["streams", "episodes", "widgets", "chat"]
    assert apps_listed.index("auth") > apps_listed.index("pipeline")
    assert apps_listed.index("authtoken") > apps_listed.index("pipeline")
