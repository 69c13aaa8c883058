"""Past requests and what was recommended after them: "people who asked like this got ...".

Co-mentions link an item to the items a dialog named; they say nothing when the user has
named none. A request memory links *words* to items: each past turn of a logged dialog
(its last few utterances, embedded) and the items the recommender named in answer. For a
new request, the ``k`` most similar past requests vote for their items, each vote the
cosine similarity of the two requests; an item's score is the sum of its votes
(:meth:`RequestMemory.scores`, the ``asked`` feature of
:func:`chat_rec.agent.retrieve.retrieve`). Each item also has a *profile*, the mean of the
past requests that led to it; a new request's cosine with it is the ``asked_profile``
feature (:meth:`RequestMemory.profile_scores`): it reaches items no single near request
led to, when many loosely similar ones did. A ridge regression from request vectors to
the items named after them (:meth:`RequestMemory.linear_scores`, the ``asked_linear``
feature) learns which directions of the embedding lead to an item, which a mean or a vote
cannot: alone it finds a held-out request's new films at R@10 .166 / .174 on two
validation splits, the vote .136 / .144 (2026-12-05, docs/accuracy.md).

Deliberately left out: keeping request text from the product's own chats (a message must
not outlive ``profile forget``); the memory is built from logged dialogs that a team
imports for benchmarks and ``ranking fit``; the films named before a request as more inputs
of the linear model (alone they help, in the learned ranker they added nothing the
co-mentions do not carry).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

NEIGHBOURS = 50  # past requests that vote for a new one's items
RIDGE = 10.0  # the linear model's penalty: 3 and 30 found fewer held-out films alone


def request_text(utterances: Sequence[str], turns: int) -> str:
    """The words of a request: the last ``turns`` utterances (all of them when 0), as the
    benchmarks' reader joins them into ``Preferences.query``."""
    recent = utterances[-turns:] if turns else utterances
    return " ".join(recent).strip()


@dataclass
class RequestMemory:
    vectors: np.ndarray  # one normalised row per past request
    items: list[np.ndarray]  # per request: the item-space rows recommended after it
    sessions: np.ndarray  # per request: its dialog's session name (for K-fold subsets)
    n_items: int  # rows of the item space the item rows index
    neighbours: int = NEIGHBOURS
    _profiles: np.ndarray | None = field(default=None, repr=False, compare=False)
    _linear: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.items)

    def scores(self, request_vector: np.ndarray) -> np.ndarray:
        """Per item-space row: the summed similarity of the nearest past requests that
        led to the item (0 for items no near request led to)."""
        out = np.zeros(self.n_items, dtype=np.float32)
        if not len(self.items):
            return out
        sims = self.vectors @ request_vector.astype(np.float32)
        k = min(self.neighbours, len(sims))
        for j in np.argpartition(-sims, k - 1)[:k]:
            if sims[j] > 0:
                out[self.items[j]] += sims[j]
        return out

    def profile_scores(self, request_vector: np.ndarray) -> np.ndarray:
        """Per item-space row: the cosine of the request with the item's profile, the
        normalised mean of the past requests that led to it (0 for items none led to)."""
        if self._profiles is None:
            self._profiles = self._build_profiles()
        out: np.ndarray = self._profiles @ request_vector.astype(np.float32)
        return out

    def linear_scores(self, request_vector: np.ndarray) -> np.ndarray:
        """Per item-space row: a ridge regression's prediction, from the request's vector, of
        the item being named after it (0 for items no past request led to)."""
        if self._linear is None:
            self._linear = self._fit_linear()
        led_to, weights = self._linear
        out = np.zeros(self.n_items, dtype=np.float32)
        out[led_to] = request_vector.astype(np.float32) @ weights
        return out

    def _fit_linear(self) -> tuple[np.ndarray, np.ndarray]:
        """(the item rows some request led to, the d x len(rows) weights): one solve of
        (X'X + RIDGE I) W = X'Y, with X the request vectors and Y which items followed."""
        dim = self.vectors.shape[1] if self.vectors.ndim == 2 else 0
        if not len(self.items):
            return np.zeros(0, dtype=np.int64), np.zeros((dim, 0), dtype=np.float32)
        followed = self._followed()
        led_to = np.flatnonzero(followed.getnnz(axis=0))
        followed = followed[:, led_to]
        x = self.vectors.astype(np.float64)
        xty = np.asarray((followed.T @ x).T)
        weights = np.linalg.solve(x.T @ x + RIDGE * np.eye(dim), xty)
        return led_to, weights.astype(np.float32)

    def _build_profiles(self) -> np.ndarray:
        dim = self.vectors.shape[1] if self.vectors.ndim == 2 else 0
        if not len(self.items):
            return np.zeros((self.n_items, dim), dtype=np.float32)
        sums = np.asarray(self._followed().T @ self.vectors, dtype=np.float32)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        return np.divide(sums, norms, out=np.zeros_like(sums), where=norms > 0)

    def _followed(self) -> sparse.csr_matrix:
        """Requests x item-space rows: 1 where the item was named after the request."""
        cols = np.concatenate(self.items)
        rows = np.repeat(np.arange(len(self.items)), [len(r) for r in self.items])
        shape = (len(self.items), self.n_items)
        return sparse.csr_matrix((np.ones(len(cols), dtype=np.float32), (rows, cols)), shape=shape)

    def only(self, sessions: Collection[str]) -> RequestMemory:
        """The requests of ``sessions`` only: K-fold signals leave an example's own dialog out."""
        keep = np.isin(self.sessions, list(sessions))
        return RequestMemory(
            self.vectors[keep],
            [rows for rows, kept in zip(self.items, keep) if kept],
            self.sessions[keep],
            self.n_items,
            self.neighbours,
        )


def build_memory(
    requests: Sequence[tuple[str, str, Sequence[str]]], row: dict[str, int], vectors: np.ndarray
) -> RequestMemory:
    """A memory from ``(session, text, item ids)`` triples and the texts' vectors (in the
    same order); items outside ``row`` (the item space) are left out, and so is a
    request none of whose items is in it."""
    keep, items, sessions = [], [], []
    for n, (session, _, item_ids) in enumerate(requests):
        rows = np.array(sorted({row[i] for i in item_ids if i in row}), dtype=np.int64)
        if len(rows):
            keep.append(n)
            items.append(rows)
            sessions.append(session)
    dim = vectors.shape[1] if vectors.ndim == 2 else 0
    kept = vectors[keep].astype(np.float32) if keep else np.zeros((0, dim), dtype=np.float32)
    return RequestMemory(kept, items, np.array(sessions, dtype=object), len(row))
