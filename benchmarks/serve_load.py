"""Load on ``chat-rec serve`` started as a real process: N simulated users, each sending
several messages and feedback events, on SQLite or PostgreSQL, with 1 or more workers.

Prints one table row per (backend, workers, users): turns/s, p50/p95 turn latency,
errors, and feedback rows counted in the database after the run against events sent
(lost = acknowledged with 201 but not stored, duplicated = stored - distinct). With ``--llm server`` the model
runs behind ``python -m llama_cpp.server`` and every row also gives the mean time a turn queued for a worker's agent.

Run (template writer, SQLite then PostgreSQL from scripts/postgres.sh):
  nice -n 10 .venv/bin/python benchmarks/serve_load.py --users 1,10,50 --workers 1,2
  nice -n 10 .venv/bin/python benchmarks/serve_load.py --db "$(scripts/postgres.sh)" --users 1,10,50 --workers 1,2
  nice -n 10 .venv/bin/python benchmarks/serve_load.py --llm server --users 1,4 --messages 2
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.serve_process import Server, child_env, free_port, start_llama_server  # noqa: E402

REQUESTS = [
    ["a funny heist film", "something older", "a space adventure"],
    ["a tense thriller from the 90s", "less violent", "an animated film for family night"],
    ["I loved The Godfather, what else?", "a romantic comedy", "a war film"],
]


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    feedback_sent: int = 0
    feedback_ok: int = 0  # answered 201: the server says it is stored


async def one_user(client: httpx.AsyncClient, user: str, token: str, n_messages: int, run: Run) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    answer = await client.post(f"/v1/users/{user}/conversations", headers=headers)
    if answer.status_code != 201:
        run.errors.append(f"start {answer.status_code}")
        return
    conv = answer.json()["conversation_id"]
    script = REQUESTS[hash(user) % len(REQUESTS)]
    for n in range(n_messages):
        started = time.perf_counter()
        try:
            answer = await client.post(
                f"/v1/users/{user}/conversations/{conv}/messages",
                json={"message": script[n % len(script)]},
                headers=headers,
            )
        except httpx.HTTPError as exc:
            run.errors.append(type(exc).__name__)
            continue
        if answer.status_code != 200:
            run.errors.append(f"turn {answer.status_code}")
            continue
        run.latencies.append(time.perf_counter() - started)
        body = answer.json()
        for card, kind in zip(body["cards"][:2], ("like", "seen")):  # distinct items: shown ones are not repeated
            run.feedback_sent += 1
            try:
                fb = await client.post(
                    f"/v1/users/{user}/feedback",
                    json={"item_id": card["item_id"], "kind": kind, "turn_id": body["done"]["turn_id"]},
                    headers=headers,
                )
            except httpx.HTTPError as exc:
                run.errors.append(f"feedback {type(exc).__name__}")
                continue
            if fb.status_code != 201:
                run.errors.append(f"feedback {fb.status_code}")
            else:
                run.feedback_ok += 1


def count_feedback(env: dict[str, str], prefix: str) -> tuple[int, int]:
    """(rows, distinct rows) of feedback stored for users whose name starts with ``prefix``."""
    code = (
        "from chat_rec.memory.store import Store; from chat_rec.settings import get_settings;"
        "s = get_settings(); st = Store(s.store_url);"
        f"rows = [r for r in st.feedback_rows() if r['user_id'].startswith({prefix!r})];"
        "print(len(rows), len({(r['user_id'], r['item_id'], r['kind']) for r in rows}))"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    rows, distinct = done.stdout.split()
    return int(rows), int(distinct)


def make_tokens(env: dict[str, str], users: list[str]) -> dict[str, str]:
    code = (
        "import sys; from chat_rec.memory.store import Store; from chat_rec.memory.tokens import Tokens;"
        "from chat_rec.settings import get_settings; t = Tokens(Store(get_settings().store_url));"
        "[print(u, t.create(u)[1]) for u in sys.argv[1:]]"
    )
    done = subprocess.run([sys.executable, "-c", code, *users], env=env, capture_output=True, text=True, check=True)
    return dict(line.split() for line in done.stdout.splitlines())


def queue_totals(url: str) -> tuple[float, float]:
    """(seconds, turns) turns spent queued for an agent so far, summed over workers."""
    text = httpx.get(url + "/metrics", timeout=10).text
    total = re.search(r"^chat_rec_turn_queue_seconds_sum (\S+)", text, re.M)
    count = re.search(r"^chat_rec_turn_queue_seconds_count (\S+)", text, re.M)
    return (float(total.group(1)) if total else 0.0), (float(count.group(1)) if count else 0.0)


async def load(url: str, tokens: dict[str, str], n_messages: int) -> tuple[Run, float]:
    run = Run()
    limits = httpx.Limits(max_connections=len(tokens) + 4)
    async with httpx.AsyncClient(base_url=url, timeout=600, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(one_user(client, u, t, n_messages, run) for u, t in tokens.items()))
        return run, time.perf_counter() - started


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--users", default="1,10,50")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--messages", type=int, default=3)
    ap.add_argument("--db", default="", help="a PostgreSQL URL (default: SQLite in a fresh home)")
    ap.add_argument("--llm", choices=["none", "server"], default="none")
    ap.add_argument("--base-home", default="", help="a home whose cache/ holds the catalog's embeddings")
    args = ap.parse_args()
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}"
    )
    print(
        "| backend | workers | users | turns | turns/s | p50 s | p95 s | errors | feedback sent | stored | lost | dup | mean queue s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    llama = None
    extra: dict[str, str] = {"CHAT_REC_SERVE_RATE_PER_MINUTE": "100000", "CHAT_REC_SERVE_RATE_BURST": "100000"}
    if args.llm == "server":
        llama, llm_url = start_llama_server(Path(tempfile.mkdtemp()) / "llama.log")
        extra.update(CHAT_REC_LLM="openai", OPENAI_BASE_URL=llm_url, CHAT_REC_LLM_MODEL="smollm2")
    backend = "postgresql" if args.db else "sqlite"
    try:
        for workers in [int(w) for w in args.workers.split(",")]:
            home = Path(tempfile.mkdtemp(prefix="chat-rec-load-"))
            if args.base_home:
                shutil.copytree(Path(args.base_home) / "cache", home / "cache")
            metrics_dir = home / "prom"
            metrics_dir.mkdir()
            env = child_env(home, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir), **extra)
            if args.db:
                env["CHAT_REC_DATABASE_URL"] = args.db
            if extra.get("CHAT_REC_LLM") is None:
                env["CHAT_REC_LLM"] = "none"
            server = Server(env, free_port(), workers=workers).start(timeout=900)
            try:
                warm = make_tokens(env, [f"warm-{n}" for n in range(workers * 2)])  # each worker's first turn is slow
                asyncio.run(load(server.url, warm, 1))
                for n_users in [int(u) for u in args.users.split(",")]:
                    prefix = f"w{workers}u{n_users}-{int(time.time())}-"
                    tokens = make_tokens(env, [f"{prefix}{i}" for i in range(n_users)])
                    queued_before = queue_totals(server.url)
                    run, wall = asyncio.run(load(server.url, tokens, args.messages))
                    queued_after = queue_totals(server.url)
                    queued = (queued_after[0] - queued_before[0]) / max(1.0, queued_after[1] - queued_before[1])
                    stored, distinct = count_feedback(env, prefix)
                    turns = len(run.latencies)
                    print(
                        f"| {backend} | {workers} | {n_users} | {turns} | {turns / wall:.2f} | {pct(run.latencies, 0.5):.2f} "
                        f"| {pct(run.latencies, 0.95):.2f} | {len(run.errors)} | {run.feedback_sent} | {stored} "
                        f"| {run.feedback_ok - distinct} | {stored - distinct} | {queued:.2f} |",
                        flush=True,
                    )
                    if run.errors:
                        print(f"  errors: {sorted(set(run.errors))}", flush=True)
            finally:
                server.stop()
    finally:
        if llama is not None:
            llama.kill()
            llama.wait()


if __name__ == "__main__":
    main()
