"""Reader worst case: how long the slowest message takes to read, against a 100 ms target.

Reads every hostile shape of ``tests/fuzz_inputs.py`` (long runs of one word, nesting,
thousands of commas, every cue word at once, scripts, emoji, control and bidi characters),
each filled to the 2000-character limit, plus ``--random N`` messages drawn from the same
hypothesis strategy the property tests use, through the agent's reading path (clean,
link titles, understand), with and without a previous list. Prints the ten slowest (wall
time, and the process's CPU time, which other work on a shared machine inflates less)
and exits 1 when any takes more than ``--target-ms`` of CPU time.

    nice -n 10 .venv/bin/python benchmarks/reader_worst_case.py --random 500
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--random", type=int, default=300, help="random messages to add (hypothesis strategy)")
    parser.add_argument("--target-ms", type=float, default=100.0)
    parser.add_argument("--repeat", type=int, default=3, help="best of N per message (the machine is shared)")
    args = parser.parse_args()

    from hypothesis import HealthCheck, given, settings

    from chat_rec.agent.turn import clean_message
    from chat_rec.agent.understand import Understander, positive_text
    from chat_rec.catalog.load import load_catalog
    from chat_rec.catalog.titles import TitleLinker
    from chat_rec.errors import InputError
    from chat_rec.settings import BUILTIN_CATALOG, BUILTIN_MAPPING
    from tests.fuzz_inputs import LIMIT, adversarial, messages

    catalog = load_catalog(BUILTIN_CATALOG, BUILTIN_MAPPING).catalog
    reader = Understander(catalog, TitleLinker(catalog))
    previous = [item.id for item in catalog.items[:3]]

    cases: list[tuple[str, str]] = list(adversarial())

    @settings(max_examples=args.random, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(message=messages())
    def collect(message: str) -> None:
        cases.append((f"random #{len(cases)}", message))

    if args.random:
        collect()

    def once(message: str, prev: list[str]) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            text, _ = clean_message(message, LIMIT)
        except InputError:
            return time.process_time() - cpu, time.perf_counter() - wall
        reader.parse(text, prev)
        positive_text(text)
        return time.process_time() - cpu, time.perf_counter() - wall

    timings: list[tuple[float, float, str, str]] = []
    for name, message in cases:
        for prev, label in (([], ""), (previous, " (after a list)")):
            cpu, wall = min(once(message, prev) for _ in range(args.repeat))
            timings.append((cpu * 1000, wall * 1000, name + label, message))
    timings.sort(reverse=True)
    load = os.getloadavg()[0]
    print(f"{len(timings)} readings of {len(cases)} messages (<= {LIMIT} chars), best of {args.repeat} each")
    print(f"machine: {os.cpu_count()} cores, load average {load:.1f} while measuring")
    print("  cpu ms   wall ms  message")
    for cpu, wall, name, message in timings[:10]:
        print(f"{cpu:8.1f} {wall:8.1f}   {name:<44} {message[:50]!r}")
    median = sorted(t[0] for t in timings)[len(timings) // 2]
    slowest = timings[0]
    print(f"median {median:.1f} ms CPU; slowest {slowest[0]:.1f} ms CPU ({slowest[1]:.1f} ms wall, {slowest[2]})")
    print(f"target {args.target_ms:.0f} ms: {'met' if slowest[0] <= args.target_ms else 'MISSED'}")
    return 1 if slowest[0] > args.target_ms else 0


if __name__ == "__main__":
    sys.exit(main())
