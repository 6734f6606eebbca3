"""The TikTok client's pure parts (chunk rules, error mapping) and the rate limiter shared through Redis."""

import pytest
import redis
from django.conf import settings

from rendering.publishing.ratelimit import RateLimiter
from rendering.publishing.services import PublishError
from rendering.publishing.tiktok import (
    MAX_CHUNK,
    MB,
    ChunkPlan,
    CreatorInfo,
    TikTokClient,
    TikTokError,
    plan_chunks,
)
from rendering.publishing.tiktok_services import privacy_choice
from tests.rendering.fake_tiktok import chunk_rule_problem

GB = 1024 * MB


@pytest.mark.parametrize(
    ("size", "preferred", "chunk", "count", "last"),
    [
        (1 * MB, 10 * MB, 1 * MB, 1, 1 * MB),  # under 5 MB: whole
        (5 * MB, 10 * MB, 5 * MB, 1, 5 * MB),
        (12 * MB, 5 * MB, 5 * MB, 2, 7 * MB),  # the last chunk takes the remainder
        (12 * MB, 1 * MB, 5 * MB, 2, 7 * MB),  # a chunk under 5 MB is raised to 5
        (200 * MB, 100 * MB, 64 * MB, 3, 72 * MB),  # over 64 MB is lowered to 64
        (20 * GB, 5 * MB, 21474837, 999, 20 * GB - 998 * 21474837),  # at most 1000 chunks: bigger chunks
    ],
)
def test_chunk_plans_follow_tiktoks_rules(size, preferred, chunk, count, last):
    plan = plan_chunks(size, preferred)
    ranges = list(plan.ranges())

    assert (plan.chunk_size, plan.count) == (chunk, count)
    assert ranges[-1][1] - ranges[-1][0] + 1 == last
    assert ranges[0][0] == 0 and ranges[-1][1] == size - 1
    assert all(a[1] + 1 == b[0] for a, b in zip(ranges, ranges[1:], strict=False))  # contiguous, in order
    assert chunk_rule_problem(plan.source_info()) == ""  # and the fake server, which checks them, agrees


@pytest.mark.parametrize(
    ("size", "message"), [(0, "empty"), (70 * GB, "chunk rules"), (1000 * MAX_CHUNK + MAX_CHUNK, "at most")]
)
def test_a_file_no_chunk_plan_can_carry_is_refused(size, message):
    with pytest.raises(TikTokError, match=message):
        plan_chunks(size)


def test_the_largest_file_the_rules_allow_still_plans():
    size = 1000 * MAX_CHUNK + MAX_CHUNK - 1
    plan = plan_chunks(size, MAX_CHUNK)
    assert plan.count == 1000 and list(plan.ranges())[-1] == (999 * MAX_CHUNK, size - 1)


def test_a_plan_the_rules_forbid_is_caught_by_the_fake_server_too():
    assert "floor" in chunk_rule_problem(ChunkPlan(12 * MB, 5 * MB, 3).source_info())
    assert "5-64 MB" in chunk_rule_problem(ChunkPlan(12 * MB, 4 * MB, 3).source_info())


CREATOR = CreatorInfo("streamer", ("PUBLIC_TO_EVERYONE", "SELF_ONLY"))


@pytest.mark.parametrize(
    ("wanted", "audited", "expected"),
    [
        ("", False, ("SELF_ONLY", True)),  # an unaudited app posts privately, and says so
        ("PUBLIC_TO_EVERYONE", False, ("SELF_ONLY", True)),
        ("", True, ("SELF_ONLY", False)),
        ("PUBLIC_TO_EVERYONE", True, ("PUBLIC_TO_EVERYONE", False)),
    ],
)
def test_privacy_choice(wanted, audited, expected):
    assert privacy_choice(wanted=wanted, creator=CREATOR, audited=audited) == expected


def test_a_privacy_level_the_creator_may_not_use_is_refused_by_name():
    with pytest.raises(PublishError, match="MUTUAL_FOLLOW_FRIENDS is not one streamer may use"):
        privacy_choice(wanted="MUTUAL_FOLLOW_FRIENDS", creator=CREATOR, audited=True)


def test_an_unreachable_server_is_transient_and_retried_a_bounded_number_of_times():
    waits = []
    client = TikTokClient(api_base="http://127.0.0.1:9", token=lambda force: "t", max_retries=2, sleep=waits.append)
    with pytest.raises(TikTokError, match="gave up after 3 failures") as raised:
        client.creator_info()
    assert raised.value.transient and waits == [2.0, 4.0]


# --- the rate limiter, on the test Redis ------------------------------------------------------------
class Clock:
    def __init__(self):
        self.now = 1000.0
        self.slept = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


@pytest.fixture
def limiters():
    """Two limiters on one Redis, as two worker processes would have."""
    import uuid

    client = redis.Redis.from_url(settings.REDIS_URL)
    clock = Clock()
    prefix = f"test-limit-{uuid.uuid4().hex}"
    made = [RateLimiter(client, limit=6, window=60, prefix=prefix, clock=clock, sleep=clock.sleep) for _ in range(2)]
    return made, clock


def test_six_requests_a_minute_per_token_across_processes(limiters):
    (first, second), clock = limiters
    for k in range(6):
        (first if k % 2 else second)("token-a")
        clock.now += 1
    assert clock.slept == []

    second("token-a")  # the seventh within the minute waits until the first one leaves the window
    assert clock.slept == [54.0]
    first("token-b")  # another token has its own budget
    assert clock.slept == [54.0]


def test_a_limiter_keeps_no_token_in_the_clear(limiters):
    (first, _), _ = limiters
    first("act.secret-token")
    assert "secret-token" not in first.key("act.secret-token")
    assert first.redis.exists(first.key("act.secret-token"))
