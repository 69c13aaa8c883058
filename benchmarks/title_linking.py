"""Title linking benchmark: ReDial's movie list against the MovieLens 25M titles.

Baseline: exact match of the title after article normalisation ("Matrix, The" ==
"The Matrix"), lowercase and punctuation removed, with the same year (or any year when
ReDial gives none). Linker: :class:`chat_rec.catalog.titles.TitleLinker` (alternative
titles, number normalisation, fuzzy matching within a year), counted as a match when its
best link scores >= THRESHOLD.

Precision of the matches the baseline misses is measured on a fixed random sample of 50
that was checked by hand (``HAND_CHECKED`` below: ReDial id -> MovieLens id judged
correct, or None when the link was wrong). Rerunning after changing the linker prints
which sampled links changed so the sample can be re-checked.

    .venv/bin/python benchmarks/title_linking.py
"""

from __future__ import annotations

import csv
import random
import re
import sys
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chat_rec.catalog.items import Catalog  # noqa: E402
from chat_rec.catalog.load import load_catalog  # noqa: E402
from chat_rec.catalog.titles import TitleLinker, split_year  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
REDIAL = DATA / "redial" / "movies.csv"
MOVIELENS = DATA / "movielens25m" / "movies_w_keywords.csv"
MAPPING = ROOT / "catalog" / "mappings" / "movielens25m.yaml"
THRESHOLD = 0.85
SAMPLE_SEED = 7
SAMPLE_SIZE = 50

# Hand-checked sample (seed 7): ReDial movieId -> the MovieLens movieId the linker gave
# when it was judged correct, or None when it was judged wrong.
HAND_CHECKED: dict[str, str | None] = {
    "106576": "67255",
    "86164": "1780",
    "90418": "46912",
    "188949": "8157",
    "96514": "861",
    "153466": "5477",
    "198588": "114494",
    "87886": "168122",
    "184595": "7066",
    "122613": "891",
    "84269": "248",
    "94695": "3812",
    "90141": "3189",
    "127710": "104881",
    "95306": "7781",
    "191945": "1010",
    "166987": "6674",
    "87947": "55566",
    "195498": "1261",
    "100468": "3554",
    "124402": "1201",
    "88484": "166558",
    "197763": "53835",
    "198960": "5208",
    "86345": "151645",
    "124344": "65642",
    "85612": "2459",
    "192640": "1300",
    "102073": "741",
    "137778": "181757",
    "165991": "8807",
    "104249": "2819",
    "190147": "105597",
    "99692": "30745",
    "196900": "33683",
    "142800": "136674",
    "193004": "175671",
    "116009": "71252",
    "97461": "3799",
    "198411": "78534",
    "116778": "37335",
    "154928": "26708",
    "96660": "5672",
    "191025": "163949",
    "88655": "4291",
    "165984": "155288",
    "145855": None,  # The Beast and the Beauty -> Beauty and the Bastard
    "160834": None,  # The X-Files (1998) -> Inside The X-files
    "161074": None,  # In the Labyrinth -> Eye in the Labyrinth
    "169027": None,  # Run (2014) -> Run (2013): could not confirm, counted wrong
}

_ARTICLES = {"the", "a", "an"}


def baseline_key(title: str) -> str:
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    if len(words) > 1 and words[0] in _ARTICLES:
        words = words[1:]
    return " ".join(words)


@dataclass
class Result:
    total: int
    baseline: int
    baseline_with_year: int
    linked: int
    gained: list[tuple[str, str, str, float]]  # redial id, redial name, movielens id, score (baseline missed)
    seconds: float


def run(catalog: Catalog | None = None, step: int = 1) -> Result:
    """Link every ``step``-th ReDial title (1 = all)."""
    if catalog is None:
        catalog = load_catalog(MOVIELENS, MAPPING).catalog
    exact: dict[tuple[str, int | None], str] = {}
    titles: set[str] = set()
    for item in catalog.items:
        year = catalog.year(item)
        key = baseline_key(item.title)
        exact.setdefault((key, int(year) if year else None), item.id)
        titles.add(key)
    rows = list(csv.DictReader(REDIAL.open(encoding="utf-8")))[::step]
    linker = TitleLinker(catalog)
    baseline = baseline_with_year = linked = 0
    gained = []
    started = time.perf_counter()
    for row in rows:
        name = row["movieName"].replace("%3F", "?")
        title, year = split_year(name)
        key = baseline_key(title)
        hit = (key, year) in exact if year is not None else key in titles
        baseline += hit
        baseline_with_year += hit and year is not None
        links = linker.link(name, limit=1)
        if links and links[0].score >= THRESHOLD:
            linked += 1
            if not hit:
                gained.append((row["movieId"], name.strip(), links[0].item_id, links[0].score))
    return Result(len(rows), baseline, baseline_with_year, linked, gained, time.perf_counter() - started)


def main() -> None:
    if not REDIAL.exists() or not MOVIELENS.exists():
        sys.exit(f"{DATA} is absent: this benchmark needs ../shared/data")
    catalog = load_catalog(MOVIELENS, MAPPING).catalog
    result = run(catalog)
    print(f"ReDial titles: {result.total}; MovieLens items: {len(catalog)}")
    print(
        f"baseline exact (article-normalised title + same year, any year if none given): {result.baseline} "
        f"({result.baseline / result.total:.1%}); with a year required: {result.baseline_with_year}"
    )
    print(f"linker, best link >= {THRESHOLD}: {result.linked} ({result.linked / result.total:.1%})")
    print(f"  matches the baseline misses: {len(result.gained)}; linking took {result.seconds:.1f}s")
    sample = random.Random(SAMPLE_SEED).sample(result.gained, min(SAMPLE_SIZE, len(result.gained)))
    checked = correct = 0
    unchecked = []
    for redial_id, name, item_id, score in sample:
        item = catalog.by_id[item_id]
        if redial_id in HAND_CHECKED and HAND_CHECKED[redial_id] in (item_id, None):
            checked += 1
            correct += HAND_CHECKED[redial_id] == item_id
        else:
            unchecked.append(f"  {redial_id!r}: {name!r} -> {item_id} {catalog.display_title(item)!r} ({score:.2f})")
    if checked:
        print(f"precision on the hand-checked sample of gained matches: {correct}/{checked} = {correct / checked:.0%}")
        print(f"estimated correct links: {result.baseline + round(len(result.gained) * correct / checked)}")
    if unchecked:
        print(f"{len(unchecked)} sampled link(s) not hand-checked yet:")
        print("\n".join(unchecked))


if __name__ == "__main__":
    main()
