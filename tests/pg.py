"""A real PostgreSQL for store tests: ``scripts/postgres.sh`` starts one on 127.0.0.1.

Each test gets a fresh database, dropped afterwards. When PostgreSQL cannot be installed
or started here, the PostgreSQL half of the parametrized tests skips with the reason.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator

import pytest

from tests.serve_process import ROOT

_url: str | None = None
_problem: str | None = None


def server_url() -> str:
    """The test cluster's URL (CHAT_REC_TEST_POSTGRES_URL, else scripts/postgres.sh); skips if unavailable."""
    global _url, _problem
    if _url is None and _problem is None:
        given = os.environ.get("CHAT_REC_TEST_POSTGRES_URL")
        if given:
            _url = given
        else:
            done = subprocess.run(
                ["bash", str(ROOT / "scripts" / "postgres.sh")],
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            if done.returncode == 0 and done.stdout.strip():
                _url = done.stdout.strip().splitlines()[-1]
            else:
                _problem = (done.stderr.strip().splitlines() or ["no output"])[-1]
    if _url is None:
        pytest.skip(f"PostgreSQL could not be started by scripts/postgres.sh: {_problem}")
    return _url


def fresh_database() -> Iterator[str]:
    """A new, empty database on the test cluster; dropped when the test ends."""
    import psycopg

    base = server_url()
    admin = base.rsplit("/", 1)[0] + "/postgres"
    name = f"chatrec_t_{secrets.token_hex(4)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
