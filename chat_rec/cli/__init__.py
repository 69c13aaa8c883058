"""The ``chat-rec`` command: noun groups, one module each.

Errors from the :class:`ChatRecError` family print one line with the next step and exit
2; anything unexpected prints one line too (``CHAT_REC_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import os
import sys

import click
import typer

from chat_rec.errors import ChatRecError

app = typer.Typer(no_args_is_help=True, add_completion=False, help="chat-rec: a conversational recommender.")


def _register() -> None:
    from chat_rec.cli import ask, catalog, chat

    app.command("ask")(ask.ask)
    app.command("chat")(chat.chat)
    app.add_typer(catalog.app, name="catalog")
    for name in ("profile", "feedback", "prompts", "eval", "interactions", "ranking", "serve", "tokens"):
        try:
            module = __import__(f"chat_rec.cli.{name}", fromlist=["app"])
        except ModuleNotFoundError:
            continue
        if hasattr(module, "app"):
            app.add_typer(module.app, name=name)
        elif hasattr(module, "command"):
            app.command(name)(module.command)


def main() -> None:
    from chat_rec.settings import disable_telemetry

    disable_telemetry()
    _register()
    try:
        code = app(standalone_mode=False)
    except ChatRecError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (click.Abort, KeyboardInterrupt):
        click.echo("interrupted; nothing half-written was kept", err=True)
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("CHAT_REC_DEBUG"):
            raise
        click.echo(f"unexpected error: {type(exc).__name__}: {exc} (set CHAT_REC_DEBUG=1 for details)", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
