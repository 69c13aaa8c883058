"""``chat-rec eval roles``: what each role set does for one model, on benchmark turns.

For turns spread over a ReDial or INSPIRED run (the same sampling as ``eval redial
--llm``), each role set composes the turn's answer with the agent's own
:meth:`Agent.explainer` and a real model. Scored per role set:

- shown recall@k, and its paired difference against the ranking's top k (what
  ``explain`` shows) on the same turns, with a 95% bootstrap CI;
- the share of shown reasons that are specific and faithful, model and template
  reasons counted apart, and reasons repeated across a turn's picks;
- compose time p50/p95 and the first card's time (one call per turn for ``pick``,
  one call per pick for ``explain``); how often pick slots were filled by ranking.

Deliberately left out: the ``read`` role (benchmark turns are read from whole dialogs by
the benchmark's own reader) and replaying ``eval/cases`` (run ``eval replay`` with
``CHAT_REC_LLM_ROLES`` set for that).
"""

from __future__ import annotations

import json
import re
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from chat_rec.agent.preferences import Preferences
from chat_rec.agent.rank import RankingConfig, mmr, rank
from chat_rec.agent.turn import Agent
from chat_rec.eval.crs_bench import BenchRun
from chat_rec.eval.crs_llm import _drain, _request, sample_turns
from chat_rec.eval.metrics import bootstrap_ci
from chat_rec.index.space import ItemSpace
from chat_rec.llm.base import LLM
from chat_rec.llm.roles import parse_roles
from chat_rec.memory.store import Store
from chat_rec.settings import Settings


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else 0.0


def spread_order(n: int, stride: int = 10) -> list[int]:
    """0..n-1 in an order whose every prefix is spread over the range (0, 10, 20, ..., 1, 11, ...),
    so a run cut short still scores turns from the whole data set."""
    return [i for offset in range(stride) for i in range(offset, n, stride)]


@dataclass
class RoleTurn:
    """What composing one benchmark turn needs: the request, the reading, the ranked
    candidates (top 60, the pool MMR draws from) and the turn's targets."""

    request: str
    prefs: Preferences
    ranked: list[tuple[str, float]]
    targets: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "request": self.request,
            "prefs": self.prefs.to_dict(),
            "ranked": [[i, s] for i, s in self.ranked],
            "targets": self.targets,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RoleTurn:
        ranked = [(str(i), float(s)) for i, s in data["ranked"]]
        return cls(data["request"], Preferences.from_dict(data["prefs"]), ranked, list(data["targets"]))


def role_turns(run: BenchRun, config: RankingConfig, turns: int) -> list[RoleTurn]:
    """``turns`` turns spread over the run, in :func:`spread_order`."""
    spread = sample_turns(run, turns)
    out = []
    for st in [spread[i] for i in spread_order(len(spread))]:
        named = {st.candidates.ids[row] for row in st.named_rows}
        ranked = [(i, float(s)) for i, s in rank(st.candidates, config) if i not in named]
        out.append(RoleTurn(_request(st), st.prefs or Preferences(), ranked[:60], list(st.turn.targets)))
    return out


def turns_cache_path(folder: Path, data: str, turns: int, ranking_version: str) -> Path:
    """Where ``--turns-cache`` keeps a data set's sampled turns: the ranked candidates
    depend on the ranking, so its version is part of the name (a new ranking samples anew)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", ranking_version)
    return folder / f"{data}-{turns}-{safe}.jsonl"


def save_turns(path: Path, turns: list[RoleTurn]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(t.to_dict()) + "\n" for t in turns), encoding="utf-8")


def load_turns(path: Path) -> list[RoleTurn]:
    return [RoleTurn.from_dict(json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line]


def score_role_set(
    space: ItemSpace,
    sampled: list[RoleTurn],
    settings: Settings,
    llm: LLM | None,
    roles: str,
    progress: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """One role set on the sampled turns; per-turn hits for it and for the ranking's head.

    ``progress`` gets the row so far after every turn (``partial`` true until the last), so a
    long run that is stopped still reports the turns it finished."""
    settings = settings.model_copy(update={"llm_roles": roles})
    k = settings.n_recommendations
    shown_hits: list[float] = []
    head_hits: list[float] = []
    compose_ms: list[float] = []
    compose_cpu_ms: list[float] = []  # this process's CPU (llama.cpp runs in it): less load-dependent than wall
    first_card_ms: list[float] = []
    counts = {"model": 0, "model_ok": 0, "template": 0, "template_ok": 0, "repeats": 0, "filled": 0, "slots": 0}
    problems: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="chat-rec-roles-") as tmp:
        store = Store(Path(tmp) / "store.db")
        agent = Agent(settings, space, store, llm)
        recommend, intro = agent.prompt("recommend"), agent.prompt("intro")
        prompts = {"prompts": {name: agent.prompt(name).ref for name in ("recommend", "pick", "reason")}}
        size = max(settings.n_llm_candidates, settings.pick_candidates if "pick" in agent.roles() else 0)
        for st in sampled:
            vectors = {i: space.vector(i) for i, _ in st.ranked}
            shortlist = mmr(st.ranked, vectors, size, settings.diversity)
            replayed_before = getattr(llm, "replayed", 0)  # a RecordedLLM counts the answers it replays
            started, cpu_started = time.perf_counter(), time.process_time()
            _, picks, trace = _drain(agent.explainer().compose(st.request, st.prefs, shortlist, [], recommend, intro))
            if getattr(llm, "replayed", 0) == replayed_before:  # timed only when the model answered live
                compose_ms.append((time.perf_counter() - started) * 1000)
                compose_cpu_ms.append((time.process_time() - cpu_started) * 1000)
                first_card_ms.append(float(trace["timings"].get("first_card_ms", compose_ms[-1])))
            targets = set(st.targets)
            ids = [i for i, _ in picks]
            shown_hits.append(len(targets & set(ids)) / max(1, len(targets)))
            head_hits.append(len(targets & set(shortlist[:k])) / max(1, len(targets)))
            counts["slots"] += len(ids)
            counts["filled"] += len(trace.get("filled", []))
            for verdict in trace["verdicts"]:
                kind = verdict["shown"]
                counts[kind] += 1
                counts[f"{kind}_ok"] += bool(verdict["specific"])  # shown reasons are faithful by construction
                counts["repeats"] += bool(verdict["repeat"])
                if verdict["raw"] and not verdict["ok"]:
                    key = str(verdict["problem"]).split(":")[0].split("(")[0][:60]
                    problems[key] = problems.get(key, 0) + 1
            if progress is not None:
                row = _row(
                    roles, k, shown_hits, head_hits, (compose_ms, compose_cpu_ms, first_card_ms), counts, problems
                )
                progress({**row, **prompts, "partial": len(shown_hits) < len(sampled), "turns_planned": len(sampled)})
        store.close()
    return {
        **_row(roles, k, shown_hits, head_hits, (compose_ms, compose_cpu_ms, first_card_ms), counts, problems),
        **prompts,
    }


def _row(
    roles: str,
    k: int,
    shown_hits: list[float],
    head_hits: list[float],
    times: tuple[list[float], list[float], list[float]],
    counts: dict[str, int],
    problems: dict[str, int],
) -> dict[str, Any]:
    compose_ms, compose_cpu_ms, first_card_ms = times
    diff, low, high = bootstrap_ci([s - h for s, h in zip(shown_hits, head_hits)])
    shown = counts["model"] + counts["template"]
    return {
        "roles": ",".join(sorted(parse_roles(roles))) or "none",
        "turns": len(shown_hits),
        f"recall_shown@{k}": float(np.mean(shown_hits)) if shown_hits else 0.0,
        f"recall_ranking@{k}": float(np.mean(head_hits)) if head_hits else 0.0,
        "recall_diff": diff,
        "recall_diff_ci": [low, high],
        "reasons_shown": shown,
        "specific_share": (counts["model_ok"] + counts["template_ok"]) / shown if shown else 0.0,
        "model_reasons_shown": counts["model"],
        "model_specific_share": counts["model_ok"] / counts["model"] if counts["model"] else None,
        "timed_turns": len(compose_ms),  # turns the model answered live (replayed ones are not timed)
        "template_reasons_shown": counts["template"],
        "template_specific_share": counts["template_ok"] / counts["template"] if counts["template"] else None,
        "repeated_reasons": counts["repeats"],
        "pick_slots_filled_by_ranking": counts["filled"],
        "compose_ms_p50": _pct(compose_ms, 50),
        "compose_ms_p95": _pct(compose_ms, 95),
        "compose_cpu_ms_p50": _pct(compose_cpu_ms, 50),
        "compose_cpu_ms_p95": _pct(compose_cpu_ms, 95),
        "first_card_ms_p50": _pct(first_card_ms, 50),
        "first_card_ms_p95": _pct(first_card_ms, 95),
        "model_reasons_rejected": dict(sorted(problems.items(), key=lambda kv: -kv[1])),
    }


def _versions(row: dict[str, Any]) -> str:
    """The prompt versions behind a row's model roles: " (pick@v2)"."""
    used = row.get("prompts") or {}
    roles = row["roles"].split(",")
    refs = [used[n] for n, role in (("pick", "pick"), ("recommend", "explain")) if role in roles and n in used]
    return f" ({', '.join(refs)})" if refs else ""


def table(rows: list[dict[str, Any]]) -> str:
    """The rows as a Markdown table (what docs/roles.md holds per model)."""
    head = (
        "| data | roles | turns | shown R@3 | ranking R@3 | diff [95% CI] | specific (model / template) "
        "| repeats | filled | compose p50 / p95 s | CPU p50 s | first card p50 s |"
    )
    lines = [head, "|" + "---|" * 12]
    for r in rows:
        model = (
            "-"
            if r["model_specific_share"] is None
            else f"{r['model_specific_share']:.2f} of {r['model_reasons_shown']}"
        )
        template = (
            "-"
            if r["template_specific_share"] is None
            else f"{r['template_specific_share']:.2f} of {r['template_reasons_shown']}"
        )
        lines.append(
            f"| {r.get('data', '')} | {r['roles']}{_versions(r)}{' (partial)' if r.get('partial') else ''} | {r['turns']} | {r['recall_shown@3']:.3f} | {r['recall_ranking@3']:.3f} "
            f"| {r['recall_diff']:+.3f} [{r['recall_diff_ci'][0]:+.3f}, {r['recall_diff_ci'][1]:+.3f}] "
            f"| {r['specific_share']:.2f} ({model} / {template}) | {r['repeated_reasons']} "
            f"| {r['pick_slots_filled_by_ranking']} | {r['compose_ms_p50'] / 1000:.1f} / {r['compose_ms_p95'] / 1000:.1f} "
            f"| {r.get('compose_cpu_ms_p50', 0) / 1000:.1f} "
            f"| {r['first_card_ms_p50'] / 1000:.1f} |"
        )
    return "\n".join(lines)
