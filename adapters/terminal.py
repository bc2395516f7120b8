"""What every terminal command shares: exit codes, standard streams, loading the advisor, the
common options. Both ``adapters.cli`` and ``adapters.cli_quiz`` import this module; it imports
neither, so the terminal adapter's imports run one way (cli → cli_quiz → terminal).
"""
from __future__ import annotations

import argparse
import os
import re
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


# -- the command line -----------------------------------------------------------------------------
class Parser(argparse.ArgumentParser):
    """argparse with a one-line error: what is wrong and where to look, then exit 2."""

    def error(self, message: str):
        # before the arguments are read there is no language to choose: English, as argparse's own words
        self.exit(EXIT_USAGE, t("cli.usage_error", "en", prog=self.prog, error=message) + "\n")


class VersionAction(argparse.Action):
    """``--version``: the installed package's version, looked up only when asked (start-up stays fast)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS, help=None):
        super().__init__(option_strings, dest, nargs=0, default=default, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        from importlib.metadata import PackageNotFoundError, version

        try:
            v = version("role-advisor")
        except PackageNotFoundError:  # run from a checkout that was never installed
            v = "unknown"
        print(f"{parser.prog} {v}")
        parser.exit(EXIT_OK)


def add_command(sub, name: str, summary: str, **kw):
    """A sub-command whose one-line summary shows both in the command list and in its own --help."""
    return sub.add_parser(name, help=summary, description=summary, **kw)


def fail(message: str) -> int:
    """One clear line on standard error; the exit code for bad usage."""
    print(message, file=sys.stderr, flush=True)
    return EXIT_USAGE


# -- output on a terminal -------------------------------------------------------------------------
def columns(stream=None) -> int | None:
    """Width of the terminal ``stream`` (standard output) is, or None when it is not a terminal."""
    stream = stream or sys.stdout
    try:
        if not stream.isatty():
            return None
        return os.get_terminal_size(stream.fileno()).columns or None
    except (AttributeError, ValueError, OSError):
        return None


_HANG = re.compile(r"^(\s*(?:[•*\-–›]\s+|\d+[.)]\s+|[a-d]\)\s+)?)")


def wrap(text: str, cols: int) -> list[str]:
    """Screen lines of ``text`` at ``cols`` columns: words are never split (a word longer than the
    line is left to the terminal), list items keep a hanging indent, widths are display cells
    (wcwidth: accents, wide characters and emoji measured as the terminal draws them)."""
    import wcwidth

    out: list[str] = []
    for line in text.split("\n"):
        if wcwidth.width(line) <= cols:
            out.append(line)
            continue
        indent = " " * wcwidth.width(_HANG.match(line).group(1))
        out += wcwidth.wrap(line, cols, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False) or [""]
    return out


def rows(line: str, cols: int) -> int:
    """Terminal rows one written line takes (a line wider than the terminal wraps there)."""
    import wcwidth

    return max(1, -(-wcwidth.width(line) // max(1, cols)))


def show(text: str = "", stream=None) -> None:
    """Print ``text``, wrapped to the terminal's width when standard output is a terminal."""
    stream = stream or sys.stdout
    cols = columns(stream)
    if cols is not None and text:
        text = "\n".join(wrap(text, cols))
    print(text, file=stream, flush=True)


def ask(prompt: str) -> str:
    """``input(prompt)``, the prompt wrapped like any other text when it is wider than the terminal."""
    cols = columns()
    if cols is not None and prompt.strip():
        *before, last = wrap(prompt.rstrip(), max(1, cols - 1))
        for line in before:
            print(line)
        prompt = last + " "
    return input(prompt)
