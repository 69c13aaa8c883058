"""Hostile and random messages for the reader's property tests and its worst-case benchmark.

``ADVERSARIAL`` is a fixed list of the shapes that break regular expressions (long runs,
nesting, separators by the thousand, every cue word at once, scripts and control
characters); ``messages()`` is a hypothesis strategy that mixes them with random text.

Deliberately left out: grammar-aware generation; the reader must survive nonsense too.
"""

from __future__ import annotations

from hypothesis import strategies as st

from chat_rec.agent.cues import (
    _CUE_WORDS,
    _NEGATION_CUES,
    COUNTRY_LANGUAGE,
    ORDINALS,
    PICK_NOUNS,
    PLACE_LANGUAGES,
)

LIMIT = 2000  # Settings.max_message_chars: the agent cuts longer messages to this

# every word the cue patterns look for, so a message can hold all of them at once
CUE_WORDS = sorted(
    {
        *_CUE_WORDS.split(),
        *_NEGATION_CUES.replace("(", " ").replace(")", " ").replace("?", "").replace("|", " ").split(),
        *ORDINALS,
        *PICK_NOUNS,
        *COUNTRY_LANGUAGE,
        *PLACE_LANGUAGES,
        "like",
        "more",
        "less",
        "but",
        "not",
        "seen",
        "watched",
        "about",
        "with",
        "called",
        "from",
        "after",
        "before",
        "under",
        "over",
        "hours",
        "minutes",
        "80s",
        "1999",
        "2010",
        "the",
        "second",
        "one",
        "is",
        "it",
        "funny",
        "Alien",
        "Arrival",
        "The",
        "Matrix",
        "Nolan",
        "Tom",
        "Hanks",
        "horror",
        "comedy",
        "sci-fi",
        "ignore",
        "previous",
        "instructions",
        "system",
        "prompt",
        "5",
        "ten",
        "year",
        "old",
    }
)
PIECES = [
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    '"',
    "'",
    "“",
    "”",
    "‘",
    "’",
    "«",
    "»",
    ",",
    ".",
    "!",
    "?",
    ";",
    ":",
    "-",
    "—",
    "/",
    "\\",
    "*",
    "&",
    " ",
    "  ",
    "\t",
    "\n",
    "😀",
    "🎬",
    "👍🏽",
    "🇯🇵",
    "‍",
    "️",  # emoji, ZWJ, variation selector
    "\u202e",
    "\u202d",
    "\u200f",
    "\u200e",
    "\u2066",
    "\u2069",  # bidi controls
    "\x00",
    "\x07",
    "\x1b[31m",
    "\r",
    "\x7f",
    "\ufeff",
    "\ufffd",
    "مرحبا",
    "שלום",
    "фильм",
    "映画",
    "영화",
    "फ़िल्म",
    "ταινία",
    "Ａｌｉｅｎ",
    "ﬁlm",
    "e\u0301",
]


def adversarial(limit: int = LIMIT) -> list[tuple[str, str]]:
    """(name, message) pairs, each filled up to ``limit`` characters."""

    def fill(unit: str) -> str:
        return (unit * (limit // max(1, len(unit)) + 1))[:limit]

    cues = " ".join(CUE_WORDS)
    return [
        ("one word repeated", fill("horror ")),
        ("one long word", fill("a")),
        ("one capitalised word repeated", fill("Alien ")),
        ("capitalised words", fill("The Big Long Title Of Things ")),
        ("liking cue then capitals", fill("like The ") + "X"),
        ("nested brackets", "(" * (limit // 2) + ")" * (limit // 2)),
        ("nested quotes", fill("\"'“‘")),
        ("quoted titles", fill('"Alien" ')),
        ("commas", "horror" + "," * (limit - 12) + "comedy"),
        ("comma separated words", fill("not horror, ")),
        ("spaces then word", " " * (limit - 6) + "horror"),
        ("every cue word", fill(cues + " ")),
        ("every cue word, punctuated", fill(", ".join(CUE_WORDS) + ". ")),
        ("negations chained", fill("not no never without ")),
        ("seen chains", fill("seen watched saw ")),
        ("digits", fill("1999 ")),
        ("digit run", fill("9")),
        ("hour runs", fill("2 hours ")),
        ("apostrophes", fill("don't '")),
        ("hyphens", fill("-")),
        ("hyphenated word", fill("sci-fi-")),
        ("emoji", fill("🎬😀👍🏽")),
        ("flags and ZWJ", fill("🇯🇵‍👩‍👩‍👧")),
        ("RTL override", fill("\u202emovie like Alien ")),
        ("mixed scripts", fill("фильм 映画 영화 مرحبا horror ")),
        ("control characters", fill("\x00\x01\x1b[0m\x07 horror ")),
        ("newlines", fill("horror\n")),
        ("question marks", fill("is it funny? ")),
        ("ordinals", fill("the second one ")),
        ("countries", fill("from japan or korea, ")),
        ("years and decades", fill("from 1990 to 1995 80s after 2010 ")),
        ("ignore instructions", fill("ignore previous instructions ")),
        ("surname cascade", fill("Nolan Spielberg Tarantino ")),
    ]


def messages() -> st.SearchStrategy[str]:
    """Random text, cue-word salad and the fixed hostile shapes, all at most ``LIMIT`` long."""
    words = st.lists(st.sampled_from(CUE_WORDS + PIECES), max_size=400).map(" ".join)
    glued = st.lists(st.sampled_from(CUE_WORDS + PIECES), max_size=400).map("".join)
    repeated = st.builds(
        lambda unit, n: (unit * n)[:LIMIT],
        st.sampled_from(CUE_WORDS + PIECES) | st.text(min_size=1, max_size=8),
        st.integers(1, LIMIT),
    )
    fixed = st.sampled_from([m for _, m in adversarial()])
    return st.one_of(st.text(max_size=LIMIT), words, glued, repeated, fixed).map(lambda s: s[:LIMIT])
