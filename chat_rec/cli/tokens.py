"""``chat-rec tokens``: create, list and revoke API tokens for ``chat-rec serve``."""

from __future__ import annotations

import typer

from chat_rec.settings import get_settings

app = typer.Typer(no_args_is_help=True, help="API tokens for `chat-rec serve`: create, list, revoke.")


def _tokens():  # type: ignore[no-untyped-def]
    from chat_rec.memory.store import Store
    from chat_rec.memory.tokens import Tokens

    return Tokens(Store(get_settings().store_path))


@app.command()
def create(
    user: str = typer.Option(..., "--user", "-u", help="The user this token acts for."),
    admin: bool = typer.Option(False, "--admin", help="Also reach every user and the /v1/admin routes."),
    label: str = typer.Option("", "--label", help="A note for `tokens list`, e.g. who holds it."),
) -> None:
    """Print a new token once (only its hash is stored: keep it somewhere safe)."""
    token, secret = _tokens().create(user, admin=admin, label=label)
    typer.echo(secret)
    typer.echo(f"token {token.id} for {token.user_id}{' (admin)' if token.admin else ''}", err=True)


@app.command("list")
def list_tokens() -> None:
    """Every token: id, user, admin, created, revoked."""
    rows = _tokens().list()
    if not rows:
        typer.echo("no tokens; create one with `chat-rec tokens create --user NAME`")
    for t in rows:
        state = f"revoked {t.revoked_at}" if t.revoked_at else "live"
        typer.echo(f"{t.id}\t{t.user_id}\t{'admin' if t.admin else 'user'}\t{t.created_at}\t{state}\t{t.label}")


@app.command()
def revoke(token_id: int = typer.Argument(..., help="The id `tokens list` shows.")) -> None:
    """Revoke a token at once (every worker checks the database on each request)."""
    from chat_rec.errors import StoreError

    if not _tokens().revoke(token_id):
        raise StoreError(f"no live token with id {token_id}", "See `chat-rec tokens list`.")
    typer.echo(f"revoked token {token_id}")
