"""Retrieve: gather candidates by several routes and compute one feature row each.

Routes: dense (Chroma's HNSW; with hard filters, an exact scan of the in-memory vectors
that keeps the best items passing them), lexical (BM25), neighbours of items the user
named or liked, items related in interaction logs, the most popular items, and the other
films of a named film's series. Every candidate then gets the same features from the
in-memory vectors, so ranking is a pure function of this table.

Deliberately left out: learned query rewriting; the query is the user's own words plus
the previous request when the turn refines it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice

import numpy as np

from chat_rec.agent.cues import NEGATED_SPAN
from chat_rec.agent.filters import is_filtered, passes
from chat_rec.agent.item_facts import PARTIAL_TAG as PARTIAL_TAG
from chat_rec.agent.item_facts import item_facts
from chat_rec.agent.item_facts import tag_match as tag_match
from chat_rec.agent.preferences import Preferences
from chat_rec.agent.understand import positive_text
from chat_rec.agent.vocabulary import content_words
from chat_rec.index.space import ItemSpace
from chat_rec.signals import Signals

FEATURES = (
    "dense",
    "lexical",
    "seed",
    "taste",
    "category",
    "tag",
    "people",
    "popularity",
    "collab",
    "dislike",
    "series",
    "asked",
    "asked_profile",
    "year",
    "listed_popularity",
    "rating",
    "rating_count",
    "asked_linear",
)
# context for a learned ranker only: what the request memory's item profiles and linear
# model say, and the record's year, own popularity field (log1p of votes, sales), mean
# rating and log1p of its number of ratings (0 when the record has none); a weighted sum
# leaves them at 0


@dataclass
class UserContext:
    """What memory knows about the user, as ranking needs it."""

    liked: list[str] = field(default_factory=list)
    disliked: list[str] = field(default_factory=list)
    excluded: set[str] = field(default_factory=set)  # seen, disliked, already shown


@dataclass
class Candidates:
    ids: list[str]
    features: np.ndarray  # len(ids) x len(FEATURES)
    routes: dict[str, list[str]]  # which route found which ids (for traces)
    n_named: int = 0  # items the user named (seeds): context for a learned ranker

    def column(self, name: str) -> np.ndarray:
        values: np.ndarray = self.features[:, FEATURES.index(name)]
        return values


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    k = min(k, len(scores))
    if k <= 0:
        return np.array([], dtype=int)
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.argsort(-scores[part])]


NAMED_PEOPLE = 0.5  # sharing a person with a named film says less than being the person asked for


def _without_titles(text: str, item_ids: list[str], space: ItemSpace, limits: list[str]) -> str:
    """Content words only: named titles are handled by the seed signal, and the words of
    a limit already read ("in English") by the filters; left in, they find *The English
    Patient*. Chat words ("something", "like") only add noise to BM25."""
    for item_id in item_ids:
        item = space.catalog.by_id.get(item_id)
        for title in [item.title, *space.catalog.aliases(item)] if item else []:
            text = re.sub(re.escape(title), " ", text, flags=re.IGNORECASE)
    for word in limits:
        text = re.sub(rf"\b{re.escape(word)}\b", " ", text, flags=re.IGNORECASE)
    return " ".join(content_words(text))


def _dense(
    space: ItemSpace, qvec: np.ndarray, n: int, n_excluded: int, ok: Callable[[str], bool], filtered: bool
) -> list[str]:
    """The ``n`` nearest items that pass ``ok``. Unfiltered: Chroma's index. Filtered: the
    exact in-memory scan (a few ms at 62k); Chroma's metadata pre-filter took 140-180 ms
    for the same at 62k items."""
    if not filtered:
        return [i for i, _ in space.index.query(qvec, n + n_excluded) if ok(i)][:n]
    return [i for i, _ in space.nearest(qvec, n, ok)]


def query_texts(space: ItemSpace, prefs: Preferences) -> tuple[str, str | None]:
    """(the words BM25 searches, the text to embed or None to search near the named
    titles instead). Benchmarks call it ahead of :func:`retrieve` to embed in batches."""
    named = [s for s in [*prefs.anchor_items, *prefs.liked_items] if s in space.row]
    positive = positive_text(prefs.query)
    referenced = [*named, *prefs.seen_items, *prefs.disliked_items]
    query = _without_titles(positive, referenced, space, [*prefs.languages, *filter(None, [prefs.exclude_language])])
    if query or not named:  # titles stay in the embedded text: next to other words they carry meaning
        # "nothing Indian" alone: embedding the words it rules out would search next to them
        said = "" if NEGATED_SPAN.search(prefs.query) else prefs.query
        return query, positive or said or " "
    return query, None


def retrieve(
    space: ItemSpace,
    prefs: Preferences,
    user: UserContext,
    signals: Signals,
    n: int = 100,
    keep_named: bool = False,
    query_vector: np.ndarray | None = None,
    request_vector: np.ndarray | None = None,
) -> Candidates:
    """Candidates and their features. Items the user named are left out (they are not news
    to the user) unless ``keep_named``: benchmarks score the whole list, as published
    systems are scored, and report the agent's policy by masking those rows.
    ``query_vector`` is the embedding of the text :func:`query_texts` returns, when the
    caller has it already (benchmarks embed every turn's query in one batch);
    ``request_vector`` likewise for ``prefs.query``, which the signals' request memory reads."""
    catalog = space.catalog
    named = [s for s in [*prefs.anchor_items, *prefs.liked_items] if s in space.row]
    query, embedded = query_texts(space, prefs)
    if embedded is not None:
        qvec = query_vector if query_vector is not None else space.embed_query(embedded)
    else:  # only titles were named: search near them rather than near the words of their titles
        qvec = space.matrix[[space.row[s] for s in named]].mean(axis=0)
        qvec /= np.linalg.norm(qvec) or 1.0
    excluded = set(user.excluded) | set(prefs.disliked_items) | set(prefs.seen_items)
    excluded |= set(prefs.liked_items) | set(prefs.anchor_items)  # things the user named are not news to them
    series = space.series.siblings(named)  # "Toy Story 2" after "Toy Story"
    if prefs.contrast:  # "like The Godfather but funnier": more of the same series is not that
        excluded |= set(series)
        series = {}

    filtered = is_filtered(prefs)
    allowed = np.ones(len(space.ids), dtype=bool)  # per space row: not excluded (filters come on top)
    allowed[[space.row[i] for i in excluded if i in space.row]] = False

    def ok(item_id: str) -> bool:
        row = space.row.get(item_id)
        if row is None or not allowed[row]:
            return False
        return passes(catalog.by_id[item_id], prefs, catalog) if filtered else True

    def ok_rows(rows: np.ndarray) -> list[str]:
        """The ids of ``rows`` that pass, in order (the common, unfiltered case without a Python call per row)."""
        kept = rows[allowed[rows]]
        return [space.ids[j] for j in kept if not filtered or passes(catalog.by_id[space.ids[j]], prefs, catalog)]

    routes: dict[str, list[str]] = {}
    routes["dense"] = _dense(space, qvec, n, len(excluded), ok, filtered)
    # the words the reader mapped a phrase to ("I scare easily" -> gentle) are searched for too
    wished = [w for w in [*prefs.liked_tags, *prefs.include_categories] if w.lower() not in query.lower()]
    lexical = space.lexical.scores(" ".join([query, *wished]).strip())
    top_lexical = _top(lexical, n * 3)
    routes["lexical"] = ok_rows(top_lexical[lexical[top_lexical] > 0])[: n // 2]
    seeds = [*prefs.anchor_items, *prefs.liked_items, *user.liked]
    seeds = [s for s in dict.fromkeys(seeds) if s in space.row]
    if seeds:
        seed_matrix = space.matrix[[space.row[s] for s in seeds]]
        sims = (space.matrix @ seed_matrix.T).max(axis=1)
        routes["neighbours"] = ok_rows(_top(sims, n * 3))[:n]
        related = signals.related(seeds, limit=n * 3)
        routes["collab"] = list(islice(filter(ok, related), n))
    else:
        related = {}
    # "loved Parasite": the other films of its director and cast
    named_people = {p for s in named for p in catalog.people(catalog.by_id[s])}
    named_leads = {p for s in named for p in catalog.lead_people(catalog.by_id[s])}
    credited = dict.fromkeys(i for person in sorted(named_people) for i in catalog.credited(person))
    routes["people"] = list(islice(filter(ok, credited), n))
    routes["popular"] = list(islice(filter(ok, signals.top_popular(n * 3)), n // 2))
    routes["series"] = [i for i in series if ok(i)]
    if keep_named:  # after the other routes, so they fill the same table as without
        routes["named"] = [i for i in named if i in catalog.by_id and passes(catalog.by_id[i], prefs, catalog)]

    ids = list(dict.fromkeys(i for route in routes.values() for i in route))
    if not ids:
        return Candidates([], np.zeros((0, len(FEATURES)), dtype=np.float32), routes, n_named=len(named))
    space_rows = np.fromiter((space.row[i] for i in ids), dtype=np.int64, count=len(ids))
    vectors = space.matrix[space_rows]
    feats = np.zeros((len(ids), len(FEATURES)), dtype=np.float32)
    feats[:, 0] = vectors @ qvec
    lex = lexical[space_rows].astype(np.float32)
    shown = lex[: len(ids) - len(routes.get("named", []))]  # the named rows come last: scale without them
    scale = float(shown.max()) if len(shown) else 0.0
    feats[:, 1] = lex / scale if scale > 0 else 0.0
    if named:
        feats[:, 2] = (vectors @ space.matrix[[space.row[s] for s in named]].T).max(axis=1)
    liked = [s for s in user.liked if s in space.row]
    if liked:
        taste = space.matrix[[space.row[s] for s in liked]].mean(axis=0)
        taste /= np.linalg.norm(taste) or 1.0
        feats[:, 3] = vectors @ taste
    facts = item_facts(catalog, space.ids)
    rows = space_rows
    include = set(prefs.include_categories) | set(prefs.boost_categories)
    seed_categories = [c for c in (facts.categories[facts.row[s]] for s in named) if c]
    tags = {t.lower() for t in prefs.liked_tags}
    seed_tags = [t for t in (facts.tags[facts.row[s]] for s in named) if t]
    people = set(prefs.liked_people)
    if include:
        feats[:, 4] = facts.category_overlap(rows, include) / len(include)
    elif seed_categories:  # "like X": share X's categories (Jaccard, the best seed)
        sizes = facts.category_counts(rows)
        best = np.zeros(len(ids), dtype=np.float32)
        for wanted in seed_categories:
            shared = facts.category_overlap(rows, wanted)
            union = sizes + len(wanted) - shared
            best = np.maximum(best, np.divide(shared, union, out=np.zeros_like(best), where=sizes > 0))
        feats[:, 4] = best
    if people or named_people:
        for k, j in enumerate(rows):
            if people:
                feats[k, 6] = float(bool(people & facts.people[j]))
            else:
                shared_people = named_people & facts.people[j]  # a shared director counts double a shared actor
                feats[k, 6] = NAMED_PEOPLE * (1.0 if shared_people & named_leads else 0.5 if shared_people else 0.0)
    # "like Parasite": the share of its tags the item has; "like Jaws but in space": that
    # and the share of the tags asked for, half each
    has_tags = facts.matrix[rows].getnnz(axis=1) > 0
    total = facts.tag_scores(rows, tags) if tags else np.zeros(len(ids), dtype=np.float32)
    shares = np.full(len(ids), 1.0 if tags else 0.0, dtype=np.float32)
    if seed_tags:
        best = np.max([facts.tag_scores(rows, wanted) for wanted in seed_tags], axis=0)
        total = total + np.where(has_tags, best, 0.0)
        shares += has_tags
    feats[:, 5] = np.divide(total, shares, out=np.zeros(len(ids), dtype=np.float32), where=shares > 0)
    feats[:, 7] = signals.popularity_rows(space_rows, ids, space.ids)
    feats[:, 8] = np.array([related.get(i, 0.0) for i in ids], dtype=np.float32)
    disliked = [s for s in [*user.disliked, *prefs.disliked_items] if s in space.row]
    if disliked:
        feats[:, 9] = (vectors @ space.matrix[[space.row[s] for s in disliked]].T).max(axis=1)
        disliked_series = space.series.siblings(disliked)  # "not Toy Story": not Toy Story 2 either
        feats[:, 9] = np.maximum(feats[:, 9], [float(i in disliked_series) for i in ids])
    ruled_out = {t.lower() for t in prefs.disliked_tags}
    if ruled_out:  # "less slow": an item tagged "slow burn" is as unwanted as a disliked title
        for k, j in enumerate(rows):
            if ruled_out & (facts.tags[j] | {c.lower() for c in facts.categories[j]}):
                feats[k, 9] = 1.0
    feats[:, 10] = [float(i in series) for i in ids]
    memory = signals.requests
    if memory is not None and len(memory):  # "people who asked like this got ..." (logged dialogs)
        if request_vector is None:
            request_vector = qvec if embedded == prefs.query else space.embed_query(prefs.query or " ")
        feats[:, 11] = memory.scores(request_vector)[space_rows]
        feats[:, 12] = memory.profile_scores(request_vector)[space_rows]
        feats[:, 17] = memory.linear_scores(request_vector)[space_rows]
    feats[:, 13] = facts.years[rows]
    feats[:, 14] = facts.listed_popularity[rows]
    feats[:, 15] = facts.ratings[rows]
    feats[:, 16] = facts.rating_counts[rows]
    return Candidates(ids, feats, routes, n_named=len(named))
