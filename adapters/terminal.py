"""What every terminal command shares: exit codes, standard streams, loading the advisor, the
common options. Both ``adapters.cli`` and ``adapters.cli_quiz`` import this module; it imports
neither, so the terminal adapter's imports run one way (cli → cli_quiz → terminal).
"""
from __future__ import annotations

import sys

from bot.i18n import t

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def utf8_stdio() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(encoding="utf-8", errors="replace")
        except (AttributeError, ValueError):
            pass


def lines(stream) -> "iter[str]":
    """Lines of a byte stream as text; broken UTF-8 is replaced, never fatal."""
    buf = getattr(stream, "buffer", None)
    if buf is None:
        yield from (line.rstrip("\r\n") for line in stream)
        return
    for raw in buf:
        yield raw.decode("utf-8", errors="replace").rstrip("\r\n")


def load_advisor(args):
    from bot import Advisor, KnowledgeError

    try:
        return Advisor.load(getattr(args, "knowledge", None), getattr(args, "profile", None))
    except KnowledgeError as exc:
        print(t("cli.knowledge_error", "en", error=exc), file=sys.stderr)
        raise SystemExit(EXIT_USAGE) from None


def add_common(sp) -> None:
    """--profile and --knowledge, for every command that loads the advisor."""
    sp.add_argument("--profile", metavar="ID", help="profile id (default: online-community-manager)")
    sp.add_argument(
        "--knowledge", metavar="PATH", help="knowledge file or directory (default: $ROLE_ADVISOR_KNOWLEDGE or the shipped one)"
    )
