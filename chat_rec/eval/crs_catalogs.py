"""Public CRS benchmarks' movie lists as real chat-rec catalogs.

ReDial: the movie list (``movieId,movieName``) becomes a chat-rec catalog: each title is
linked to the MovieLens keyword file with the same :class:`TitleLinker` the agent uses,
and its genres and keywords go into the embedded text; with a TMDB snapshot, vote counts
become the catalog's popularity field; with MovieLens ratings, each linked film's mean
rating becomes its rating field. The enriched JSONL and its mapping are written to a
cache folder and ingested through the normal importer.

INSPIRED: MovieLens-small movies (enriched with MovieLens keywords by movieId) plus the
TMDB snapshot, TMDB titles linked to MovieLens by title (matched ones add their
overview and votes; the rest become new items).

Deliberately left out: any metadata beyond genres, keywords, overview and votes (cast,
crew): the shared files do not have it.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from chat_rec.catalog.load import load_catalog, split_title
from chat_rec.catalog.mapping import Mapping
from chat_rec.catalog.titles import TitleLinker, normalise
from chat_rec.errors import InputError
from chat_rec.eval.crs_data import clean_title

SYNONYMS = {
    "sci-fi": "Sci-Fi",
    "scifi": "Sci-Fi",
    "sci fi": "Sci-Fi",
    "science fiction": "Sci-Fi",
    "funny": "Comedy",
    "comedies": "Comedy",
    "comedy": "Comedy",
    "hilarious": "Comedy",
    "scary": "Horror",
    "horror": "Horror",
    "romantic": "Romance",
    "romcom": "Romance",
    "rom-com": "Romance",
    "animated": "Animation",
    "cartoon": "Animation",
    "cartoons": "Animation",
    "kids": "Children",
    "family": "Children",
    "documentaries": "Documentary",
    "musicals": "Musical",
    "thrillers": "Thriller",
    "suspense": "Thriller",
    "superhero": "Action",
    "war movie": "War",
    "detective": "Mystery",
    "western": "Western",
}

ML_MAPPING = {
    "name": "movielens-keywords",
    "format": "csv",
    "id": "movieId",
    "title": "title",
    "title_format": "article_suffix_with_year",
    "text": "{title}",
    "fields": {"year": {"type": "int"}, "genres": {"type": "list"}, "keyword": {"type": "list"}},
    "roles": {"year": "year", "categories": "genres", "tags": "keyword"},
}

TMDB_MAPPING = Mapping.model_validate(
    {
        "name": "tmdb-votes",
        "format": "csv",
        "id": "id",
        "title": "title",
        "text": "{title}",
        "fields": {"release_date": {"type": "date"}, "vote_count": {"type": "float"}},
        "roles": {"year": "release_date", "popularity": "vote_count"},
    }
)

BENCH_MAPPING = {
    "format": "jsonl",
    "id": "id",
    "title": "title",
    "text": "{title} ({year}). {genres}. {keywords}. {overview}",
    "fields": {
        "year": {"type": "int"},
        "genres": {"type": "list"},
        "keywords": {"type": "list"},
        "overview": {"type": "string"},
        "source_id": {"type": "string"},
        "votes": {"type": "float"},
        "rating": {"type": "float"},
        "ratings": {"type": "int"},
    },
    "roles": {
        "year": "year",
        "categories": "genres",
        "tags": "keywords",
        "description": "overview",
        "popularity": "votes",
        "rating": "rating",
        "rating_count": "ratings",
    },
    "synonyms": SYNONYMS,
}


BUILD_VERSION = "4"  # bump when a builder below changes what it writes


def _digest(*paths: Path) -> str:
    """Key of a built catalog: the builder version and the files' *contents*, so a copied or
    re-downloaded data set (new path, new mtime, same bytes) reuses its index."""
    h = hashlib.sha256(BUILD_VERSION.encode())
    for p in paths:
        with open(p, "rb") as f:
            h.update(hashlib.file_digest(f, "sha256").digest())
    return h.hexdigest()[:10]


def _genres(values: list[str] | None) -> list[str]:
    return [g for g in values or [] if g and not g.startswith("(")]


def movielens_linker(metadata: Path, mapping: Path | None = None) -> tuple[TitleLinker, dict[str, dict[str, Any]]]:
    """Linker and genres/keywords/year of a metadata file (MovieLens layout unless ``mapping``)."""
    result = load_catalog(metadata, mapping or Mapping.model_validate(ML_MAPPING))
    catalog = result.catalog
    info: dict[str, dict[str, Any]] = {
        item.id: {
            "genres": _genres(catalog.categories(item)),
            "keywords": catalog.tags(item)[:12],
            "year": catalog.year(item),
        }
        for item in catalog.items
    }
    return TitleLinker(result.catalog), info


def _write(folder: Path, name: str, rows: list[dict[str, object]], stats: dict[str, object]) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    catalog_path = folder / f"{name}.jsonl"
    mapping_path = folder / f"{name}.mapping.yaml"
    with open(catalog_path.with_suffix(".tmp"), "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    catalog_path.with_suffix(".tmp").replace(catalog_path)
    mapping_path.write_text(yaml.safe_dump({"name": name, **BENCH_MAPPING}, sort_keys=False), encoding="utf-8")
    (folder / f"{name}.link.json").write_text(json.dumps(stats, indent=2), encoding="utf-8")
    return catalog_path, mapping_path


def tmdb_votes(tmdb_csv: Path) -> tuple[TitleLinker, dict[str, float]]:
    """A linker over the TMDB snapshot and each movie's vote count (a long-run popularity)."""
    result = load_catalog(tmdb_csv, TMDB_MAPPING)
    votes = {item.id: item.get_number("vote_count") or 0.0 for item in result.catalog.items}
    return TitleLinker(result.catalog), votes


def movielens_ratings(ratings_csv: Path) -> dict[str, tuple[float, int]]:
    """MovieLens ``ratings.csv`` (userId,movieId,rating,...) -> movieId: (mean rating, count)."""
    try:
        frame = pd.read_csv(ratings_csv, usecols=["movieId", "rating"], dtype={"movieId": str, "rating": float})
    except (OSError, ValueError) as exc:  # missing file or columns, a rating that is not a number
        raise InputError(
            f"cannot read ratings from {ratings_csv}: {exc}",
            "Pass MovieLens' ratings.csv (columns userId,movieId,rating,timestamp), e.g. "
            "../shared/data/movielens-small/ratings.csv.",
        ) from exc
    grouped = frame.groupby("movieId")["rating"].agg(["mean", "count"])
    return {str(i): (float(m), int(n)) for i, m, n in zip(grouped.index, grouped["mean"], grouped["count"])}


@dataclass(frozen=True)
class RedialFiles:
    """The files a ReDial catalog is built from; only the movie list is required."""

    movies: Path  # ReDial movies.csv (movieId,movieName)
    metadata: Path | None = None  # MovieLens movies_w_keywords.csv: genres, keywords
    metadata_mapping: Path | None = None  # a mapping for ``metadata`` when it is not in MovieLens' layout
    tmdb: Path | None = None  # TMDB snapshot: vote counts as the popularity field
    ratings: Path | None = None  # MovieLens ratings.csv: each film's mean rating as its rating field


def build_redial_catalog(files: RedialFiles, folder: Path) -> tuple[Path, Path, dict[str, object]]:
    """ReDial movie list enriched from MovieLens (genres, keywords), with ``files.tmdb`` TMDB
    vote counts (the catalog's popularity field) and with ``files.ratings`` the mean
    MovieLens rating of each film linked to ``files.metadata`` (its rating field; MovieLens
    ids are the same in every MovieLens release); cached by the input files' digest."""
    optional = (files.metadata, files.metadata_mapping, files.tmdb, files.ratings)
    key = _digest(files.movies, *[p for p in optional if p])
    name = f"redial-{key}"
    if (folder / f"{name}.jsonl").exists() and (folder / f"{name}.link.json").exists():
        cached = json.loads((folder / f"{name}.link.json").read_text(encoding="utf-8"))
        return folder / f"{name}.jsonl", folder / f"{name}.mapping.yaml", cached
    linker, info = movielens_linker(files.metadata, files.metadata_mapping) if files.metadata else (None, {})
    tmdb_linker, votes = tmdb_votes(files.tmdb) if files.tmdb else (None, {})
    rated = movielens_ratings(files.ratings) if files.ratings else {}
    rows: list[dict[str, object]] = []
    link_scores: dict[str, float] = {}
    linked = with_votes = with_rating = 0
    with open(files.movies, encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            title, year = split_title(clean_title(rec["movieName"]), "with_year")
            row: dict[str, object] = {"id": rec["movieId"].strip(), "title": title, "year": year}
            query = f"{title} ({year})" if year else title
            if linker is not None:
                links = linker.link(query, limit=1, min_score=0.9)
                if links and links[0].score >= 0.9:
                    link_scores[str(row["id"])] = links[0].score
                    meta = info[links[0].item_id]
                    row.update(genres=meta["genres"], keywords=meta["keywords"], source_id=links[0].item_id)
                    if year is None and meta["year"]:
                        row["year"] = int(meta["year"])
                    linked += 1
                    if links[0].item_id in rated:
                        mean, count = rated[links[0].item_id]
                        row.update(rating=round(mean, 3), ratings=count)
                        with_rating += 1
            if tmdb_linker is not None:
                links = tmdb_linker.link(query, limit=1, min_score=0.9)
                if links and links[0].score >= 0.9:
                    row["votes"] = votes[links[0].item_id]
                    with_votes += 1
            rows.append(row)
    rows, aliases = _merge_duplicates(rows, link_scores)
    stats: dict[str, object] = {
        "items": len(rows),
        "linked_to_metadata": linked,
        "linked_to_tmdb": with_votes,
        "linked_to_ratings": with_rating,
        "duplicates_merged": len(aliases),
    }
    folder.mkdir(parents=True, exist_ok=True)  # the aliases first: ``_write``'s link.json marks the cache complete
    (folder / f"{name}.aliases.json").write_text(json.dumps(aliases, indent=1), encoding="utf-8")
    catalog_path, mapping_path = _write(folder, name, rows, stats)
    return catalog_path, mapping_path, stats


def _merge_duplicates(
    rows: list[dict[str, object]], link_scores: dict[str, float]
) -> tuple[list[dict[str, object]], dict[str, str]]:
    """One row per film: ReDial's list holds some films twice under different ids (two
    "WALL-E (2008)"; "The Hangover (2009)" and "Hangover (2010)"). Rows linked to the same
    MovieLens movie, or with the same normalised title and year, become one: the row whose
    title and year match MovieLens best is kept and the other ids become its aliases."""
    groups: dict[object, list[dict[str, object]]] = {}
    for row in rows:
        groups.setdefault(row.get("source_id") or (normalise(str(row["title"])), row.get("year")), []).append(row)
    kept_rows: list[dict[str, object]] = []
    aliases: dict[str, str] = {}
    for group in groups.values():
        kept = max(group, key=lambda r: link_scores.get(str(r["id"]), 0.0))  # ties: the first listed
        for row in group:
            if row is not kept:
                aliases[str(row["id"])] = str(kept["id"])
                if kept.get("votes") is None and row.get("votes") is not None:
                    kept["votes"] = row["votes"]
        kept_rows.append(kept)
    return kept_rows, aliases


def redial_aliases(catalog_path: Path) -> dict[str, str]:
    """Duplicate ReDial ids -> the id kept in the catalog (empty for catalogs built before)."""
    path = catalog_path.with_suffix(".aliases.json")
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def build_inspired_catalog(
    movielens_dir: Path, metadata: Path | None, tmdb_csv: Path | None, folder: Path
) -> tuple[Path, Path, dict[str, object]]:
    """MovieLens-small movies (+ keywords) and TMDB movies linked by title."""
    movies_csv = movielens_dir / "movies.csv"
    key = _digest(movies_csv, *[p for p in (metadata, tmdb_csv) if p])
    name = f"inspired-{key}"
    if (folder / f"{name}.jsonl").exists() and (folder / f"{name}.link.json").exists():
        cached = json.loads((folder / f"{name}.link.json").read_text(encoding="utf-8"))
        return folder / f"{name}.jsonl", folder / f"{name}.mapping.yaml", cached
    _, info = movielens_linker(metadata) if metadata else (None, {})
    small = load_catalog(movies_csv, Mapping.model_validate({**ML_MAPPING, "name": "movielens-small"}))
    rows: dict[str, dict[str, object]] = {}
    for item in small.catalog.items:
        meta = info.get(item.id, {})
        rows[item.id] = {
            "id": item.id,
            "title": item.title,
            "year": item.fields.get("year"),
            "genres": _genres(item.get_list("genres")),
            "keywords": meta.get("keywords", []),
            "source_id": item.id,
        }
    merged = added = 0
    if tmdb_csv is not None:
        linker = TitleLinker(small.catalog)
        tmdb = pd.read_csv(tmdb_csv, dtype=str, keep_default_na=False)
        for rec in tmdb.to_dict(orient="records"):
            year = int(rec["release_date"][:4]) if rec.get("release_date", "")[:4].isdigit() else None
            title = clean_title(rec["title"])
            try:
                genres = [g["name"] for g in ast.literal_eval(rec["genres"] or "[]")]
                keywords = [k["name"] for k in ast.literal_eval(rec["keywords"] or "[]")][:12]
            except (ValueError, SyntaxError):
                genres, keywords = [], []
            votes = float(rec["vote_count"]) if rec.get("vote_count", "").replace(".", "", 1).isdigit() else None
            links = linker.link(f"{title} ({year})" if year else title, limit=1, min_score=0.92)
            if links and links[0].score >= 0.92:
                row = rows[links[0].item_id]
                row["overview"] = rec.get("overview", "")
                row["votes"] = votes
                merged += 1
                continue
            rows[f"tmdb{rec['id']}"] = {
                "id": f"tmdb{rec['id']}",
                "title": title,
                "year": year,
                "genres": genres,
                "keywords": keywords,
                "overview": rec.get("overview", ""),
                "source_id": f"tmdb:{rec['id']}",
                "votes": votes,
            }
            added += 1
    stats: dict[str, object] = {"items": len(rows), "tmdb_merged": merged, "tmdb_added": added}
    catalog_path, mapping_path = _write(folder, name, list(rows.values()), stats)
    return catalog_path, mapping_path, stats
