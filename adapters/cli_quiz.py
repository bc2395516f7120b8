"""``role-advisor quiz``, ``leaderboard`` and ``forget``: the terminal face of the core's quiz engine."""
from __future__ import annotations

import getpass
import json
import sys

from adapters.terminal import (
    EXIT_OK, EXIT_USAGE, add_command, add_common, ask, columns, fail, lines, load_advisor, rows, show, wrap,
)
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

    def interrupt(signum, frame):
        raise KeyboardInterrupt

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

    # Ctrl-C raises KeyboardInterrupt where the command waits for a key or a line, so a quiz can
    # end with its partial score; asyncio.run's own handler would only cancel the task at its next
    # await, after one more key.
    import signal

    try:
        previous = signal.signal(signal.SIGINT, interrupt)
    except ValueError:  # not the main thread
        return asyncio.run(go())
    try:
        return asyncio.run(go())
    finally:
        signal.signal(signal.SIGINT, previous)


def cmd_quiz(args) -> int:
    from bot.quiz import KINDS, QuizError, QuizGenerator
    from bot.limits import count_error

    lang = _lang(args)
    problem = count_error(args.count, lang)
    if problem:
        return fail(problem)
    advisor = load_advisor(args)
    kinds = [k.strip() for k in args.kinds.split(",")] if args.kinds else None
    bad = [k for k in kinds or () if k not in KINDS]
    if bad:
        return fail(t("cli.quiz_kinds", lang, bad=", ".join(bad), known=", ".join(KINDS)))
    if args.json:
        import random

        gen = QuizGenerator(advisor.profile)
        try:
            items = gen.generate(random.Random(args.seed), lang, args.count if args.count is not None else 10, kinds)
        except QuizError as exc:
            return fail(t("cli.quiz_error", lang, error=exc))
        for it in items:
            sys.stdout.write(json.dumps(it.to_dict(), ensure_ascii=False) + "\n")
        return EXIT_OK
    from bot.config import ConfigError, QuizSettings

    try:
        settings = QuizSettings.from_env()
    except ConfigError as exc:
        return fail(t("cli.storage_error", lang, error=exc))
    return _run_with_store(lang, lambda store: _play(advisor, store, settings, args, lang, kinds, lines(sys.stdin)))


QUIT = object()  # the player asked to stop
_QUIT_WORDS = ("q", "quit", "/quit", "exit", "/q")


class _Menu:
    """The options of one question, drawn below the cursor and redrawn in place as the marker
    moves. It counts the terminal rows it wrote (an option wider than the terminal takes several),
    so a redraw goes back up exactly that far."""

    def __init__(self, options, out):
        self.options = options
        self.out = out
        self.drawn = 0

    def _lines(self, cur: int, cols: int) -> list[str]:
        out = []
        for i, opt in enumerate(self.options):
            head = f" {'›' if i == cur else ' '} {i + 1}. "
            body = wrap(opt, max(10, cols - len(head)))
            out.append(head + body[0])
            out += [" " * len(head) + line for line in body[1:]]
        return out

    def height(self, cols: int) -> int:
        return sum(rows(line, cols) for line in self._lines(0, cols))

    def draw(self, cur: int) -> None:
        cols = columns(self.out) or 80
        if self.drawn:
            self.out.write(f"\x1b[{self.drawn}A")  # up to the first row of the options
        self.out.write("\r\x1b[J")  # and clear from there down
        self.drawn = 0
        for line in self._lines(cur, cols):
            self.out.write(line + "\n")
            self.drawn += rows(line, cols)
        self.out.flush()


def _pick_with_keys(view, lang):
    """On a terminal: ↑/↓ move, Enter chooses, a number or letter chooses at once, q stops.
    Returns an option index, QUIT, or None when the options cannot be drawn in place (no POSIX
    terminal, or taller than the screen): then the answer is typed."""
    import os

    from bot.quizzes import option_key, option_letter

    try:
        import termios
        import tty
    except ImportError:  # not a POSIX terminal
        return None
    fd = sys.stdin.fileno()
    out = sys.stdout
    try:
        old = termios.tcgetattr(fd)
        size = os.get_terminal_size(out.fileno())
    except (termios.error, OSError):
        return None
    menu = _Menu(view.item.options, out)
    n = len(view.item.options)
    # a terminal that reports no size (0 × 0) is taken as 80 × 24
    if menu.height(size.columns or 80) + 4 > (size.lines or 24):  # cursor-up cannot reach above the screen
        return None
    cur = 0
    try:
        tty.setcbreak(fd)  # before drawing, so no key pressed after the options appear is lost
        show(t("cli.quiz_keys", lang, n=n, letter=option_letter(n)))
        show(view.progress())
        show(view.item.question)
        menu.draw(cur)
        while True:
            ch = sys.stdin.read(1)
            if ch in ("q", "Q", "\x04", ""):
                return QUIT
            if ch in ("\r", "\n"):
                return cur
            chosen = option_key(view.item, ch)
            if chosen is not None:
                menu.draw(chosen)  # the marker shows what was chosen
                return chosen
            if ch == "\x1b" and sys.stdin.read(1) == "[":
                key = sys.stdin.read(1)
                cur = (cur - 1) % n if key == "A" else (cur + 1) % n if key == "B" else cur
                menu.draw(cur)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, old)


async def _play(advisor, store, settings, args, lang, kinds, replies) -> int:
    from bot.quizzes import QuizService, option_letter

    interactive = sys.stdin.isatty()
    svc = QuizService(advisor, store, settings)
    user = _user()
    step = await svc.start(user, args.community, lang, onboarding=args.onboarding, count=args.count,
                           kinds=kinds, seed=args.seed)
    if step.unsaved:
        return fail(t("cli.storage_error", lang, error=step.unsaved))
    if not step.accepted:
        return fail(step.message)
    show(step.message)
    view = step.next
    it = iter(replies)
    keys = interactive and sys.stdout.isatty()
    while view is not None:
        print()
        reply = None
        try:
            if keys:
                reply = _pick_with_keys(view, lang)
                keys = reply is not None
            if reply is None:
                show(view.text())
                n = len(view.item.options)
                prompt = t("cli.quiz_choose", lang, n=n, letter=option_letter(n))
                if interactive:
                    reply = ask(prompt)
                else:
                    reply = next(it)
                    print(prompt + reply, flush=True)  # piped: the answer beside its question
        except (EOFError, StopIteration, KeyboardInterrupt):
            reply = QUIT
        if reply is QUIT or (isinstance(reply, str) and reply.strip().lower() in _QUIT_WORDS):
            stopped = await svc.stop(user)
            if stopped.unsaved:
                return fail(t("cli.storage_error", lang, error=stopped.unsaved))
            print()
            show(stopped.message)
            return EXIT_OK
        step = await svc.answer(user, reply, session_id=view.session_id, index=view.index)
        if step.unsaved:  # the data store failed (a full disk): one clear line, no retry loop
            return fail(t("cli.storage_error", lang, error=step.unsaved))
        if not step.accepted:
            show(step.message)
            view = step.next
            continue
        show(step.feedback)
        view = step.next
        if step.final is not None:
            print()
            show(step.final.text)
    return EXIT_OK


def cmd_leaderboard(args) -> int:
    from bot.config import QuizSettings
    from bot.limits import limit_error
    from bot.quizzes import QuizService

    lang = _lang(args)
    problem = limit_error(args.limit, lang)
    if problem:
        return fail(problem)
    advisor = load_advisor(args)

    async def work(store) -> int:
        svc = QuizService(advisor, store, QuizSettings())
        show(await svc.leaderboard_text(lang, args.platform, args.community, args.limit))
        return EXIT_OK

    return _run_with_store(lang, work)


def cmd_forget(args) -> int:
    from bot.quizzes import User

    lang = _lang(args)
    me = _user()
    if args.user is None and args.platform != "cli":
        return fail(t("cli.forget_needs_user", lang, platform=args.platform))
    user = User(args.platform, args.user) if args.user is not None else me
    self_ = (user.platform, str(user.user_id)) == (me.platform, me.user_id)
    who = {"platform": user.platform, "user": user.user_id}
    if not args.yes and not sys.stdin.isatty():
        return fail(t("cli.forget_needs_yes", lang))

    async def work(store) -> int:
        rows = await store.count_rows_about(user.platform, user.user_id)
        if not rows:
            show(t("forget.nothing", lang) if self_ else t("forget.nothing_other", lang, **who))
            return EXIT_OK
        if not args.yes:
            question = (t("cli.forget_confirm_self", lang, rows=rows) if self_
                        else t("cli.forget_confirm_other", lang, rows=rows, **who))
            try:
                answer = ask(question).strip().lower()
            except (EOFError, KeyboardInterrupt):
                answer = ""
                print()
            if answer not in t("cli.yes_words", lang).split(","):
                show(t("cli.forget_kept", lang))
                return EXIT_OK
        n = await store.forget(user.platform, user.user_id)
        show(t("forget.done", lang, rows=n) if self_ else t("forget.done_other", lang, rows=n, **who))
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
    advisor = load_advisor(args)

    async def work(store) -> int:
        r = await report.compute(store, time.time(), since, args.community, args.platform, advisor=advisor)
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
        try:
            problem = await store.check()
        except Exception as exc:  # the file or the server fails a read
            problem = f"{type(exc).__name__}: {exc}"
        if problem:
            print(t("health.broken", "en", problem=problem), file=sys.stderr)
            return 1
        print(t("health.ok", "en"))
        return EXIT_OK

    return _run_with_store("en", work)


def register(sub) -> None:
    from bot.limits import COUNT_MAX, COUNT_MIN, LIMIT_MAX, LIMIT_MIN, PLATFORMS

    lang_help = "language of the quiz and its messages (default: en)"
    q = add_command(sub, "quiz", "play a quiz in the terminal, or print generated items (--json)")
    q.add_argument("--json", action="store_true", help="print N generated items as JSON Lines and exit")
    q.add_argument("--count", type=int, metavar="N",
                   help=f"number of questions, {COUNT_MIN}-{COUNT_MAX} (default: ROLE_ADVISOR_QUIZ_COUNT, or 10 with --json)")
    q.add_argument("--seed", type=int, help="seed: the same seed gives the same quiz")
    q.add_argument("--lang", choices=("en", "hu"), default="en", help=lang_help)
    q.add_argument("--kinds", metavar="K,...", help="comma-separated item kinds (default: all)")
    q.add_argument("--onboarding", action="store_true", help="the onboarding quiz (its settings; a pass is recorded)")
    q.add_argument("--community", default="local", help="community the result counts for (default: local)")
    add_common(q)
    q.set_defaults(func=cmd_quiz)

    lb = add_command(sub, "leaderboard", "quiz leaderboard, per community or overall")
    lb.add_argument("--platform", choices=PLATFORMS, help="only this platform's players (default: all)")
    lb.add_argument("--community", metavar="ID", help="chat or guild id (default: all)")
    lb.add_argument("--limit", type=int, default=10, metavar="N",
                    help=f"rows to show, {LIMIT_MIN}-{LIMIT_MAX} (default: 10)")
    lb.add_argument("--lang", choices=("en", "hu"), default="en", help="language of the leaderboard (default: en)")
    add_common(lb)
    lb.set_defaults(func=cmd_leaderboard)

    r = add_command(sub, "report", "the community's KPIs: satisfaction, tickets, activity, unanswered questions")
    r.add_argument("--since", metavar="DATE", help="only from this date (YYYY-MM-DD, UTC)")
    r.add_argument("--community", metavar="ID", help="one community (chat or guild id, or dm; default: all)")
    r.add_argument("--platform", choices=("telegram", "discord"), help="one platform (default: all)")
    r.add_argument("--format", choices=("text", "json", "html"), default="text",
                   help="text (default), json, or html with charts")
    r.add_argument("--lang", choices=("en", "hu"), default="en", help="language of the report (default: en)")
    r.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")
    add_common(r)
    r.set_defaults(func=cmd_report)

    h = add_command(sub, "health", "exit 0 when the knowledge base loads and the data store answers")
    add_common(h)
    h.set_defaults(func=cmd_health)

    f = add_command(sub, "forget", "delete everything stored about a user (default: you, in the terminal); asks first")
    f.add_argument("--platform", choices=PLATFORMS, default="cli", help="the user's platform (default: cli)")
    f.add_argument("--user", metavar="ID", help="the platform's user id (default: you, with --platform cli)")
    f.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation (for scripts)")
    f.add_argument("--lang", choices=("en", "hu"), default="en", help="language of the messages (default: en)")
    f.set_defaults(func=cmd_forget)
