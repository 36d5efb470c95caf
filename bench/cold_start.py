"""Cold start of `tatame chat` on the embedded defaults: a fresh data folder (so PostgreSQL runs
initdb, migrations run and the pack is indexed), then a warm start on the same folder.

    .venv/bin/python bench/cold_start.py

Prints the time from launching the process to the first reply, and the process's peak RSS
(VmHWM of the tatame process; the embedded PostgreSQL runs as separate processes, reported apart)."""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]


def _run_once(data_dir: str) -> tuple[float, float, float]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "QDRANT_URL"}}
    env.update(TATAME_DATA_DIR=data_dir, PYTHONPATH=str(ROOT / "src"))
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli", "chat"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert process.stdin is not None and process.stdout is not None  # both piped above
    process.stdin.write("oi\n")
    process.stdin.flush()
    first_reply = None
    peak_kib = 0
    postgres_kib = 0
    for line in process.stdout:
        if line.startswith("bot> "):
            first_reply = time.perf_counter() - start
            status = Path(f"/proc/{process.pid}/status").read_text()
            peak_kib = int(next(s for s in status.splitlines() if s.startswith("VmHWM")).split()[1])
            postgres_kib = (
                sum(
                    p.memory_info().rss
                    for p in psutil.process_iter(["name", "cmdline"])
                    if p.info["name"] == "postgres" and data_dir in " ".join(p.info["cmdline"] or [])
                )
                // 1024
            )
            break
    process.stdin.close()
    process.wait(timeout=60)
    if first_reply is None:
        raise SystemExit("no reply from tatame chat")
    return first_reply, peak_kib / 1024, postgres_kib / 1024


def main() -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        for label in ("cold (fresh data folder)", "warm (same folder)"):
            seconds, rss, postgres = _run_once(data_dir)
            print(
                f"{label:26s} first reply after {seconds:5.2f} s   tatame peak RSS {rss:6.1f} MiB   postgres processes RSS {postgres:6.1f} MiB"
            )


if __name__ == "__main__":
    main()
