"""The Redis inbox between the EventSub webhook and the worker that stores chat.

The webhook claims each message id with ``SET NX`` (kept for longer than the replay window, so a
replayed id is either a known duplicate or too old to pass the timestamp check) and pushes the
notification onto a list, in one atomic script: one round trip per request, nothing stored twice.
The first push after a drain also asks the caller to enqueue one drain task; that task takes the
list in batches and bulk-inserts, so 1,000 messages/s cost a few tasks, not a thousand.

A batch is moved to a list named after the draining task before it is stored, and only deleted
once stored: a worker killed mid-batch gets the same task id back (acks_late) and stores it again
(idempotent: unique message ids).
"""

from __future__ import annotations

from datetime import timedelta

from chat.eventsub import REPLAY_WINDOW

SEEN_PREFIX = "chat:eventsub:seen:"
INBOX = "chat:eventsub:inbox"
DRAIN_SCHEDULED = "chat:eventsub:drain-scheduled"
PROCESSING_PREFIX = "chat:eventsub:processing:"

# Timestamps up to one window in the future pass the check too; keep ids for both sides plus a minute.
SEEN_TTL = int((2 * REPLAY_WINDOW + timedelta(minutes=1)).total_seconds())
# If a drain task is lost (broker flushed), the next message schedules another after this long.
DRAIN_FLAG_TTL = 60
PROCESSING_TTL = 7 * 24 * 3600

DUPLICATE, QUEUED, QUEUED_SCHEDULE_DRAIN = 0, 1, 2

# KEYS: seen key, inbox, drain flag. ARGV: seen ttl, payload, flag ttl.
_ENQUEUE = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then return 0 end
if ARGV[2] == '' then return 1 end
redis.call('RPUSH', KEYS[2], ARGV[2])
if redis.call('SET', KEYS[3], '1', 'NX', 'EX', ARGV[3]) then return 2 end
return 1
"""

# KEYS: inbox, processing list. ARGV: batch size, processing ttl.
_CLAIM = """
local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #items > 0 then
  redis.call('LTRIM', KEYS[1], #items, -1)
  redis.call('RPUSH', KEYS[2], unpack(items))
  redis.call('EXPIRE', KEYS[2], ARGV[2])
end
return items
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
    return client.register_script(_CLAIM)


def seen_key(message_id: str) -> str:
    return SEEN_PREFIX + message_id


def processing_key(task_id: str) -> str:
    return PROCESSING_PREFIX + task_id
