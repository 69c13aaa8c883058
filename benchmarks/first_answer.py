"""Time to a first answer from a fresh CHAT_REC_HOME, the way a new user meets it.

``ask`` (default) runs ``chat-rec ask`` end to end in new processes, three ways in one run
so they can be compared as ratios on a machine whose load drifts:

- fresh home, built-in catalog with its shipped vectors (what a new user gets);
- fresh home, the same catalog copied without its vector file (every film through the model);
- the same question again in the first home (index built, nothing to do);
- a fresh home with ``CHAT_REC_LLM=none`` (template reasons: everything but the model's writing);
- a fresh home and a question in words, whose query the embedding model must embed (the
  first question names a title, and is answered from the title's vector).

``ui`` starts the chat (``chat-rec chat``, or ``--cmd './scripts/chat.sh'`` in a fresh clone,
which installs first) with a fresh home and drives it with headless Chromium, as
``tests/test_ui_browser.py`` does: seconds from the start until the first card and the
whole answer show. Both print the load average, since the machine is shared.

Run: .venv/bin/python benchmarks/first_answer.py [ask|ui] [--repo DIR] [--cmd CMD]
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "something like Arrival but less slow, nothing I've seen"  # titles only: no query embedding
WORDS_QUESTION = "a funny heist movie with a clever twist"  # words: the embedding model must load
CHROMIUM = Path("/usr/bin/chromium")


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def timed_ask(repo: Path, env: dict[str, str], question: str = QUESTION) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one ``chat-rec ask``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [str(repo / ".venv/bin/chat-rec"), "ask", question], cwd=repo, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"chat-rec ask failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def bench_ask(repo: Path) -> None:
    work = Path(tempfile.mkdtemp(prefix="first-answer-"))
    base = {**os.environ, "ANONYMIZED_TELEMETRY": "False", "HF_HUB_OFFLINE": "1"}
    plain = work / "catalog"
    plain.mkdir()
    shutil.copy(repo / "catalog/movies.jsonl", plain / "movies.jsonl")  # no movies.vectors.npz beside it
    runs = {
        "fresh home, shipped vectors": {**base, "CHAT_REC_HOME": str(work / "a")},
        "fresh home, no vector file": {
            **base,
            "CHAT_REC_HOME": str(work / "b"),
            "CHAT_REC_CATALOG": str(plain / "movies.jsonl"),
            "CHAT_REC_CATALOG_MAPPING": str(repo / "catalog/movies.mapping.yaml"),
        },
        "same home again (warm)": {**base, "CHAT_REC_HOME": str(work / "a")},
        "fresh home, template reasons": {**base, "CHAT_REC_HOME": str(work / "c"), "CHAT_REC_LLM": "none"},
        "fresh home, a question in words": {**base, "CHAT_REC_HOME": str(work / "d")},
    }
    print(f"load average before: {load()}")
    results = {}
    for name, env in runs.items():
        question = WORDS_QUESTION if "in words" in name else QUESTION
        results[name] = timed_ask(repo, env, question)
        print(f"{name:32s} {results[name][0]:6.1f} s wall, {results[name][1]:6.1f} s CPU", flush=True)
    first, plain_run = results["fresh home, shipped vectors"], results["fresh home, no vector file"]
    print(f"shipped vectors / no vector file: {first[0] / plain_run[0]:.2f} wall, {first[1] / plain_run[1]:.2f} CPU")
    print(f"load average after: {load()}")
    shutil.rmtree(work, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bench_ui(repo: Path, cmd: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    home = Path(tempfile.mkdtemp(prefix="first-answer-ui-"))
    port = free_port()
    env = {**os.environ, "CHAT_REC_HOME": str(home), "ANONYMIZED_TELEMETRY": "False", "HF_HUB_OFFLINE": "1"}
    print(f"load average before: {load()}")
    started = time.perf_counter()
    argv = [*shlex.split(cmd), "--headless", "--port", str(port)]
    proc = subprocess.Popen(argv, cwd=repo, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{cmd} exited with {proc.returncode}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.2)
        up = time.perf_counter() - started
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page()
            page.set_default_timeout(600_000)
            page.goto(url)
            box = page.get_by_placeholder("What are you in the mood for?")
            box.wait_for()
            ready = time.perf_counter() - started
            box.fill(QUESTION)
            box.press("Enter")
            page.get_by_text("Why for you:").first.wait_for()
            first_card = time.perf_counter() - started
            expect(page.get_by_role("button", name="👍 Like")).to_have_count(3, timeout=600_000)
            answered = time.perf_counter() - started
            browser.close()
        print(f"server up {up:.1f} s, page ready {ready:.1f} s, first card {first_card:.1f} s, answer {answered:.1f} s")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)
    print(f"load average after: {load()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", nargs="?", choices=["ask", "ui"], default="ask")
    parser.add_argument("--repo", type=Path, default=ROOT, help="checkout to run (default: this one)")
    parser.add_argument("--cmd", default=".venv/bin/chat-rec chat", help="ui: the command that starts the chat")
    args = parser.parse_args()
    if args.mode == "ask":
        bench_ask(args.repo.resolve())
    else:
        bench_ui(args.repo.resolve(), args.cmd)


if __name__ == "__main__":
    main()
