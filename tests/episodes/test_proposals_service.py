"""The propose step and the streamer's edits, on the real database: what a re-run keeps, what it replaces."""

import subprocess

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse

from episodes.models import Episode, Highlight
from episodes.proposals import services
from episodes.proposals.marks import highlight_mark, highlight_update
from episodes.proposals.selectors import stream_summaries
from episodes.proposals.services import ProposalError, stream_propose
from pipeline.models import PipelineRun, RunStatus
from streams.models import Series

pytestmark = pytest.mark.django_db


def proposals(stream):
    return list(Episode.objects.filter(stream=stream).order_by("order"))


def test_speech_between_long_silences_becomes_proposed_episodes_named_by_the_series(make_stream, user):
    series = Series.objects.create(owner=user, name="Mining", episode_title_template="{series} #{order}: {title}")
    stream = make_stream(user, series=series)
    seen = []

    result = stream_propose(stream_id=stream.id, progress=seen.append)

    episodes = proposals(stream)
    assert [e.tracks for e in episodes] == [
        [{"start": 0.0, "end": 100.0}],
        [{"start": 180.0, "end": 380.0}],
        [{"start": 450.0, "end": 700.0}],
    ]
    assert [e.title for e in episodes] == ["Mining #1: Cave build", "Mining #2: Cave build", "Mining #3: Cave build"]
    assert {e.status for e in episodes} == {Episode.Status.PROPOSED}
    assert all(e.chapters and e.chapters[0]["start"] == 0 for e in episodes)
    assert seen == sorted(seen) and seen[-1] == 1.0
    assert result.episodes == 3 and result.episodes_kept == 0


def test_the_loud_moment_with_chat_after_it_is_the_top_highlight_with_its_reason(recorded):
    result = stream_propose(stream_id=recorded.id)

    top = Highlight.objects.filter(stream=recorded).order_by("-score").first()
    assert top.source == Highlight.Source.SCORED and top.status == Highlight.Status.PROPOSED
    assert top.start <= 253 <= top.end
    assert "chat ×" in top.reason and "loudness +" in top.reason
    assert top.parts["chat"]["lag"] == result.chat_lag and 0 <= result.chat_lag <= 20


def test_a_rerun_replaces_proposals_and_keeps_what_the_streamer_accepted_edited_or_rejected(recorded):
    stream_propose(stream_id=recorded.id)
    first, second, third = proposals(recorded)
    services.episode_accept(episode=first)
    services.episode_rename(episode=second, title="The big dig")
    services.episode_reject(episode=third)
    top = Highlight.objects.filter(stream=recorded).order_by("-score").first()
    highlight_update(highlight=top, status=Highlight.Status.ACCEPTED)
    plain = Highlight.objects.create(stream=recorded, start=10.0, end=40.0, peak=20.0, score=1.5)
    manual = highlight_mark(stream=recorded, at=600.0, marked_by="streamer")

    result = stream_propose(stream_id=recorded.id)

    kept = proposals(recorded)
    assert [(e.id, e.status, e.title) for e in kept] == [
        (first.id, Episode.Status.DRAFT, first.title),
        (second.id, Episode.Status.PROPOSED, "The big dig"),
        (third.id, Episode.Status.REJECTED, third.title),
    ]
    assert result.episodes == 0 and result.episodes_kept == 3  # nothing proposed twice over them
    assert not Highlight.objects.filter(id=plain.id).exists()  # a plain proposal is replaced
    assert Highlight.objects.get(id=top.id).status == Highlight.Status.ACCEPTED
    assert Highlight.objects.get(id=manual.id).source == Highlight.Source.MANUAL
    overlapping = Highlight.objects.filter(stream=recorded, start__lt=top.end, end__gt=top.start)
    assert list(overlapping) == [top]  # nothing proposed again over what the streamer kept


def test_a_rerun_makes_no_duplicates(recorded):
    stream_propose(stream_id=recorded.id)
    before = (Episode.objects.count(), Highlight.objects.count())

    stream_propose(stream_id=recorded.id)

    assert (Episode.objects.count(), Highlight.objects.count()) == before


def test_the_rule_is_set_per_series(make_stream, user):
    series = Series.objects.create(owner=user, name="Short", proposal_settings={"min_speech": 150})
    stream = make_stream(user, series=series)

    stream_propose(stream_id=stream.id)

    assert [e.tracks for e in proposals(stream)] == [[{"start": 180.0, "end": 380.0}], [{"start": 450.0, "end": 700.0}]]


def test_unusable_series_settings_fail_the_step_with_the_reason(make_stream, user):
    series = Series.objects.create(owner=user, name="Broken")
    Series.objects.filter(id=series.id).update(proposal_settings={"window": "long"})  # past the validator
    stream = make_stream(user, series=series)

    with pytest.raises(ValueError, match="series 'Broken' has unusable proposal settings: window: must be a number"):
        stream_propose(stream_id=stream.id)


def test_without_a_summary_engine_titles_come_from_the_template(recorded):
    assert stream_summaries(list(recorded.clips.all())) == {}
    stream_propose(stream_id=recorded.id)
    assert proposals(recorded)[0].title == "Cave build - Episode 1"


def test_accepting_makes_a_draft_with_its_cut_list_over_the_clips(recorded):
    stream_propose(stream_id=recorded.id)
    episode = proposals(recorded)[1]

    services.episode_accept(episode=episode, title="Dig day")

    stored = Episode.objects.get(id=episode.id)
    assert (stored.status, stored.title) == (Episode.Status.DRAFT, "Dig day")
    assert stored.edited_at is not None
    media = stored.cut_list["inputMedia"]
    assert [m["s3Location"] for m in media] == [recorded.clips.get(order=0).file.name]
    assert media[0]["sections"] == [{"startFrame": 180 * 30, "endFrame": 380 * 30}]
    with pytest.raises(ProposalError, match="only a proposal can be accepted"):
        services.episode_accept(episode=stored)


def test_an_episode_over_two_recordings_cuts_both(recorded):
    stream_propose(stream_id=recorded.id)
    first, second, third = proposals(recorded)
    services.episode_trim(episode=third, start=300.0, end=500.0)

    services.episode_accept(episode=third)

    media = Episode.objects.get(id=third.id).cut_list["inputMedia"]
    assert [len(m["sections"]) for m in media] == [1, 1]


def test_reject_then_reopen(recorded):
    stream_propose(stream_id=recorded.id)
    episode = proposals(recorded)[0]

    services.episode_reject(episode=episode)
    with pytest.raises(ProposalError, match="only a proposal can be rejected"):
        services.episode_reject(episode=episode)
    services.episode_reopen(episode=episode)

    assert Episode.objects.get(id=episode.id).status == Episode.Status.PROPOSED
    with pytest.raises(ProposalError, match="only a rejected proposal or a draft can be reopened"):
        services.episode_reopen(episode=episode)


def test_trim_split_merge(recorded):
    stream_propose(stream_id=recorded.id)
    first, second, third = proposals(recorded)

    services.episode_trim(episode=second, start=190.5, end=370.25)
    assert Episode.objects.get(id=second.id).tracks == [{"start": 190.5, "end": 370.25}]

    kept, new = services.episode_split(episode=second, at=300.0)
    assert (kept.tracks, new.tracks) == ([{"start": 190.5, "end": 300.0}], [{"start": 300.0, "end": 370.25}])
    assert new.edited_at is not None and new.status == Episode.Status.PROPOSED

    merged = services.episode_merge(episode=first, other=new)
    assert merged.tracks == [{"start": 0.0, "end": 100.0}, {"start": 300.0, "end": 370.25}]
    assert not Episode.objects.filter(id=new.id).exists()


@pytest.mark.parametrize(
    ("action", "arguments", "message"),
    [
        ("episode_trim", {"start": 10.0, "end": 900.0}, "outside the stream"),
        ("episode_trim", {"start": 50.0, "end": 20.0}, "in point before"),
        ("episode_trim", {"start": "soon", "end": 20.0}, "must be a number"),
        ("episode_split", {"at": 100.0}, "not inside the episode"),
        ("episode_rename", {"title": "  "}, "a title is required"),
        ("episode_rename", {"title": "x" * 201}, "at most 200 characters"),
    ],
)
def test_bad_edits_are_refused_and_change_nothing(recorded, action, arguments, message):
    stream_propose(stream_id=recorded.id)
    episode = proposals(recorded)[0]
    before = (episode.tracks, episode.title, episode.edited_at)

    with pytest.raises(ProposalError, match=message):
        getattr(services, action)(episode=episode, **arguments)

    stored = Episode.objects.get(id=episode.id)
    assert (stored.tracks, stored.title, stored.edited_at) == before


def test_merging_across_streams_or_a_rendered_episode_is_refused(make_stream, user):
    one, two = make_stream(user, title="One"), make_stream(user, title="Two")
    stream_propose(stream_id=one.id)
    stream_propose(stream_id=two.id)
    a, b = proposals(one)[:2]

    with pytest.raises(ProposalError, match="different streams"):
        services.episode_merge(episode=a, other=proposals(two)[0])
    with pytest.raises(ProposalError, match="with itself"):
        services.episode_merge(episode=a, other=a)
    Episode.objects.filter(id=b.id).update(rendered_file="renders/b.mp4")
    from episodes.services import episode_set_status

    episode_set_status(episode_id=b.id, status=Episode.Status.RENDERED)
    b.refresh_from_db()
    with pytest.raises(ProposalError, match="cannot merge episode .* it is rendered"):
        services.episode_merge(episode=a, other=b)
    assert Episode.objects.filter(id=b.id).exists()


def test_reprocess_runs_the_propose_step_here(recorded):
    call_command("reprocess", str(recorded.id), "--step", "propose", "--here")

    run = PipelineRun.objects.get(stream=recorded)
    assert run.status == RunStatus.COMPLETED
    assert Episode.objects.filter(stream=recorded, status=Episode.Status.PROPOSED).count() == 3
    assert Highlight.objects.filter(stream=recorded).exists()


def test_the_propose_again_action_queues_one_proposals_step_per_stream(recorded, client, user):
    user.is_staff = True
    user.save()
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_stream", "change_stream"]))
    client.force_login(user)

    response = client.post(
        reverse("admin:streams_stream_changelist"),
        {"action": "propose_streams", "_selected_action": [recorded.id]},
        follow=True,
    )

    run = PipelineRun.objects.get(stream=recorded)
    assert list(run.steps.values_list("name", "clip_id")) == [("propose", None)]
    assert any(f"propose queued as pipeline run #{run.id}" in str(m) for m in response.context["messages"])


@pytest.fixture
def tone_bursts(tmp_path, ffmpeg):
    """A recording with a tone 2.5-20.25 s and 45.125-70 s, quiet otherwise (the truth to the sample)."""
    path = tmp_path / "2026-05-01 19-00-00.mkv"
    gate = "between(t,2.5,20.25)+between(t,45.125,70)"
    subprocess.run(
        [ffmpeg, "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x90:rate=10:duration=80"]
        + ["-f", "lavfi", "-i", f"aevalsrc='0.3*sin(2*PI*330*t)*({gate})':s=48000:d=80"]
        + ["-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest", str(path)],
        check=True,
    )
    return path


def test_real_media_through_the_real_analysis_gives_edges_within_50_ms(tone_bursts, user):
    from streams.analysis.services import clip_analyse
    from streams.services import stream_ingest

    stream = stream_ingest(owner=user, paths=[tone_bursts], title="Bursts", process=False).stream
    stream.series = Series.objects.create(
        owner=user, name="Short", proposal_settings={"min_silence": 10, "min_speech": 5}
    )
    stream.save()
    clip_analyse(clip_id=stream.clips.get().id)

    stream_propose(stream_id=stream.id)

    found = [e.tracks[0] for e in proposals(stream)]
    truth = [(2.5, 20.25), (45.125, 70.0)]
    assert len(found) == 2
    for track, (start, end) in zip(found, truth, strict=True):
        assert abs(track["start"] - start) <= 0.05 and abs(track["end"] - end) <= 0.05
