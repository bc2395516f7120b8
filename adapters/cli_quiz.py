"""``role-advisor quiz``, ``leaderboard`` and ``forget``: the terminal face of the core's quiz engine."""
from __future__ import annotations

import getpass
import json
import sys

from adapters.terminal import EXIT_OK, EXIT_USAGE, add_common, lines, load_advisor
from bot.i18n import t


def _user():
    from bot.quizzes import User

    try:
        name = getpass.getuser()
    except Exception:  # no user database entry (containers)
        name = "local"
    return User("cli", name, name)


def _lang(args) -> str:
    return args.lang if args.lang in ("en", "hu") else "en"


def _run_with_store(lang: str, work) -> int:
    """Open the configured store, ``await work(store)``, close it; a clear line if it cannot open."""
    import asyncio

    from bot.storage import StorageError, open_storage

    async def go() -> int:
        try:
            store = open_storage()
            await store.open()
        except StorageError as exc:
            print(t("cli.storage_error", lang, error=exc), file=sys.stderr)
            return EXIT_USAGE
        try:
            return await work(store)
        finally:
            await store.close()

    return asyncio.run(go())


def cmd_quiz(args) -> int:
    from bot.quiz import KINDS, QuizError, QuizGenerator

    advisor = load_advisor(args)
    lang = _lang(args)
    kinds = [k.strip() for k in args.kinds.split(",")] if args.kinds else None
    if args.json:
        import random

        gen = QuizGenerator(advisor.profile)
        try:
            items = gen.generate(random.Random(args.seed), lang, args.count or 10, kinds)
        except QuizError as exc:
            print(t("cli.quiz_error", lang, error=exc), file=sys.stderr)
            return EXIT_USAGE
        for it in items:
            sys.stdout.write(json.dumps(it.to_dict(), ensure_ascii=False) + "\n")
        return EXIT_OK
    if kinds and any(k not in KINDS for k in kinds):
        print(t("cli.quiz_error", lang, error=f"known kinds: {', '.join(KINDS)}"), file=sys.stderr)
        return EXIT_USAGE
    from bot.config import ConfigError, QuizSettings

    try:
        settings = QuizSettings.from_env()
    except ConfigError as exc:
        print(t("cli.storage_error", lang, error=exc), file=sys.stderr)
        return EXIT_USAGE
    return _run_with_store(lang, lambda store: _play(advisor, store, settings, args, lang, kinds, lines(sys.stdin)))


def _pick_with_keys(view, lang) -> str | int | None:
    """On a terminal: ↑/↓ move, Enter chooses, 1-4 choose at once, q quits. Returns an option
    index (int), "q", or None when the terminal cannot be put in raw mode (then type answers)."""
    try:
        import termios
        import tty
    except ImportError:  # not a POSIX terminal
        return None
    fd = sys.stdin.fileno()
    try:
        old = termios.tcgetattr(fd)
    except termios.error:
        return None
    n = len(view.item.options)
    cur = 0
    out = sys.stdout

    def draw(first: bool) -> None:
        if not first:
            out.write(f"\x1b[{n}A")
        for i, opt in enumerate(view.item.options):
            mark = "›" if i == cur else " "
            out.write(f"\r\x1b[2K {mark} {i + 1}. {opt}\n")
        out.flush()

    try:
        tty.setcbreak(fd)  # before drawing, so no key pressed after the options appear is lost
        print(view.progress())
        print(view.item.question)
        draw(True)
        while True:
            ch = sys.stdin.read(1)
            if ch in ("q", "Q", "\x04"):
                return "q"
            if ch in ("\r", "\n"):
                return cur
            if ch.isdigit() and 1 <= int(ch) <= n:
                return int(ch) - 1
            if ch == "\x1b" and sys.stdin.read(1) == "[":
                key = sys.stdin.read(1)
                cur = (cur - 1) % n if key == "A" else (cur + 1) % n if key == "B" else cur
                draw(False)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, old)


async def _play(advisor, store, settings, args, lang, kinds, lines) -> int:
    from bot.quizzes import QuizService

    interactive = sys.stdin.isatty()
    svc = QuizService(advisor, store, settings)
    user = _user()
    step = await svc.start(user, args.community, lang, onboarding=args.onboarding, count=args.count,
                           kinds=kinds, seed=args.seed)
    print(step.message, flush=True)
    if not step.accepted:
        return EXIT_USAGE
    view = step.next
    it = iter(lines)
    keys = interactive and sys.stdout.isatty()
    while view is not None:
        print()
        reply = None
        try:
            if keys:
                print(t("cli.quiz_keys", lang), flush=True)
                reply = _pick_with_keys(view, lang)
                keys = reply is not None
            if reply is None:
                print(view.text(), flush=True)
                prompt = t("cli.quiz_choose", lang, n=len(view.item.options))
                reply = input(prompt) if interactive else next(it)
        except (EOFError, StopIteration, KeyboardInterrupt):
            print()
            break
        if isinstance(reply, str) and reply.strip().lower() in ("q", "quit", "/quit", "exit"):
            break
        step = await svc.answer(user, reply, session_id=view.session_id, index=view.index)
        if not step.accepted:
            print(step.message, flush=True)
            view = step.next
            continue
        print(step.feedback, flush=True)
        view = step.next
        if step.final is not None:
            print("\n" + step.final.text, flush=True)
    return EXIT_OK


def cmd_leaderboard(args) -> int:
    from bot.config import QuizSettings
    from bot.quizzes import QuizService

    lang = _lang(args)
    advisor = load_advisor(args)

    async def work(store) -> int:
        svc = QuizService(advisor, store, QuizSettings())
        print(await svc.leaderboard_text(lang, args.platform, args.community, args.limit))
        return EXIT_OK

    return _run_with_store(lang, work)


def cmd_forget(args) -> int:
    from bot.quizzes import User

    lang = _lang(args)

    async def work(store) -> int:
        user = User(args.platform, args.user) if args.user else _user()
        print(t("forget.done", lang, rows=await store.forget(user.platform, user.user_id)))
        return EXIT_OK

    return _run_with_store(lang, work)


def cmd_report(args) -> int:
    import datetime as dt
    import time

    from bot import report

    lang = _lang(args)
    since = None
    if args.since:
        try:
            since = dt.datetime.fromisoformat(args.since).replace(tzinfo=dt.timezone.utc).timestamp()
        except ValueError:
            print(t("err.since_format", lang, value=args.since), file=sys.stderr)
            return EXIT_USAGE

    async def work(store) -> int:
        r = await report.compute(store, time.time(), since, args.community, args.platform)
        out = {"text": lambda: report.to_text(r, lang), "json": lambda: report.to_json(r),
               "html": lambda: report.to_html(r, lang)}[args.format]()
        if args.output:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(out)
        else:
            sys.stdout.write(out if out.endswith("\n") else out + "\n")
        return EXIT_OK

    return _run_with_store(lang, work)


def cmd_health(args) -> int:
    """For container health checks: the knowledge base loads and the data store answers."""
    load_advisor(args)

    async def work(store) -> int:
        await store.schema_version()
        print(t("health.ok", "en"))
        return EXIT_OK

    return _run_with_store("en", work)


def register(sub) -> None:
    q = sub.add_parser("quiz", help="play a quiz in the terminal, or print generated items (--json)")
    q.add_argument("--json", action="store_true", help="print N generated items as JSON Lines and exit")
    q.add_argument("--count", type=int, help="number of questions (default: ROLE_ADVISOR_QUIZ_COUNT, or 10 with --json)")
    q.add_argument("--seed", type=int, help="seed: the same seed gives the same quiz")
    q.add_argument("--lang", choices=("en", "hu"), default="en")
    q.add_argument("--kinds", help="comma-separated kinds (default: all)")
    q.add_argument("--onboarding", action="store_true", help="the onboarding quiz (its settings, pass recorded)")
    q.add_argument("--community", default="local", help="community the result counts for (default: local)")
    add_common(q)
    q.set_defaults(func=cmd_quiz)

    lb = sub.add_parser("leaderboard", help="quiz leaderboard, per community or overall")
    lb.add_argument("--platform", help="cli, telegram or discord (default: all)")
    lb.add_argument("--community", help="chat or guild id (default: all)")
    lb.add_argument("--limit", type=int, default=10)
    lb.add_argument("--lang", choices=("en", "hu"), default="en")
    add_common(lb)
    lb.set_defaults(func=cmd_leaderboard)

    r = sub.add_parser("report", help="the community's KPIs: satisfaction, tickets, activity, unanswered questions")
    r.add_argument("--since", metavar="DATE", help="only from this date (YYYY-MM-DD, UTC)")
    r.add_argument("--community", metavar="ID", help="one community (chat or guild id, or dm; default: all)")
    r.add_argument("--platform", choices=("telegram", "discord"), help="one platform (default: all)")
    r.add_argument("--format", choices=("text", "json", "html"), default="text")
    r.add_argument("--lang", choices=("en", "hu"), default="en")
    r.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")
    r.set_defaults(func=cmd_report)

    h = sub.add_parser("health", help="exit 0 when the knowledge base loads and the data store answers")
    add_common(h)
    h.set_defaults(func=cmd_health)

    f = sub.add_parser("forget", help="delete everything stored about a user (default: you, in the terminal)")
    f.add_argument("--platform", default="cli")
    f.add_argument("--user", help="the platform's user id")
    f.add_argument("--lang", choices=("en", "hu"), default="en")
    f.set_defaults(func=cmd_forget)
