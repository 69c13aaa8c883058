"""Lexical retrieval (BM25 via ``bm25s``) so exact names and rare words are found even
when the embedding misses them. Words are stemmed with PyStemmer's English Snowball
stemmer, so "a dog" finds an item tagged "dogs".

Deliberately left out: stemmers and stop-word lists for other languages; phrase queries.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


class LexicalIndex:
    def __init__(self, ids: Sequence[str], texts: Sequence[str]) -> None:
        import bm25s
        import Stemmer

        self.ids = list(ids)
        self._bm25s = bm25s
        self._stemmer = Stemmer.Stemmer("english")
        self._retriever: Any = bm25s.BM25()
        tokens = bm25s.tokenize(list(texts), stopwords="en", stemmer=self._stemmer, show_progress=False)
        self._retriever.index(tokens, show_progress=False)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every item, in ``ids`` order (zeros when nothing matches)."""
        tokens = self._bm25s.tokenize(
            [query], stopwords="en", stemmer=self._stemmer, show_progress=False, return_ids=False
        )
        words = tokens[0] if tokens else []
        if not words:
            return np.zeros(len(self.ids), dtype=np.float32)
        return np.asarray(self._retriever.get_scores(words), dtype=np.float32)
