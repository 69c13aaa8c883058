"""``chat-rec eval redial`` on a few shared dialogs (skipped when ../shared/data is absent).

The derived catalog and its index are cached in the temp folder, so only the first run
pays for embedding the 6.9k ReDial titles.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tests.conftest import SHARED_DATA, needs_shared

CACHE = Path(tempfile.gettempdir()) / "chat-rec-bench"


@needs_shared
@pytest.mark.shared
@pytest.mark.scale
@pytest.mark.model
def test_eval_redial_limit_10(tmp_path: Path) -> None:
    from chat_rec.cli.eval_crs import redial

    app = typer.Typer()
    app.command("redial")(redial)
    app.command("other")(lambda: None)  # keep typer in multi-command mode
    out = tmp_path / "redial.json"
    redial_dir = SHARED_DATA / "redial"
    result = CliRunner().invoke(
        app,
        [
            "redial",
            str(redial_dir / "dialogs_sample.jsonl"),
            "--movies",
            str(redial_dir / "movies.csv"),
            "--metadata",
            str(SHARED_DATA / "movielens25m" / "movies_w_keywords.csv"),
            "--tmdb",
            str(SHARED_DATA / "tmdb" / "tmdb_movies.csv"),
            "--ratings",
            str(SHARED_DATA / "movielens-small" / "ratings.csv"),
            "--limit",
            "10",
            "--cache",
            str(CACHE),
            "--out",
            str(out),
            "--llm",
            "llamacpp",
            "--llm-turns",
            "4",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert "UniCRS" in (tmp_path / "redial.report.md").read_text()  # the report is written next to the JSON
    for key in (
        "n_targets",
        "recall@1",
        "recall@10",
        "recall@50",
        "n_targets_new",
        "recall_new@1",
        "recall_new@10",
        "recall_new@50",
        "ndcg@10",
        "mrr@10",
        "grounded_rate",
    ):
        assert key in report
    assert report["grounded_rate"] == 1.0
    # all-target keys read the whole list, new-target keys the agent's own list
    assert report["recall@10"] == report["whole_list"]["recall@10"]
    assert report["recall_new@10"] == report["policy"]["recall_new@10"]
    assert report["policy"]["recall_repeat@50"] <= report["whole_list"]["recall_repeat@50"]
    assert report["n_targets"] > 10 and 0 < report["n_targets_new"] <= report["n_targets"]
    # the benchmark ranks with a learned config, so its weighted-sum fallback is scored too
    assert set(report["baselines"]) == {"random", "popularity", "lexical", "dense", "full", "weighted sum"}
    assert report["ablation"] and all(k.startswith("without ") for k in report["ablation"])
    assert report["interactions"][0]["events"] > 1000  # the training dialogs, never the test ones
    assert report["catalog"]["linked_to_tmdb"] > 1000  # vote counts: the catalog's popularity field
    assert report["catalog"]["linked_to_ratings"] > 3000  # MovieLens ratings: the default ranking reads them
    assert "warning" not in result.output
    # --llm: the shown picks come from the ranking's head, through the real model, all grounded
    shown = report["shown"]
    assert shown["llm"] and shown["turns"] == 4 and shown["shown_per_turn"] == 3
    assert shown["grounded_rate_shown"] == 1.0
    assert shown["model_reasons_written"] > 0
    for kind, examples in shown["reasons_rejected_examples"].items():  # each kind counted comes with examples
        assert shown["reasons_rejected"][kind] >= len(examples) > 0 and all("->" in e for e in examples)
    kept = round(shown["model_reasons_kept"] * shown["model_reasons_written"])
    assert len(shown["reasons_kept_examples"]) == min(kept, 10) and shown["prompt"].startswith("recommend@")
    assert 0 <= shown["recall_shown@3"] <= 1 and "shown recall" in result.output
