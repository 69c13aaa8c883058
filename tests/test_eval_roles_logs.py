"""`chat-rec eval roles` reads the same interaction logs and ranking as `eval redial`:
both ReDial training files next to the dialogs as one source, never the dialogs scored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner


class _Stop(Exception):
    pass


def test_eval_roles_reads_every_training_file_as_eval_redial_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import chat_rec.eval.roles_data as roles_data
    from chat_rec.cli.eval import app
    from chat_rec.cli.eval_crs import training_logs

    for name in ("train_sample.jsonl", "train_more.jsonl", "dialogs_sample.jsonl", "movies.csv"):
        (tmp_path / name).write_text("", encoding="utf-8")
    dialogs = tmp_path / "dialogs_sample.jsonl"
    seen: list[Any] = []

    def capture(*args: Any, **kwargs: Any) -> Any:
        seen.append(args[-1])  # the logs
        raise _Stop

    monkeypatch.setattr(roles_data, "redial_turns", capture)
    monkeypatch.setenv("CHAT_REC_HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(app, ["roles", "--redial", str(dialogs), "--movies", str(tmp_path / "movies.csv")])
    assert isinstance(result.exception, _Stop), result.output
    logs = seen[0]
    assert logs == training_logs(dialogs)
    assert sorted(log.path.name for log in logs) == ["train_more.jsonl", "train_sample.jsonl"]
    assert {log.source for log in logs} == {"redial-train"}  # one source, as `eval redial` reads them
