"""``manage.py publish EPISODE --tiktok`` and the episode admin's TikTok actions."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.urls import reverse

from pipeline.models import PipelineRun
from rendering.publishing.models import TikTokPost
from rendering.vertical_service import episode_vertical_key


def test_the_command_posts_and_tells_the_streamer_it_is_private(tiktok_episode, fake_tiktok, capsys):
    call_command("publish", str(tiktok_episode.id), "--tiktok", "--title", "One hit!")

    out = capsys.readouterr().out
    assert "only privately (SELF_ONLY)" in out and "Posted to TikTok (7300000000000000001)" in out
    (upload,) = fake_tiktok.uploads.values()
    assert upload.post_info["title"] == "One hit!"


def test_the_command_sends_a_draft(tiktok_episode, fake_tiktok, capsys):
    call_command("publish", str(tiktok_episode.id), "--tiktok", "--draft")

    assert "Sent to the creator's TikTok inbox as a draft" in capsys.readouterr().out
    assert TikTokPost.objects.get().mode == TikTokPost.Mode.INBOX


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--draft"], "go with --tiktok"),
        (["--tiktok", "--draft", "--privacy-level", "SELF_ONLY"], "a draft's privacy is chosen in the TikTok app"),
    ],
)
def test_the_command_refuses_bad_options(tiktok_episode, argv, message):
    with pytest.raises(CommandError, match=message):
        call_command("publish", str(tiktok_episode.id), *argv)
    assert not PipelineRun.objects.exists()


def test_the_command_explains_a_missing_vertical_render(tiktok_episode):
    default_storage.delete(episode_vertical_key(tiktok_episode.id))
    with pytest.raises(CommandError, match="has no vertical render .*`manage.py vertical_clip --episode"):
        call_command("publish", str(tiktok_episode.id), "--tiktok")


def test_the_command_reports_a_refusal_from_tiktok(tiktok_episode, fake_tiktok):
    fake_tiktok.fail("init", "spam_risk_too_many_posts")
    with pytest.raises(CommandError, match="daily post limit"):
        call_command("publish", str(tiktok_episode.id), "--tiktok")


def test_the_admin_action_queues_a_tiktok_post_run(tiktok_episode, editor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = editor.post(
            reverse("admin:episodes_episode_changelist"),
            {"action": "post_to_tiktok", "_selected_action": [tiktok_episode.id]},
            follow=True,
        )

    post = TikTokPost.objects.get(episode=tiktok_episode)
    text = response.content.decode()
    assert f"TikTok direct post queued (run {post.run_id})" in text and "private (SELF_ONLY)" in text
    assert post.run.kind == PipelineRun.Kind.PUBLISH and post.status == TikTokPost.Status.PENDING
    assert len(callbacks) == 1


def test_the_admin_action_explains_an_episode_without_a_vertical_render(tiktok_episode, editor):
    default_storage.delete(episode_vertical_key(tiktok_episode.id))
    response = editor.post(
        reverse("admin:episodes_episode_changelist"),
        {"action": "draft_to_tiktok", "_selected_action": [tiktok_episode.id]},
        follow=True,
    )
    assert "has no vertical render" in response.content.decode()
    assert not TikTokPost.objects.exists()


def test_the_post_admin_shows_the_forced_private_notice(tiktok_episode, fake_tiktok, editor, user):
    call_command("publish", str(tiktok_episode.id), "--tiktok")
    user.user_permissions.add(Permission.objects.get(codename="view_tiktokpost"))
    post = TikTokPost.objects.get()

    page = editor.get(reverse("admin:rendering_tiktokpost_change", args=[post.id])).content.decode()

    assert "only privately (SELF_ONLY)" in page and "SELF_ONLY" in page
