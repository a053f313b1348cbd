"""Run every benchmark module in bench/ against a scratch SQLite database and print lines.

    python -m bench                  # all of bench/bench_*.py
    python -m bench session_pack     # only modules whose name contains "session_pack"

The scratch environment (a temporary var/ folder and database, migrated) is set up before
any app module reads its settings; modules may set up more of their own.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def _scratch_environment(folder: Path) -> None:
    var = folder / "var"
    os.environ.update(
        {
            "APEX_ENV": "test",
            # No ticker, no background workers of the web app.
            "APEX_RUN_TICKER": "false",
            "APEX_RUN_DOCUMENT_WORKER": "false",
            "APEX_VAR_DIR": str(var),
            "APEX_DATABASE_URL": f"sqlite:///{var / 'bench.db'}",
            "APEX_LOAD_DEMO_DATA": "false",
            "APEX_SECRET_KEY": "bench-secret-key-not-for-production",
            "APEX_REDIS_URL": "",
        }
    )
    var.mkdir(parents=True, exist_ok=True)
    from app import migrate

    migrate.upgrade()


def modules(selected: list[str]) -> list[str]:
    """Names of the benchmark modules to run, sorted."""
    names = sorted(path.stem for path in BENCH_DIR.glob("bench_*.py"))
    if selected:
        names = [name for name in names if any(word in name for word in selected)]
    return names


def main(argv: list[str]) -> int:
    """Run the benchmarks; exit status 1 if any module failed."""
    logging.basicConfig(level=logging.ERROR)  # WeasyPrint warnings would drown the results
    failed = 0
    with tempfile.TemporaryDirectory(prefix="apex-bench-") as folder:
        _scratch_environment(Path(folder))
        for name in modules(argv):
            started = time.perf_counter()
            try:
                module = importlib.import_module(f"bench.{name}")
                lines = module.run()
            except Exception:
                failed += 1
                print(f"{name}: FAILED", flush=True)
                traceback.print_exc()
                continue
            for line in lines:
                print(line, flush=True)
            print(f"# {name} took {time.perf_counter() - started:.1f} s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
