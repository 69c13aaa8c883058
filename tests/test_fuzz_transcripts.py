"""The transcript reader over broken files: every bad line is an InputError naming the file
and line, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chat_rec.errors import InputError
from chat_rec.eval.transcript import load_transcripts

GOOD = {"id": "c1", "turns": [{"role": "user", "text": "a comedy", "expect": {"min_recommendations": 1}}]}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)


def _mutations() -> st.SearchStrategy[bytes]:
    good = json.dumps(GOOD)
    return st.one_of(
        st.binary(max_size=400),
        st.text(max_size=400).map(str.encode),
        json_values.map(lambda v: json.dumps(v).encode()),
        st.dictionaries(st.sampled_from(["id", "turns", "tags", "user_id", "extra"]), json_values).map(
            lambda d: json.dumps(d).encode()
        ),
        st.integers(0, len(good)).map(lambda n: good[:n].encode()),  # cut off mid-line
        st.integers(1, 3000).map(lambda n: ("[" * n + "]" * n).encode()),  # nesting
        st.just(b"\xff\xfe" + good.encode("utf-16-le")),
        st.just((good + "\n" + good).encode()),  # a duplicate id
    )


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(content=_mutations())
def test_any_file_loads_or_fails_with_its_line(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_bytes(content)
    try:
        conversations = load_transcripts(path)
    except InputError as exc:
        assert "cases.jsonl" in str(exc) or str(path) in str(exc)
        return
    assert conversations and all(c.turns for c in conversations)
