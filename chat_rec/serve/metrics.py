"""Prometheus metrics of the API (``GET /metrics``), via prometheus-client.

With several uvicorn workers each process counts on its own; set
``PROMETHEUS_MULTIPROC_DIR`` to an empty folder before starting and ``/metrics`` sums
all workers (prometheus-client's multiprocess mode).

Deliberately left out: per-user labels (unbounded cardinality).
"""

from __future__ import annotations

import os

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from chat_rec.memory.store import TurnRecord

TURNS = Counter("chat_rec_turns_total", "Finished turns", ["kind", "written_by"])
ERRORS = Counter("chat_rec_errors_total", "Requests that ended in an error, by kind", ["kind"])
FALLBACKS = Counter("chat_rec_template_fallbacks_total", "Turns whose reasons fell back to templates", ["reason"])
STAGE_SECONDS = Histogram(
    "chat_rec_stage_seconds",
    "Time spent in each stage of a turn",
    ["stage"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
QUEUE_SECONDS = Histogram(
    "chat_rec_turn_queue_seconds",
    "Time a turn waited for this worker's agent",
    buckets=(0.001, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60),
)
WAITING = Gauge("chat_rec_turns_waiting", "Turns waiting for this worker's agent", multiprocess_mode="livesum")
RATE_LIMITED = Counter("chat_rec_rate_limited_total", "Requests refused with 429")

STAGES = {"understand_ms": "understand", "retrieve_ms": "retrieve", "rank_ms": "rank", "llm_ms": "explain"}


def written_by(turn: TurnRecord) -> str:
    """``model`` when the LLM wrote the reasons, ``template`` when any fell back."""
    if turn.kind != "recommend":
        return "template"
    return "template" if turn.fallback_reason or not turn.llm else "model"


def observe_turn(turn: TurnRecord) -> None:
    TURNS.labels(turn.kind, written_by(turn)).inc()
    if turn.fallback_reason and turn.llm:  # a configured model failed (not "no LLM configured")
        FALLBACKS.labels(_fallback_kind(turn.fallback_reason)).inc()
    timings = turn.trace.get("timings", {})
    for key, stage in STAGES.items():
        if key in timings:
            STAGE_SECONDS.labels(stage).observe(float(timings[key]) / 1000)
    if "total_ms" in timings:
        STAGE_SECONDS.labels("total").observe(float(timings["total_ms"]) / 1000)


def _fallback_kind(reason: str) -> str:
    low = reason.lower()
    if "longer than" in low or "timeout" in low or "timed out" in low:
        return "timeout"
    if "failed" in low or "connect" in low:
        return "unreachable"
    return "bad_output"


def render() -> tuple[bytes, str]:
    """The exposition text, summed over workers in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
