"""The ``chat-rec`` command: noun groups, one module each.

Errors from the :class:`ChatRecError` family print one line with the next step and exit
2; anything unexpected prints one line too (``CHAT_REC_DEBUG=1`` shows the traceback).
Details (tracebacks, fallbacks) go to the log file, ``CHAT_REC_HOME/chat-rec.log``.
"""

from __future__ import annotations

import logging
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


def _start_log() -> str:
    """The log file for details (see :mod:`chat_rec.log`); "" when settings cannot be read."""
    from chat_rec.log import configure_logging
    from chat_rec.settings import get_settings

    try:
        settings = get_settings()
    except Exception:  # bad CHAT_REC_* values: the command itself reports them
        return ""
    return str(configure_logging(settings.home, [settings.openai_api_key]))


def main() -> None:
    from chat_rec.settings import disable_telemetry

    disable_telemetry()
    log_path = _start_log()
    log = logging.getLogger("chat_rec.cli")
    _register()
    try:
        code = app(standalone_mode=False)
    except ChatRecError as exc:
        log.warning("%s failed: %s", " ".join(sys.argv[1:3]), exc, exc_info=True)
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
        log.error("%s failed unexpectedly", " ".join(sys.argv[1:3]), exc_info=True)
        where = f"details in {log_path}" if log_path else "set CHAT_REC_DEBUG=1 for details"
        click.echo(f"unexpected error: {type(exc).__name__}: {exc} ({where})", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
