"""EventSub webhook under load: signed chat notifications to the real ASGI server on loopback.

Starts uvicorn (``config.asgi``) on a free port and a Celery worker on the ``io`` queue, sends
notifications as fast as the server accepts them for ``--seconds`` (5% repeated message ids, 1% forged
signatures), waits for the worker to drain, then counts stored rows against unique valid messages.
The client is a minimal HTTP/1.1 keep-alive client on asyncio streams: on two shared cores a full
client library (aiohttp costs about 0.5 ms per request, twice the server) would measure itself.

    python benchmarks/eventsub_load.py [--seconds 30] [--connections 64]
    python benchmarks/eventsub_load.py --seconds 10 --kill-worker --restart-redis --poison-rate 0.01

Target (issue 4): >= 1,000 valid messages/s on a 2-core machine, stored rows == unique valid messages,
every forged message rejected. Uses its own data directory (``var/bench`` unless STUDIO_VAR_DIR is set).

Faults (issue 15, "nothing received is lost"): ``--kill-worker`` SIGKILLs the Celery worker (its whole
process group) at 40% of the load and starts a new one; ``--restart-redis`` SIGKILLs the embedded Redis
at 70% and starts it again a second later (it keeps an append-only file, fsynced every second);
``--poison-rate`` sends that share of signed notifications with a 106-character message id, which must
be dead-lettered without sinking their batch. A 5xx is retried with the same message, as Twitch does.
With faults, the worker's batch lease (CHAT_INBOX_LEASE_SECONDS) is 5 s and this script queues a drain
every 2 s while it waits, standing in for beat's drain every minute.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET = "benchmark-eventsub-secret"
BROADCASTER_ID = "990001"
PATH = "/twitch/eventsub/"
SUBSCRIPTION_ID = "bench-" + uuid.uuid4().hex
os.environ.setdefault("STUDIO_VAR_DIR", str(ROOT / "var" / "bench"))
os.environ["TWITCH_EVENTSUB_SECRET"] = SECRET
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, str(ROOT))

import django  # noqa: E402
import uvloop  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from redis.exceptions import RedisError  # noqa: E402

from chat import inbox  # noqa: E402
from chat.eventsub import format_timestamp, message_headers  # noqa: E402
from chat.models import ChatDeadLetter, ChatMessage, EventSubSubscription, TwitchLink  # noqa: E402
from chat.services import redis_client  # noqa: E402
from chat.tasks import store_eventsub_notifications  # noqa: E402
from config import embedded  # noqa: E402

BODY = (
    '{"subscription":{"id":"%(sub)s","status":"enabled","type":"channel.chat.message","version":"1",'
    '"condition":{"broadcaster_user_id":"%(b)s","user_id":"%(b)s"},"transport":{"method":"webhook",'
    '"callback":"https://studio.example.com/twitch/eventsub/"},"created_at":"2026-05-01T12:00:00Z","cost":0},'
    '"event":{"broadcaster_user_id":"%(b)s","broadcaster_user_login":"benchstreamer",'
    '"broadcaster_user_name":"BenchStreamer","chatter_user_id":"%(c)d","chatter_user_login":"viewer%(c)d",'
    '"chatter_user_name":"Viewer%(c)d","message_id":"%(m)s","message":{"text":"message %(n)d Kappa",'
    '"fragments":[{"type":"text","text":"message %(n)d Kappa"}]},"color":"#1E90FF","badges":[],'
    '"message_type":"text"}}'
)


def gone(pid: int) -> bool:
    """Exited, reaped or not: a daemon's zombie waits for whoever adopted it (Linux /proc)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in "ZX"
    except (OSError, IndexError):
        return True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def setup_owner():
    call_command("migrate", verbosity=0)
    user, _ = get_user_model().objects.get_or_create(username="eventsub-bench")
    ChatMessage.objects.filter(owner=user).delete()
    ChatDeadLetter.objects.filter(owner=user).delete()
    TwitchLink.objects.filter(owner=user).delete()
    link = TwitchLink.objects.create(owner=user, twitch_user_id=BROADCASTER_ID, login="benchstreamer")
    EventSubSubscription.objects.create(
        owner=user,
        link=link,
        twitch_id=SUBSCRIPTION_ID,
        status="enabled",
        callback_url="https://studio.example.com/twitch/eventsub/",
    )
    client = redis_client()
    for key in (inbox.INBOX, inbox.DRAIN_SCHEDULED, inbox.LEASES, *client.scan_iter(inbox.PROCESSING_PREFIX + "*")):
        client.delete(key)
    return user


def start(argv: list[str], log: Path, append: bool = False) -> subprocess.Popen:
    return subprocess.Popen(
        argv,
        cwd=ROOT,
        stdout=log.open("a" if append else "w"),
        stderr=subprocess.STDOUT,
        env=os.environ.copy(),
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


async def wait_for_port(port: int, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"server exited:\n{log.read_text()[-3000:]}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.2)
    raise SystemExit("server did not start in 60 s")


class Load:
    def __init__(self, seconds: float, poison_rate: float = 0.0, seed: int = 7) -> None:
        self.seconds = seconds
        self.poison_rate = poison_rate
        self.random = random.Random(seed)
        self.sent_valid: list[tuple[bytes, dict]] = []
        self.counts = {
            "valid_sent": 0,
            "valid_accepted": 0,
            "duplicate_sent": 0,
            "duplicate_acked": 0,
            "duplicate_stored_again": 0,
            "forged_sent": 0,
            "forged_rejected": 0,
            "poison_sent": 0,
            "poison_accepted": 0,
            "retried_5xx": 0,
            "unexpected": 0,
        }
        self.unexpected: list[str] = []

    def next_message(self) -> tuple[str, bytes, dict]:
        roll = self.random.random()
        if roll < 0.05 and self.sent_valid:
            body, headers = self.random.choice(self.sent_valid)
            return "duplicate", body, headers
        n = self.counts["valid_sent"] + self.counts["forged_sent"] + self.counts["poison_sent"]
        poison = 0.05 <= roll < 0.05 + self.poison_rate
        message_id = f"{'x' * 70}{uuid.uuid4()}" if poison else uuid.uuid4()
        body = (BODY % {"sub": SUBSCRIPTION_ID, "b": BROADCASTER_ID, "c": n % 500, "m": message_id, "n": n}).encode()
        forged = roll > 0.99
        headers = message_headers(
            "forged-" + SECRET if forged else SECRET,
            body,
            message_id=str(uuid.uuid4()),
            timestamp=format_timestamp(datetime.now(UTC)),
            message_type="notification",
        )
        return ("forged" if forged else "poison" if poison else "valid"), body, headers

    async def sender(self, host: str, port: int, deadline: float) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.monotonic() < deadline:
                kind, body, headers = self.next_message()
                self.counts[f"{kind}_sent"] += 1
                head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
                request = (
                    f"POST {PATH} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\n{head}\r\n".encode()
                    + body
                )
                retried = False
                for _ in range(200):  # Twitch retries a 5xx with the same message (id, timestamp, body)
                    writer.write(request)
                    status, duplicate = await read_response(reader)
                    if status < 500:
                        break
                    self.counts["retried_5xx"] += 1
                    retried = True
                    await asyncio.sleep(0.1)
                self.tally(kind, status, duplicate, retried, body, headers)
        finally:
            writer.close()

    def tally(self, kind: str, status: int, duplicate: bool, retried: bool, body: bytes, headers: dict) -> None:
        # After a 5xx, "duplicate" means that an earlier try was taken: still accepted once.
        if kind == "valid" and status == 204 and (retried or not duplicate):
            self.counts["valid_accepted"] += 1
            self.sent_valid.append((body, headers))  # only answered ones are repeated: no race with the first
        elif kind == "poison" and status == 204 and (retried or not duplicate):
            self.counts["poison_accepted"] += 1
        elif kind == "duplicate" and status == 204:
            self.counts["duplicate_acked"] += 1
            self.counts["duplicate_stored_again"] += not duplicate
        elif kind == "forged" and status == 403:
            self.counts["forged_rejected"] += 1
        else:
            self.counts["unexpected"] += 1
            if len(self.unexpected) < 5:
                self.unexpected.append(f"{kind}: HTTP {status}")

    async def run(self, host: str, port: int, connections: int, faults=()) -> float:
        """``faults``: (share of the load, blocking function) pairs, each run in a thread at its time."""
        started = time.monotonic()
        deadline = started + self.seconds

        async def at(share: float, fault) -> None:
            await asyncio.sleep(share * self.seconds)
            await asyncio.to_thread(fault)

        await asyncio.gather(
            *(self.sender(host, port, deadline) for _ in range(connections)), *(at(*fault) for fault in faults)
        )
        return time.monotonic() - started


class Faults:
    """Kill the worker (and start another), kill the embedded Redis (and start it again)."""

    def __init__(self, worker_argv: list[str], worker_log: Path, started: float) -> None:
        self.worker_argv = worker_argv
        self.worker_log = worker_log
        self.worker = start(worker_argv, worker_log)
        self.started = started
        self.events: list[str] = []

    def kill_worker(self) -> None:
        """SIGKILL the worker while it holds a claimed batch (waiting up to 5 s for one)."""
        client, held = redis_client(), 0
        deadline = time.monotonic() + 5
        while not held and time.monotonic() < deadline:
            held = sum(client.llen(key) for key in client.zrange(inbox.LEASES, 0, -1))
            time.sleep(0.002)
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait()
        self.events.append(
            f"worker SIGKILLed at {time.monotonic() - self.started:.1f} s holding a claimed batch of {held}"
        )
        self.worker = start(self.worker_argv, self.worker_log, append=True)

    def restart_redis(self) -> None:
        pid = embedded.redis_pid(settings.VAR_DIR)
        os.kill(pid, signal.SIGKILL)
        killed = time.monotonic()
        while not gone(pid):
            time.sleep(0.01)
        time.sleep(1)
        embedded.redis_start(settings.VAR_DIR)
        self.events.append(
            f"Redis SIGKILLed at {killed - self.started:.1f} s, answering again {time.monotonic() - killed:.1f} s later"
        )


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    head = (await reader.readuntil(b"\r\n\r\n")).lower()
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line.startswith(b"content-length:"):
            length = int(line[15:])
    if length:
        await reader.readexactly(length)
    return status, b"x-eventsub-duplicate: 1" in head


def cpu_seconds(root_pid: int) -> float:
    """User + system CPU of a process and its descendants, from /proc (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    stats = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    tree, total = {root_pid}, 0
    for _ in range(4):
        tree |= {pid for pid, (parent, _) in stats.items() if parent in tree}
    for pid in tree:
        total += stats.get(pid, (0, 0))[1]
    return total / ticks


def wait_for_worker(timeout: float = 60) -> None:
    from config.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.control.ping(timeout=0.5):
            return
    raise SystemExit(f"the worker did not answer in {timeout:.0f} s")


def wait_for_drain(owner, expected: int, poison: int, beat: bool, timeout: float = 180) -> tuple[int, float]:
    started = time.monotonic()
    client = redis_client()
    stored, last_beat = -1, 0.0
    while time.monotonic() - started < timeout:
        try:
            if beat and time.monotonic() - last_beat > 2:
                store_eventsub_notifications.delay()
                last_beat = time.monotonic()
            stored = ChatMessage.objects.filter(owner=owner).count()
            dead = ChatDeadLetter.objects.filter(owner=owner).count()
            if client.llen(inbox.INBOX) == 0 and stored >= expected and dead >= poison:
                break
        except (RedisError, OSError):
            pass  # Redis still coming back
        time.sleep(0.5)
    # Let a straggling batch land, so "no extra rows" is checked too.
    time.sleep(1)
    return ChatMessage.objects.filter(owner=owner).count(), time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--server", choices=["uvicorn", "daphne"], default="uvicorn")
    parser.add_argument("--server-workers", type=int, default=1, help="uvicorn only")
    parser.add_argument("--worker-concurrency", type=int, default=1)
    parser.add_argument("--kill-worker", action="store_true", help="SIGKILL the worker at 40%% of the load")
    parser.add_argument("--restart-redis", action="store_true", help="SIGKILL the embedded Redis at 70%% of the load")
    parser.add_argument("--poison-rate", type=float, default=0.0, help="share of unstorable notifications")
    args = parser.parse_args()
    if args.restart_redis and os.environ.get("REDIS_URL"):
        raise SystemExit("--restart-redis restarts the embedded Redis: unset REDIS_URL")
    faulty = args.kill_worker or args.restart_redis
    if faulty:
        os.environ["CHAT_INBOX_LEASE_SECONDS"] = "5"

    owner = setup_owner()
    logs = Path(os.environ["STUDIO_VAR_DIR"])
    port = free_port()
    python = sys.executable
    if args.server == "uvicorn":
        argv = [
            "-m",
            "uvicorn",
            "config.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(args.server_workers),
            "--no-access-log",
            "--log-level",
            "warning",
            "--loop",
            "uvloop",
            "--http",
            "httptools",
        ]
    else:
        argv = ["-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "-v", "0", "config.asgi:application"]
    server_log = logs / f"bench-{args.server}.log"
    server = start([python, *argv], server_log)
    worker_argv = [
        python,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "-Q",
        "io",
        "-c",
        str(args.worker_concurrency),
        "--loglevel",
        "WARNING",
        "-n",
        f"bench-{port}@%h",
    ]
    faults = Faults(worker_argv, logs / "bench-worker.log", time.monotonic())
    try:
        asyncio.run(wait_for_port(port, server, server_log))
        wait_for_worker()
        load = Load(args.seconds, poison_rate=args.poison_rate)
        # A killed worker's CPU time is gone with it: count the worker only when it is not killed.
        processes = (("server", server.pid),) + ((("worker", faults.worker.pid),) if not args.kill_worker else ())
        cpu_before = {name: cpu_seconds(pid) for name, pid in processes}
        client_before = time.process_time()
        planned = [(0.4, faults.kill_worker)] * args.kill_worker + [(0.7, faults.restart_redis)] * args.restart_redis
        faults.started = time.monotonic()
        elapsed = uvloop.run(load.run("127.0.0.1", port, args.connections, planned))
        cpu = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in processes}
        cpu["client"] = time.process_time() - client_before
        unique_valid = load.counts["valid_accepted"]
        stored, drain_s = wait_for_drain(owner, unique_valid, load.counts["poison_accepted"], beat=faulty)
        dead_lettered = ChatDeadLetter.objects.filter(owner=owner).count()
    finally:
        stop(server)
        stop(faults.worker)

    c = load.counts
    total = c["valid_sent"] + c["duplicate_sent"] + c["forged_sent"]
    rate = unique_valid / elapsed
    print(
        f"duration {elapsed:.1f} s, {args.connections} connections, {args.server} "
        f"(workers {args.server_workers if args.server == 'uvicorn' else 1}), "
        f"cpu cores {os.cpu_count()}"
    )
    print(
        f"requests {total} ({total / elapsed:.0f}/s): valid {c['valid_sent']}, duplicates {c['duplicate_sent']}, "
        f"forged {c['forged_sent']}"
    )
    print(
        "CPU seconds during the load: "
        + ", ".join(f"{name} {used:.1f}" for name, used in cpu.items())
        + f" (server {1000 * cpu['server'] / max(total, 1):.3f} ms per request)"
    )
    print(f"accepted valid messages/s: {rate:.0f} (target 1000: ratio {rate / 1000:.2f})")
    print(
        f"duplicates acknowledged: {c['duplicate_acked']}/{c['duplicate_sent']} "
        f"(treated as new: {c['duplicate_stored_again']})"
    )
    print(f"forged rejected (403): {c['forged_rejected']}/{c['forged_sent']}")
    if faulty or args.poison_rate:
        print("faults: " + ("; ".join(faults.events) or "none"))
        print(f"5xx answers retried with the same message: {c['retried_5xx']}")
        print(f"dead-lettered {dead_lettered} / poison notifications accepted {c['poison_accepted']}")
    print(
        f"stored rows {stored} / unique valid messages {unique_valid} (ratio {stored / max(unique_valid, 1):.4f}); "
        f"drained {drain_s:.1f} s after the load stopped"
    )
    if c["unexpected"]:
        print(f"unexpected answers: {c['unexpected']} e.g. {load.unexpected}")
    ok = (
        stored == unique_valid
        and c["forged_rejected"] == c["forged_sent"]
        and not c["unexpected"]
        and c["duplicate_stored_again"] == 0
        and dead_lettered == c["poison_accepted"]
    )
    print("RESULT", "PASS" if ok and rate >= 1000 else ("PASS (correctness), BELOW TARGET RATE" if ok else "FAIL"))
    get_user_model().objects.filter(pk=owner.pk).delete()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
