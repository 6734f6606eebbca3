"""Widget fan-out: N websocket clients on one widget, the streamer sends M actions; latency action -> receipt.

Target (issue 4): with 500 clients and 100 actions, p99 <= 100 ms and no client misses an update.

    python benchmarks/widget_fanout.py                      # 500 clients, 100 actions 0.1 s apart, one uvicorn
    python benchmarks/widget_fanout.py --asgi-servers uvicorn,daphne  # side by side: the two ASGI servers
    python benchmarks/widget_fanout.py --processes 2        # clients spread over two server processes
    python benchmarks/widget_fanout.py --interval 0         # the 100 actions back to back (a burst)
    python benchmarks/widget_fanout.py --layers pubsub,core # side by side: pub/sub vs list-based layer

Runs against the project's database and Redis (embedded ones under var/ unless DATABASE_URL/REDIS_URL are
set), starts the ASGI server itself on loopback (the way production does: widgets/liveserver.py) and
removes its user and widget afterwards. Half the clients connect
with the widget's access token (like OBS pages), half with the user's API token and WIDGET_SUBSCRIBE. Each
action is ``set_duration`` with a distinct value, so every client's receipt is matched to its action.
Latency is measured on one clock (all clients and the streamer live in this process). The CPU time the
server spends per action is printed too: on a shared machine it says more than wall-clock latency does.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import django
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent

BASE = 10_000  # action i sets duration_left to BASE + i
TARGET_P99_MS = 100.0


class Client:
    def __init__(self, index: int, url: str, origin: str, subscribe_to: int | None) -> None:
        self.index, self.url, self.origin, self.subscribe_to = index, url, origin, subscribe_to
        self.received: dict[int, float] = {}
        self.pushed: dict[int, float] = {}  # server clock when the change was broadcast (time.time())
        self.ready = asyncio.Event()

    async def run(self, done: asyncio.Event) -> None:
        async with connect(self.url, origin=self.origin, compression=None, open_timeout=60, max_queue=None) as ws:
            if self.subscribe_to is not None:
                await ws.send(json.dumps({"type": "WIDGET_SUBSCRIBE", "widgetId": self.subscribe_to}))
            reader = asyncio.create_task(self._read(ws))
            await done.wait()
            reader.cancel()

    async def _read(self, ws) -> None:
        async for raw in ws:
            now = time.perf_counter()
            message = json.loads(raw)
            if message["type"] == "WIDGET_INITIAL_STATE":
                self.ready.set()
            elif message["type"] == "WIDGET_STATE_UPDATE":
                action = round(message["state"]["duration_left"]) - BASE
                self.received[action] = now
                self.pushed[action] = message["timestamp"]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def measure(servers: list, widget, user_token: str, clients: int, actions: int,
                  interval: float) -> tuple[list[float], int]:
    done = asyncio.Event()
    fleet = []
    for index in range(clients):
        server = servers[index % len(servers)]
        by_widget_token = index % 2 == 0
        token = widget.access_token if by_widget_token else user_token
        fleet.append(Client(index, server.websocket_url(token), server.url, None if by_widget_token else widget.id))
    tasks = []
    for start in range(0, clients, 50):  # connect in batches: a SYN flood of 500 is not what is measured
        batch = fleet[start:start + 50]
        tasks += [asyncio.create_task(client.run(done)) for client in batch]
        await asyncio.wait_for(asyncio.gather(*(client.ready.wait() for client in batch)), timeout=120)
    print(f"{clients} clients connected and subscribed", flush=True)

    sent: dict[int, float] = {}
    sent_wall: dict[int, float] = {}
    cpu_before = [server.cpu_seconds() for server in servers], time.process_time()
    async with connect(servers[0].websocket_url(user_token), origin=servers[0].url, compression=None) as streamer:
        responses = asyncio.create_task(_drain(streamer, actions))
        for i in range(actions):
            sent[i], sent_wall[i] = time.perf_counter(), time.time()
            payload = {"duration": BASE + i}
            await streamer.send(json.dumps({"type": "WIDGET_ACTION", "widgetId": widget.id, "action": "set_duration",
                                            "payload": payload}))
            await asyncio.sleep(interval)
        failures = await asyncio.wait_for(responses, timeout=60)
        deadline = time.perf_counter() + 10
        while time.perf_counter() < deadline and any(len(c.received) < actions for c in fleet):
            await asyncio.sleep(0.05)
    cpu = (sum(server.cpu_seconds() for server in servers) - sum(cpu_before[0]), time.process_time() - cpu_before[1])
    done.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    if failures:
        raise RuntimeError(f"{failures} actions failed")
    latencies = [(at - sent[i]) * 1000 for c in fleet for i, at in c.received.items() if i in sent]
    server_side = [(at - sent_wall[i]) * 1000 for c in fleet for i, at in c.pushed.items() if i in sent_wall]
    missed = sum(actions - len(c.received) for c in fleet)
    per_action = sorted(
        (max(c.received[i] for c in fleet if i in c.received) - sent[i],
         next(c.pushed[i] for c in fleet if i in c.pushed) - sent_wall[i], i)
        for i in sent if any(i in c.received for c in fleet)
    )[::-1]
    slowest = ", ".join(f"#{i} {last * 1000:.0f}/{pushed * 1000:.0f} ms" for last, pushed, i in per_action[:5])
    return latencies, server_side, missed, cpu, slowest


async def _drain(streamer, actions: int) -> int:
    failures = answered = 0
    async for raw in streamer:
        message = json.loads(raw)
        if message["type"] == "WIDGET_ACTION_RESPONSE":
            answered += 1
            failures += not message["success"]
            if answered == actions:
                return failures
    return failures + actions - answered


LAYERS = {
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
    "core": "channels_redis.core.RedisChannelLayer",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--actions", type=int, default=100)
    parser.add_argument("--interval", type=float, default=0.1, help="seconds between actions (0: a burst)")
    parser.add_argument("--processes", type=int, default=1, help="server processes sharing the clients")
    parser.add_argument("--asgi-servers", default="uvicorn", help="comma-separated ASGI servers to compare: "
                        "uvicorn,daphne (default: uvicorn, as in production)")
    parser.add_argument("--layers", default="", help="comma-separated channel layers to compare: pubsub,core "
                        "(default: the one settings configure)")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from widgets.liveserver import AsgiServer
    from widgets.services import widget_create

    call_command("migrate", verbosity=0)
    configured = settings.CHANNEL_LAYERS["default"]["BACKEND"]
    backends = [LAYERS[name] for name in args.layers.split(",") if name] or [configured]
    user = get_user_model().objects.create_user(f"bench-fanout-{uuid.uuid4().hex[:8]}")
    user_token = Token.objects.create(user=user).key
    logs = Path(tempfile.mkdtemp(prefix="widget-fanout-"))
    results = []
    try:
        for kind, backend in [(kind, backend) for kind in args.asgi_servers.split(",") for backend in backends]:
            widget = widget_create(owner=user, title="Fan-out", type="countdown", config={"duration": 300})
            env = {"CHANNEL_LAYER_BACKEND": backend}
            servers = [AsgiServer(kind=kind, log_path=logs / f"{kind}-{n}.log", env=env)
                       for n in range(args.processes)]
            try:
                for server in servers:
                    server.start()
                latencies, server_side, missed, cpu, slowest = asyncio.run(
                    measure(servers, widget, user_token, args.clients, args.actions, args.interval)
                )
            finally:
                for server in servers:
                    server.stop()
            results.append((f"{kind}, {backend.rsplit('.', 1)[-1]}", latencies, server_side, missed, cpu, slowest))
    finally:
        user.delete()

    load = os.getloadavg()[0]
    print(f"clients={args.clients} actions={args.actions} interval={args.interval}s "
          f"server processes={args.processes} cpus={os.cpu_count()} load average={load:.1f}  (server logs: {logs})")
    for name, latencies, server_side, missed, (server_cpu, client_cpu), slowest in results:
        p50, p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
        print(f"[{name}] deliveries {len(latencies)}/{args.clients * args.actions}, "
              f"missed {missed}")
        print(f"  latency action->receipt: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {max(latencies):.1f} ms, "
              f"mean {statistics.fmean(latencies):.1f} ms")
        print(f"  until the change was broadcast: p50 {percentile(server_side, 0.5):.1f} ms, "
              f"p99 {percentile(server_side, 0.99):.1f} ms")
        print(f"  slowest actions (last receipt / broadcast): {slowest}")
        print(f"  CPU per action: server {1000 * server_cpu / args.actions:.1f} ms, "
              f"these {args.clients} clients {1000 * client_cpu / args.actions:.1f} ms")
        verdict = "PASS" if p99 <= TARGET_P99_MS and missed == 0 else "FAIL"
        print(f"  p99 / target ({TARGET_P99_MS:.0f} ms) = {p99 / TARGET_P99_MS:.2f} -> {verdict}")
    if len(results) > 1:
        p99s = [percentile(latencies, 0.99) for _, latencies, *_ in results]
        names = [name for name, *_ in results]
        for name, p99 in zip(names[1:], p99s[1:], strict=True):
            print(f"p99 ratio [{name}] / [{names[0]}] = {p99 / p99s[0]:.2f}")


if __name__ == "__main__":
    main()
