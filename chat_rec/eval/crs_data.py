"""Public CRS dialogs as evaluation turns (the catalogs are built in :mod:`crs_catalogs`).

Turns follow the standard protocol: consecutive messages of one speaker are one
utterance; at every recommender utterance naming movies, the context is all earlier
utterances (movie ids replaced by titles) and each named movie is a target; a target is
"new" when it was not named earlier in the dialog.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pandas as pd


def clean_title(raw: str) -> str:
    return re.sub(r"\s+", " ", raw).strip()


@dataclass
class Utterance:
    role: str  # "seeker" | "recommender"
    text: str  # movie ids replaced by titles
    movies: list[str]  # raw ids (ReDial) or titles (INSPIRED) named in it


@dataclass
class EvalTurn:
    dialog: str
    index: int  # utterance index of the recommender turn
    context: list[Utterance]
    targets: list[str]  # catalog item ids
    new: list[bool]  # per target: not named earlier in the dialog
    mentioned: list[str] = field(default_factory=list)  # catalog ids named earlier


def _merge(utterances: list[Utterance]) -> list[Utterance]:
    out: list[Utterance] = []
    for u in utterances:
        if out and out[-1].role == u.role:
            out[-1] = Utterance(u.role, f"{out[-1].text} {u.text}".strip(), [*out[-1].movies, *u.movies])
        else:
            out.append(u)
    return out


_MENTION = re.compile(r"@(\d+)")


def _title(match: re.Match[str], titles: dict[str, str], mentions: dict[str, str]) -> str:
    return titles.get(match.group(1)) or mentions.get(match.group(1), "a movie")


def redial_dialogs(path: Path, titles: dict[str, str], limit: int | None = None) -> list[tuple[str, list[Utterance]]]:
    dialogs: list[tuple[str, list[Utterance]]] = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            d = json.loads(line)
            mentions = {k: clean_title(v or "") for k, v in (d.get("movieMentions") or {}).items()}  # some are null
            utterances = []
            for m in d["messages"]:
                ids = re.findall(r"@(\d+)", m["text"])
                text = _MENTION.sub(partial(_title, titles=titles, mentions=mentions), m["text"])
                role = "recommender" if m["senderWorkerId"] == d["respondentWorkerId"] else "seeker"
                utterances.append(Utterance(role, text, ids))
            dialogs.append((str(d.get("conversationId", lineno)), _merge(utterances)))
            if limit and len(dialogs) >= limit:
                break
    return dialogs


def inspired_dialogs(path: Path, limit: int | None = None) -> list[tuple[str, list[Utterance]]]:
    frame = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False, quoting=csv.QUOTE_NONE)
    dialogs: list[tuple[str, list[Utterance]]] = []
    for dialog_id, group in frame.groupby("dialog_id", sort=False):
        utterances = []
        for rec in group.to_dict(orient="records"):
            movies = [clean_title(t) for t in re.split(r";|\|", rec.get("movies", "")) if t.strip()]
            text = rec["text"].replace("QUOTATION_MARK", '"')
            role = "recommender" if rec["speaker"].upper().startswith("RECOMMENDER") else "seeker"
            utterances.append(Utterance(role, text, movies))
        dialogs.append((str(dialog_id), _merge(utterances)))
        if limit and len(dialogs) >= limit:
            break
    return dialogs


def eval_turns(
    dialogs: list[tuple[str, list[Utterance]]], to_item: dict[str, str | None]
) -> tuple[list[EvalTurn], dict[str, int]]:
    """Turns to score; also, per dialog, the recommender mentions not in the catalog
    (counted as misses, and kept per dialog so a split by dialog splits them too)."""
    turns: list[EvalTurn] = []
    unknown: dict[str, int] = {}
    for dialog_id, utterances in dialogs:
        named: list[str] = []
        for i, u in enumerate(utterances):
            items = [to_item.get(m) for m in u.movies]
            if u.role == "recommender" and u.movies:
                targets, new = [], []
                for item in dict.fromkeys(items):
                    if item is None:
                        unknown[dialog_id] = unknown.get(dialog_id, 0) + 1
                        continue
                    targets.append(item)
                    new.append(item not in named)
                if targets:
                    turns.append(EvalTurn(dialog_id, i, utterances[:i], targets, new, list(dict.fromkeys(named))))
            named.extend(x for x in items if x)
    return turns, unknown
