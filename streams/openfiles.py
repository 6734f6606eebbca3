"""Which files some process holds open for writing. No Django.

A recorder that pauses writing (a scene with no changes, a stalled disk) leaves a file whose size is stable
for a while although it is not finished; its open write handle says so. On Linux every process's handles are
under ``/proc/<pid>/fd`` with their open flags in ``/proc/<pid>/fdinfo/<fd>``; elsewhere psutil is asked
when installed (it reports modes on Linux only, so elsewhere any open handle counts). Where neither works,
``None`` means "not known" and the caller relies on the size being stable. Processes of other users are
invisible without privileges: run the watcher as the recorder's user.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

_PROC = Path("/proc")
_WRITE_MODES = os.O_WRONLY | os.O_RDWR


def _fd_flags(fdinfo: Path) -> int | None:
    try:
        for line in fdinfo.read_text().splitlines():
            if line.startswith("flags:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        return None
    return None


def _from_proc(wanted: set[str], proc: Path) -> set[str]:
    found: set[str] = set()
    for pid_dir in proc.iterdir():
        if not pid_dir.name.isdigit():
            continue
        try:
            fds = list((pid_dir / "fd").iterdir())
        except OSError:  # gone, or another user's
            continue
        for fd in fds:
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target not in wanted:
                continue
            flags = _fd_flags(pid_dir / "fdinfo" / fd.name)
            if flags is None or flags & _WRITE_MODES:
                found.add(target)
    return found


def _from_psutil(wanted: set[str]) -> set[str] | None:
    try:
        import psutil
    except ImportError:
        return None
    found: set[str] = set()
    for process in psutil.process_iter():
        try:
            for handle in process.open_files():
                mode = getattr(handle, "mode", None)
                if handle.path in wanted and (mode is None or mode != "r"):
                    found.add(handle.path)
        except (psutil.Error, OSError):
            continue
    return found


def open_for_writing(paths: Iterable[str | Path], *, proc: Path = _PROC) -> set[str] | None:
    """The resolved paths among ``paths`` that a process has open for writing; None when this cannot be known."""
    wanted = {str(Path(path).resolve()) for path in paths}
    if not wanted:
        return set()
    if (proc / "self" / "fd").is_dir():
        return _from_proc(wanted, proc)
    return _from_psutil(wanted)
