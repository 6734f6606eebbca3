"""Fuzz the whole REST API from its schema and count the operations that answered with a server error.

Runs ``tests/config/test_schemathesis.py`` (schemathesis over every operation in ``/api/schema/``, as a
logged-in user with a token, on the embedded test database) with more examples per operation than the
test suite uses, and prints each failing operation and the count. Goal: 0.

    python benchmarks/api_fuzz.py [--examples 100] [-k series]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=100, help="generated requests per operation")
    parser.add_argument("-k", default="", help="only operations matching this pytest expression")
    args = parser.parse_args()

    argv = [sys.executable, "-m", "pytest", "tests/config/test_schemathesis.py", "-q", "-p", "no:logging", "-rN"]
    argv += ["--tb=line", "-p", "no:cacheprovider"] + (["-k", args.k] if args.k else [])
    env = {**os.environ, "API_FUZZ_EXAMPLES": str(args.examples)}
    result = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
    failures = sorted(set(re.findall(r"AssertionError: ([A-Z]+ \S+): (\d{3})", result.stdout)))
    summary = re.findall(r"(\d+) (passed|failed|error)", result.stdout)
    for operation, code in failures:
        print(f"{code}  {operation}")
    print(f"operations run: {sum(int(n) for n, _ in summary)} ({', '.join(f'{n} {w}' for n, w in summary)})")
    print(f"operations with a server error: {len(failures)} (examples per operation: {args.examples})")
    if result.returncode not in (0, 1):
        print(result.stdout[-3000:], result.stderr[-3000:], sep="\n")
    return 1 if failures or result.returncode else 0


if __name__ == "__main__":
    sys.exit(main())
