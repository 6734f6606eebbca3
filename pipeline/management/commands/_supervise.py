"""Child processes for ``manage.py studio``: started with their output in a log file, stopped as a group.

A supervisor must stop its children however it is told to stop: Ctrl+C (SIGINT), ``kill``, systemd or a
container runtime (SIGTERM), a closed terminal (SIGHUP). ``stop_signals`` turns all three into
``Interrupted``; each child runs in its own process group (so a terminal's Ctrl+C reaches only the
supervisor, which stops the children in order) and, on Linux, gets SIGTERM from the kernel if the
supervisor dies without cleaning up (SIGKILL, a crash).
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

_PR_SET_PDEATHSIG = 1
_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Interrupted(KeyboardInterrupt):
    """The supervisor was told to stop by a signal (SIGINT, SIGTERM or SIGHUP)."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signal_name = signal.Signals(signum).name


@contextmanager
def stop_signals() -> Iterator[None]:
    """Raise ``Interrupted`` on SIGINT, SIGTERM and SIGHUP in the block; restore the handlers after it."""

    def interrupt(signum, frame):
        ignore_stop_signals()  # a second Ctrl+C must not cut the cleanup short
        raise Interrupted(signum)

    previous = {sig: signal.signal(sig, interrupt) for sig in _SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def ignore_stop_signals() -> None:
    for sig in _SIGNALS:
        signal.signal(sig, signal.SIG_IGN)


@dataclass
class Child:
    name: str
    process: subprocess.Popen
    log: Path


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn asking the kernel to SIGTERM the child when this process dies (Linux only)."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before fork: the child only calls it
    parent = os.getpid()

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died before prctl: nobody would send the signal
            os._exit(1)

    return preexec


def child_start(name: str, argv: list[str], *, cwd: Path, env: dict, log: Path) -> Child:
    """Start ``argv`` in its own process group, stdout and stderr appended to ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "a") as output:
        output.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(argv)}\n")
        output.flush()
        process = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent(),  # safe: the supervisor starts no threads before its children
        )
    return Child(name, process, log)


def children_stop(children: list[Child], timeout: float = 20) -> None:
    """SIGTERM every child's process group at once, in the given order (the web server first, so it stops
    answering while a worker finishes its current tasks); SIGKILL whatever is left after ``timeout``."""
    for child in children:
        _signal_group(child, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for child in children:
        try:
            child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(child, signal.SIGKILL)
            child.process.wait()


def _signal_group(child: Child, sig: int) -> None:
    if child.process.poll() is None:
        try:
            os.killpg(child.process.pid, sig)
        except ProcessLookupError:
            pass  # exited since poll()
