"""Run every benchmark in this folder, one after the other: `make bench`.

Pass --smoke for a tiny run of each (as the test suite does). The load benchmark
(bench_load.py: PostgreSQL, gunicorn and locust, several minutes) is not among them:
it runs with `make bench-load`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEPARATE = {"bench_load.py": "make bench-load"}


def main() -> int:
    extra = sys.argv[1:]
    failed = []
    for script in sorted(HERE.glob("bench_*.py")):
        if script.name in SEPARATE:
            print(f"\n=== {script.name}: run it with `{SEPARATE[script.name]}`", flush=True)
            continue
        print(f"\n=== {script.name} {' '.join(extra)}".rstrip(), flush=True)
        if subprocess.run([sys.executable, str(script), *extra], cwd=HERE.parent).returncode != 0:
            failed.append(script.name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
