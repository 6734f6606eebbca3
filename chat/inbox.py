"""The Redis inbox between the EventSub webhook and the worker that stores chat.

The webhook claims each message id with ``SET NX`` (kept for longer than the replay window, so a
replayed id is either a known duplicate or too old to pass the timestamp check) and pushes the
notification onto a list, in one atomic script: one round trip per request, nothing stored twice.
The first push after a drain also asks the caller to enqueue one drain task; that task takes the
list in batches and bulk-inserts, so 1,000 messages/s cost a few tasks, not a thousand.

A batch is moved to a list named after the draining task before it is stored, and only deleted
once stored; the list's name goes into a sorted set of leases, scored with the time of the claim. A
task retried after a transient error (same task id) stores its list first. A list whose lease is
older than ``CHAT_INBOX_LEASE_SECONDS`` belongs to a worker that died or gave up: ``requeue_script``
moves it back to the inbox. Storing twice is harmless (unique message ids), so nothing needs to know
whether its worker is really gone. The lists do not expire: nothing received is dropped unseen.
"""

from __future__ import annotations

from datetime import timedelta

from chat.eventsub import REPLAY_WINDOW

SEEN_PREFIX = "chat:eventsub:seen:"
INBOX = "chat:eventsub:inbox"
DRAIN_SCHEDULED = "chat:eventsub:drain-scheduled"
PROCESSING_PREFIX = "chat:eventsub:processing:"
LEASES = "chat:eventsub:leases"

# Timestamps up to one window in the future pass the check too; keep ids for both sides plus a minute.
SEEN_TTL = int((2 * REPLAY_WINDOW + timedelta(minutes=1)).total_seconds())
# If a drain task is lost (broker flushed), the next message schedules another after this long.
DRAIN_FLAG_TTL = 60

DUPLICATE, QUEUED, QUEUED_SCHEDULE_DRAIN = 0, 1, 2

# KEYS: seen key, inbox, drain flag. ARGV: seen ttl, payload, flag ttl.
_ENQUEUE = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end
if ARGV[2] == '' then return 1 end
redis.call('RPUSH', KEYS[2], ARGV[2])
if redis.call('SET', KEYS[3], '1', 'NX', 'EX', ARGV[3]) then return 2 end
return 1
"""

# KEYS: inbox, processing list, leases. ARGV: batch size, now (epoch seconds).
_CLAIM = """
local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #items > 0 then
  redis.call('LTRIM', KEYS[1], #items, -1)
  redis.call('RPUSH', KEYS[2], unpack(items))
  redis.call('ZADD', KEYS[3], ARGV[2], KEYS[2])
end
return items
"""

# KEYS: leases, inbox. ARGV: cutoff (epoch seconds). The lists named in the leases set are the keys
# this script touches besides KEYS: fine on one Redis, which is what the project uses (not Cluster).
# Unpacked in slices: Lua's stack takes a few thousand values at most.
_REQUEUE = """
local moved = 0
for _, list in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])) do
  local items = redis.call('LRANGE', list, 0, -1)
  for first = 1, #items, 1000 do
    redis.call('RPUSH', KEYS[2], unpack(items, first, math.min(first + 999, #items)))
  end
  moved = moved + #items
  redis.call('DEL', list)
  redis.call('ZREM', KEYS[1], list)
end
return moved
"""


def payload(timestamp: str, body: bytes) -> bytes:
    """What the worker needs: the signed timestamp (the event time) and the raw body."""
    return timestamp.encode() + b"\n" + body


def split_payload(item: bytes) -> tuple[str, bytes]:
    timestamp, _, body = item.partition(b"\n")
    return timestamp.decode(), body


def enqueue_script(client):
    """``script(keys=[seen, INBOX, DRAIN_SCHEDULED], args=[SEEN_TTL, payload, DRAIN_FLAG_TTL])``.

    Works with a sync or an asyncio Redis client. An empty payload claims the id without queueing.
    """
    return client.register_script(_ENQUEUE)


def claim_script(client):
    """``script(keys=[INBOX, processing list, LEASES], args=[batch size, now])``: the claimed items."""
    return client.register_script(_CLAIM)


def requeue_script(client):
    """``script(keys=[LEASES, INBOX], args=[cutoff])``: move lists leased before ``cutoff`` back to the
    inbox; returns how many items moved."""
    return client.register_script(_REQUEUE)


def seen_key(message_id: str) -> str:
    return SEEN_PREFIX + message_id


def processing_key(task_id: str) -> str:
    return PROCESSING_PREFIX + task_id
