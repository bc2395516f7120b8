"""The ``role-advisor`` command: ask, chat, validate, export (and the quiz commands).

Thin: every answer, message and quiz comes from the core; this module reads lines and prints.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

from adapters.terminal import (
    EXIT_OK, EXIT_USAGE, Parser, VersionAction, add_command, add_common, lines, load_advisor, show, utf8_stdio,
)
from bot.i18n import t

# The Telegram and Discord adapters load the advisor through this name.
_load = load_advisor


def _lang_arg(value: str | None) -> str | None:
    return value if value in ("en", "hu") else None


def _plain(advisor, ans) -> str:
    out = ans.answer
    if ans.alternatives:
        items = [advisor.topic_label(a, ans.lang) for a in ans.alternatives]
        out += "\n" + t("did_you_mean", ans.lang, items=f" {t('or', ans.lang)} ".join(items))
    return out


# -- commands -------------------------------------------------------------------------------------
def _parse_line(line: str) -> tuple[str, str | None]:
    """(question, conversation id) of one input line of ``ask``: a JSON object
    ``{"q": "...", "conversation": "c01"}``, or else the whole line as a plain question."""
    if line.lstrip().startswith("{"):
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError):
            return line, None
        if isinstance(obj, dict) and isinstance(obj.get("q"), str):
            conv = obj.get("conversation")
            if isinstance(conv, (str, int)) and not isinstance(conv, bool):
                return obj["q"], str(conv)[:200]
            return obj["q"], None
    return line, None


def _taught(args, advisor):
    """What the community taught, from the configured database when there is one (an SQLite file
    that does not exist yet is not created: nothing was taught)."""
    if getattr(args, "no_taught", False):
        return None
    url = os.environ.get("ROLE_ADVISOR_DATABASE_URL", "")
    path = None
    if not url or url.startswith("sqlite:///"):
        # as bot.storage.default_sqlite_path, without importing the storage layer for a one-shot question
        base = os.environ.get("ROLE_ADVISOR_DATA_DIR") or os.path.join(os.path.expanduser("~"), ".local", "share", "role-advisor")
        path = url[len("sqlite:///"):] if url else os.path.join(base, "role-advisor.sqlite3")
        if not os.path.exists(path):
            return None
    from adapters.cli_teach import load_taught

    return load_taught(advisor, path)


def cmd_ask(args) -> int:
    from bot import taught as taught_mod

    advisor = load_advisor(args)
    taught = _taught(args, advisor)
    lang = _lang_arg(args.lang)
    questions = [" ".join(args.question)] if args.question else lines(sys.stdin)
    conversations: dict = {}
    for line in questions:
        q, conv = _parse_line(line) if not args.question else (line, None)
        if conv is None:
            ans = taught_mod.ask(advisor, taught, q, lang=lang, verbose=args.verbose)[0] if taught else \
                advisor.ask(q, lang=lang, verbose=args.verbose)
        else:
            if conv not in conversations:
                if len(conversations) >= 10000:  # bounded: the oldest conversation is forgotten
                    conversations.pop(next(iter(conversations)))
                conversations[conv] = _conversation(advisor, taught)
            ans = conversations[conv].ask(q, lang=lang, verbose=args.verbose)
        if args.json:
            sys.stdout.write(json.dumps(ans.to_dict(), ensure_ascii=False) + "\n")
            sys.stdout.flush()
        else:
            show(_plain(advisor, ans) + "\n")
    return EXIT_OK


def _conversation(advisor, taught):
    """A conversation whose turns also meet what the community taught."""
    conversation = advisor.conversation()
    if taught:
        from bot import taught as taught_mod

        class _Taught:  # the advisor as the conversation sees it: ask() through the taught phrasings
            def __getattr__(self, name):
                return getattr(advisor, name)

            def ask(self, text, lang=None, hint=None, context=None, *, verbose=False):
                return taught_mod.ask(advisor, taught, text, lang=lang, hint=hint, context=context, verbose=verbose)[0]

        conversation.advisor = _Taught()
    return conversation


def cmd_chat(args) -> int:
    advisor = load_advisor(args)
    taught = _taught(args, advisor)
    interactive = sys.stdin.isatty()
    if interactive:
        try:  # arrow keys and history, where the platform has readline
            import readline  # noqa: F401
        except ImportError:
            pass
    fixed = _lang_arg(args.lang)
    ui = fixed or "en"
    conversation = _conversation(advisor, taught)
    title = advisor.profile.title.get(ui)
    show(t("cli.welcome", ui, title=title))
    source = (lambda: input("> ")) if interactive else None
    it = None if interactive else iter(lines(sys.stdin))
    while True:
        try:
            line = source() if interactive else next(it)
        except (EOFError, StopIteration):
            break
        except KeyboardInterrupt:
            print()
            break
        text = line.strip()
        if not text:
            continue
        if not interactive:  # piped: each answer follows its question, as at the prompt
            print("> " + text, flush=True)
        if text.startswith("/"):
            cmd, _, rest = text.partition(" ")
            cmd = cmd.lower()
            if cmd in ("/quit", "/exit", "/q"):
                break
            if cmd == "/help":
                show(t("cli.help", ui))
            elif cmd == "/lang":
                choice = rest.strip().lower()
                if choice in ("auto", "en", "hu"):
                    fixed = _lang_arg(choice)
                    ui = fixed or ui
                    show(t("cli.lang_set", ui, choice=choice))
                else:
                    show(t("cli.lang_bad", ui))
            else:
                show(t("cli.unknown_command", ui, cmd=cmd[:40]))
            continue
        ans = conversation.ask(text, lang=fixed, verbose=args.verbose)
        ui = ans.lang
        show(_plain(advisor, ans) + "\n")
    show(t("cli.bye", ui))
    return EXIT_OK


def cmd_validate(args) -> int:
    from bot.loader import KnowledgeError, knowledge_dir, load_profiles

    from bot.loader import lexicon_file, parse_lexicon

    path = args.path or os.environ.get("ROLE_ADVISOR_KNOWLEDGE") or str(knowledge_dir())
    if os.path.isfile(path):
        from bot import teachfile

        try:
            with open(path, "rb") as fh:
                head = fh.read(4096).decode("utf-8", errors="replace")
        except OSError:
            head = ""
        if teachfile.is_taught_file(head):
            from adapters.cli_teach import validate_taught
            from bot.loader import decode, read_file

            try:
                text = decode(read_file(__import__("pathlib").Path(path)), path)
            except KnowledgeError as exc:
                print(str(exc), file=sys.stderr)
                return EXIT_USAGE
            return validate_taught(path, text, args)
    try:
        profiles = load_profiles(path)
        lex = lexicon_file(path)
        try:
            raw = lex.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise KnowledgeError(f"{lex}: cannot read: {exc}") from exc
        parse_lexicon(raw, str(lex))
    except KnowledgeError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    print(t("cli.valid", "en", path=path, profiles=", ".join(sorted(profiles))))
    return EXIT_OK


def cmd_export(args) -> int:
    from bot.export import to_markdown

    advisor = load_advisor(args)
    if args.format == "taught":
        from adapters.cli_teach import export_taught

        return export_taught(advisor, sys.stdout)
    langs = ("en", "hu") if args.lang in (None, "both", "auto") else (args.lang,)
    sys.stdout.write(to_markdown(advisor.profile, langs))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="role-advisor",
        description="Answers questions about an e-CF role profile (Online Community Manager), in English and Hungarian.",
    )
    p.add_argument("--version", action=VersionAction, help="print the version and exit")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    lang_help = "answer language: auto (the question's, default), en or hu"
    verbose_help = "add the editorial notes on where a text comes from (an edition, a reconstruction)"

    a = add_command(sub, "ask", "answer questions (arguments, or one per line on stdin)")
    a.add_argument("question", nargs="*", help="the question; without it, read stdin line by line")
    a.add_argument("--json", action="store_true", help="one JSON object per answer")
    a.add_argument("--lang", choices=("auto", "en", "hu"), default="auto", help=lang_help)
    a.add_argument("--verbose", action="store_true", help=verbose_help)
    a.add_argument("--no-taught", action="store_true", help="answer from the knowledge alone, without the database's taught questions")
    add_common(a)
    a.set_defaults(func=cmd_ask)

    c = add_command(sub, "chat", "interactive chat in the terminal; follow-ups use the conversation so far (also works piped)")
    c.add_argument("--lang", choices=("auto", "en", "hu"), default="auto", help=lang_help)
    c.add_argument("--verbose", action="store_true", help=verbose_help)
    c.add_argument("--no-taught", action="store_true", help="answer from the knowledge alone, without the database's taught questions")
    add_common(c)
    c.set_defaults(func=cmd_chat)

    v = add_command(sub, "validate", "check knowledge files; exit 2 when one is invalid")
    v.add_argument("path", nargs="?", help="file or directory (default: the knowledge directory); a taught file "
                                           "(export --format taught) is checked against the knowledge")
    add_common(v)
    v.set_defaults(func=cmd_validate)

    e = add_command(sub, "export", "the profile as a wiki page, or what the community taught (--format taught)")
    e.add_argument("--format", choices=("markdown", "taught"), default="markdown",
                   help="markdown (the default), or taught: the database's taught questions and community answers as YAML")
    e.add_argument("--lang", choices=("both", "en", "hu"), default="both", help="edition(s) to export: both (default), en or hu")
    add_common(e)
    e.set_defaults(func=cmd_export)

    from adapters import cli_quiz  # quiz, leaderboard and forget

    cli_quiz.register(sub)
    from adapters import cli_teach  # teach, taught, answer, import

    cli_teach.register(sub)

    tg = add_command(sub, "telegram", "run the Telegram bot (TELEGRAM_BOT_TOKEN; long polling or --webhook)")
    tg.add_argument("--webhook", metavar="URL", help="webhook mode: the public HTTPS URL Telegram posts to")
    tg.add_argument("--listen", default="127.0.0.1", help="webhook mode: address to listen on (default 127.0.0.1)")
    tg.add_argument("--port", type=int, default=8443, help="webhook mode: port to listen on (default 8443)")
    tg.add_argument("--url-path", default="telegram", help="webhook mode: path of the webhook (default telegram)")
    add_common(tg)
    tg.set_defaults(func=cmd_telegram)

    dc = add_command(sub, "discord", "run the Discord bot (DISCORD_BOT_TOKEN)")
    add_common(dc)
    dc.set_defaults(func=cmd_discord)
    for bot in (tg, dc):
        bot.add_argument("--log-level", choices=("debug", "info", "warning", "error"), type=str.lower,
                         help="how much the bot logs (default: $ROLE_ADVISOR_LOG_LEVEL, else info)")
    return p


def _platform_module(name: str, extra: str):
    import importlib

    try:
        return importlib.import_module(f"adapters.{name}")
    except ImportError as exc:
        missing = getattr(exc, "name", "") or ""
        if missing.split(".")[0] in ("telegram", "discord"):
            print(t("err.needs_extra", "en", extra=extra), file=sys.stderr)
            raise SystemExit(EXIT_USAGE) from None
        raise


def cmd_telegram(args) -> int:
    return _platform_module("telegram_bot", "telegram").main(args)


def cmd_discord(args) -> int:
    return _platform_module("discord_bot", "discord").main(args)


def main(argv: list[str] | None = None) -> int:
    utf8_stdio()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `role-advisor ask ... | head`
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
