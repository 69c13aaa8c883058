"""What an ingest tells the user: the row-problem report file and per-field statistics.

The report is CSV (``file,row,reason``) or JSONL (one object per problem) chosen by the
file's suffix, so it opens in a spreadsheet or pipes into ``jq``. Field statistics back
``chat-rec catalog stats``: how many items have each field, numeric/date ranges and the
most common values of text and list fields.

Deliberately left out: HTML reports and histograms.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from chat_rec.catalog.items import Catalog
from chat_rec.catalog.load import LoadResult, RowProblem


def write_report(problems: Sequence[RowProblem], path: Path) -> Path:
    """Write every problem to ``path``: ``.jsonl``/``.json`` -> JSON lines, anything else -> CSV."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() in (".jsonl", ".json"):
        with open(path, "w", encoding="utf-8") as fh:
            for p in problems:
                fh.write(json.dumps({"file": p.file, "row": p.row, "reason": p.reason}, ensure_ascii=False) + "\n")
    else:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["file", "row", "reason"])
            writer.writerows([p.file, p.row, p.reason] for p in problems)
    return path


def summary_line(result: LoadResult, source: Path, report: Path | None) -> str:
    reasons = Counter(_reason_kind(p.reason) for p in result.problems)
    kinds = ", ".join(f"{n} {kind}" for kind, n in reasons.most_common(4))
    line = f"{Path(source).name}: {len(result.catalog)} of {result.rows_read} rows loaded, {len(result.problems)} problem(s)"
    if kinds:
        line += f" ({kinds})"
    if report is not None and result.problems:
        line += f"; report: {report}"
    return line


def _reason_kind(reason: str) -> str:
    for kind in ("missing id", "duplicate id", "missing title", "empty text", "bad encoding", "not valid JSON"):
        if reason.startswith(kind):
            return kind
    if "cannot read" in reason:
        return "unreadable value"
    return reason.split(":")[0][:40]


@dataclass
class FieldStats:
    name: str
    type: str
    present: int  # items with a non-empty value
    low: str | None = None  # numbers and dates: range
    high: str | None = None
    distinct: int = 0  # strings and lists
    top: list[tuple[str, int]] = field(default_factory=list)

    def describe(self) -> str:
        text = f"{self.name:<20} {self.type:<7} {self.present:>7} filled"
        if self.low is not None:
            text += f"  range {self.low} .. {self.high}"
        if self.top:
            text += f"  {self.distinct} distinct; top: " + ", ".join(f"{v} ({n})" for v, n in self.top)
        return text


def field_stats(catalog: Catalog, top: int = 5) -> list[FieldStats]:
    out = []
    for name, spec in catalog.mapping.fields.items():
        values = [item.fields.get(name) for item in catalog.items]
        filled = [v for v in values if v not in (None, "", [])]
        stats = FieldStats(name, spec.type, len(filled))
        if spec.type in ("int", "float", "date") and filled:
            stats.low, stats.high = str(min(filled)), str(max(filled))  # type: ignore[type-var]
        elif spec.type in ("string", "list"):
            counts: Counter[str] = Counter()
            for v in filled:
                counts.update(v if isinstance(v, list) else [str(v)])
            stats.distinct = len(counts)
            stats.top = [(v if len(v) <= 40 else v[:37] + "...", n) for v, n in counts.most_common(top)]
        out.append(stats)
    return out
