"""Two staff users, each with one row of every model the admin registers, marked so a page can be searched."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from django.contrib.admin import site
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from rest_framework.authtoken.models import Token

from chat.models import ChatDeadLetter, ChatMessage, EventSubSubscription, TwitchLink
from episodes.models import Episode, Highlight, Project
from pipeline.models import PipelineRun, StepRun
from rendering.publishing.models import TikTokPost, YouTubeUpload
from streams.analysis.models import ClipAnalysis
from streams.models import Series, Stream, VideoClip, WatchedFile
from transcription.models import ClipSummary, Segment, StreamSummary, Transcript
from widgets.services import widget_create

# Admins that are not per owner, and why. Every other registered admin must be an OwnedAdmin.
GLOBAL_ADMINS = {
    User: "accounts are an administrator's job: auth.change_user can grant any permission, even superuser",
    Group: "groups hold permissions; managing them is an administrator's job like accounts",
    ChatDeadLetter: "superusers only (operators): a payload may be anyone's chat, some have no known owner; "
    "staff get 403 whatever their permissions (tests/chat/test_admin.py)",
}


@dataclass
class World:
    """One user's records: ``mark`` is in every text they show; ``secrets`` must never reach anyone else."""

    user: User
    mark: str
    rows: list = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)

    def of(self, model) -> list:
        return [row for row in self.rows if isinstance(row, model)]


def make_world(user: User, mark: str) -> World:
    """At least one row of every registered model (and the inlines' models) owned by ``user``."""
    series = Series.objects.create(owner=user, name=f"{mark} series")
    stream = Stream.objects.create(owner=user, title=f"{mark} stream", series=series, duration=60)
    clip = VideoClip.objects.create(
        stream=stream,
        order=0,
        file=f"clips/{mark}.mkv",
        original_name=f"{mark}.mkv",
        duration=60,
        audio_tracks=[{"index": 1, "codec": "aac", "channels": 2}],
    )
    transcript = Transcript.objects.create(clip=clip, language="en", text=f"{mark} speaks", engine="faster-whisper")
    Segment.objects.create(
        transcript=transcript,
        index=0,
        start=1.0,
        end=2.0,
        text=f"{mark} speaks",
        avg_logprob=-0.2,
        compression_ratio=1.1,
        no_speech_prob=0.01,
        tokens=[1],
        words=[],
    )
    analysis = ClipAnalysis.objects.create(
        clip=clip, threshold_db=-48.0, min_silence=1.0, duration=60.0, silences=[[10.0, 20.0]], speech=[[0.0, 10.0]]
    )
    moment = {"timestamp_start": 1.0, "timestamp_end": 2.0, "description": f"{mark} moment", "reasoning": "r"}
    clip_summary = ClipSummary.objects.create(
        clip=clip,
        title=f"{mark} summary",
        keywords=[f"{mark} topic"],
        summary_main_discussion=f"{mark} speaks",
        highlights=[moment | {"segments": [0]}],
    )
    stream_summary = StreamSummary.objects.create(stream=stream, title=f"{mark} draft", description=f"{mark} text")
    project = Project.objects.create(owner=user, title=f"{mark} project", series=series)
    project.streams.add(stream)
    episode = Episode.objects.create(
        owner=user, project=project, stream=stream, title=f"{mark} episode", tracks=[{"start": 0.0, "end": 10.0}]
    )
    highlight = Highlight.objects.create(stream=stream, start=1.0, end=9.0, peak=5.0, title=f"{mark} moment")
    run = PipelineRun.objects.create(owner=user, kind=PipelineRun.Kind.RENDER, episode=episode, error=f"{mark} err")
    step = StepRun.objects.create(run=run, name="render", label=f"{mark} step")
    widget = widget_create(owner=user, title=f"{mark} countdown", type="countdown", config={"duration": 300})
    link = TwitchLink.objects.create(owner=user, twitch_user_id=f"{mark}-id", login=f"{mark}login")
    subscription = EventSubSubscription.objects.create(
        owner=user, link=link, twitch_id=f"{mark}-sub", callback_url="https://studio.example.com/twitch/eventsub/"
    )
    message = ChatMessage.objects.create(
        owner=user,
        stream=stream,
        twitch_message_id=f"{mark}-msg",
        broadcaster_user_id=f"{mark}-id",
        chatter_login=f"{mark}chatter",
        text=f"{mark} says hi",
        sent_at=datetime(2026, 5, 1, 20, 0, tzinfo=UTC),
    )
    token = Token.objects.create(user=user)
    upload = YouTubeUpload.objects.create(episode=episode, file_name=f"renders/{mark}.mp4", last_error=f"{mark} yt")
    post = TikTokPost.objects.create(episode=episode, file_name=f"vertical/{mark}.mp4", notice=f"{mark} private")
    watched = WatchedFile.objects.create(
        owner=user, path=f"/obs/{mark}.mkv", size_bytes=1, mtime_ns=1, status="failed", error=f"{mark} is empty"
    )
    rows = [series, stream, clip, transcript, analysis, project, episode, run, step, widget, link, subscription]
    rows += [clip_summary, stream_summary]
    rows += [message, token, upload, post, watched, user, highlight]
    return World(user=user, mark=mark, rows=rows, secrets=[mark, widget.access_token, token.key])


def owned_permissions(*actions: str) -> list[Permission]:
    """The model permissions (``view``, ``change``...) on every model an owned admin is registered for."""
    models = [model for model in site._registry if model not in GLOBAL_ADMINS]
    types = ContentType.objects.get_for_models(*models, for_concrete_models=False).values()
    codenames = [f"{action}_" for action in actions]
    return [
        perm
        for perm in Permission.objects.filter(content_type__in=types)
        if any(perm.codename.startswith(prefix) for prefix in codenames)
    ]


@pytest.fixture
def alice(django_user_model) -> World:
    """The victim: a staff user with every permission on her own work."""
    user = django_user_model.objects.create_user("alphamark", is_staff=True)
    user.user_permissions.set(owned_permissions("view", "add", "change", "delete"))
    return make_world(user, "alphamark")


@pytest.fixture
def bob(django_user_model) -> World:
    """The attacker: a staff user whose permissions each test sets."""
    return make_world(django_user_model.objects.create_user("bravomark", is_staff=True), "bravomark")


@pytest.fixture
def as_bob(client, bob):
    def login(*permissions: Permission):
        bob.user.user_permissions.set(permissions)
        client.force_login(bob.user)
        return client

    return login
