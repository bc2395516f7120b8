"""``role-advisor teach``, ``taught``, ``answer``, ``import``: what the community teaches the
advisor, from the terminal. The terminal's operator has a moderator's rights (whoever runs these
commands can read and write the database anyway); what they teach is recorded as ``cli:<user>``."""
from __future__ import annotations

import sys
import time

from adapters.terminal import EXIT_OK, EXIT_USAGE, add_command, add_common, load_advisor, show
from adapters.cli_quiz import _run_with_store, _user
from bot.i18n import t


def _service(advisor, store):
    from bot.service import Service

    return Service(advisor, store)


def _done(out) -> int:
    if out.ok:
        show(out.text)
        return EXIT_OK
    print(out.text, file=sys.stderr)
    return EXIT_USAGE


def cmd_teach(args) -> int:
    from bot.taught import parse_teach

    lang = args.lang
    advisor = load_advisor(args)
    target, topic = parse_teach(" ".join(args.words))
    if target is None:
        print(t("teach.usage", lang), file=sys.stderr)
        return EXIT_USAGE

    async def work(store) -> int:
        svc = _service(advisor, store)
        return _done(await svc.teach(_user(), target, topic, lang))

    return _run_with_store(lang, work)


def cmd_taught(args) -> int:
    lang = args.lang
    advisor = load_advisor(args)

    async def work(store) -> int:
        svc = _service(advisor, store)
        if args.remove is not None:
            return _done(await svc.untaught(_user(), args.remove, lang))
        return _done(await svc.taught_list(_user(), lang, limit=args.limit))

    return _run_with_store(lang, work)


def cmd_answer(args) -> int:
    lang = args.lang
    advisor = load_advisor(args)

    async def work(store) -> int:
        svc = _service(advisor, store)
        if args.action == "list":
            return _done(await svc.answers_list(_user(), lang))
        if args.action == "remove":
            if not args.id:
                print(t("faq.usage", lang), file=sys.stderr)
                return EXIT_USAGE
            return _done(await svc.remove_answer(_user(), args.id, lang))
        text = " ".join(args.text)
        return _done(await svc.save_answer(_user(), args.id, text, lang, text_lang=args.text_lang, phrasing=args.question))

    return _run_with_store(lang, work)


def cmd_import(args) -> int:
    from bot import teachfile
    from bot.loader import KnowledgeError, decode

    lang = args.lang
    advisor = load_advisor(args)
    try:
        with open(args.file, "rb") as fh:
            raw = fh.read(4 * 1024 * 1024)
        tf = teachfile.parse(decode(raw, args.file), args.file)
    except (OSError, KnowledgeError) as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    problems = teachfile.problems(tf, advisor, args.file)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return EXIT_USAGE

    async def work(store) -> int:
        svc = _service(advisor, store)
        me = _user()
        n = 0
        for fid, ans in tf.community_answers.items():
            for code in ("en", "hu"):
                text = getattr(ans, code)
                if text:
                    out = await svc.save_answer(me, fid, text, lang, text_lang=code)
                    if not out.ok:
                        return _done(out)
            for phrase in (*ans.questions.en, *ans.questions.hu):
                out = await svc.teach(me, phrase, f"faq:{fid}", lang)
                if not out.ok:
                    return _done(out)
                n += 1
        for topic, phrases in tf.examples.items():
            for phrase in (*phrases.en, *phrases.hu):
                out = await svc.teach(me, phrase, topic, lang)
                if not out.ok:
                    return _done(out)
                n += 1
        show(t("taught.imported", lang, phrasings=n, answers=len(tf.community_answers)))
        return EXIT_OK

    return _run_with_store(lang, work)


def export_taught(advisor, out) -> int:
    """``export --format taught``: the database's taught phrasings and community answers as YAML."""
    from bot import teachfile

    async def work(store) -> int:
        out.write(teachfile.dump(await store.taught(), await store.community_answers(), advisor.profile_id, time.time()))
        return EXIT_OK

    return _run_with_store("en", work)


def load_taught(advisor, sqlite_path: str | None):
    """The taught phrasings and community answers of the configured database for ``ask`` and
    ``chat`` (read once at their start): ``sqlite_path`` (an existing file, read directly and
    read-only), else the PostgreSQL of ``ROLE_ADVISOR_DATABASE_URL``. None when out of reach (one
    line on stderr; the profile still answers)."""
    from bot.taught import Taught, read_sqlite

    try:
        if sqlite_path is not None:
            return read_sqlite(sqlite_path, advisor.index)
        import asyncio

        from bot.storage import open_storage

        async def read():
            store = open_storage()
            await store.open()
            try:
                return Taught(await store.taught_version(), await store.taught(), await store.community_answers(),
                              advisor.index)
            finally:
                await store.close()

        return asyncio.run(read())
    except Exception as exc:  # the database out of reach: answer from the profile alone
        print(t("cli.taught_unavailable", "en", error=type(exc).__name__), file=sys.stderr)
        return None


def validate_taught(path: str, text: str, args) -> int:
    from bot import teachfile
    from bot.loader import KnowledgeError

    try:
        tf = teachfile.parse(text, path)
    except KnowledgeError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    advisor = load_advisor(args)
    problems = teachfile.problems(tf, advisor, path)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return EXIT_USAGE
    phrasings, answers = teachfile.counts(tf)
    show(t("taught.valid", "en", name=path, phrasings=phrasings, answers=answers))
    return EXIT_OK


def register(sub) -> None:
    lang_help = "language of the messages (default: en)"
    tc = add_command(sub, "teach", "teach the advisor a question: TICKET TOPIC, or TOPIC QUESTION (a moderator's right)")
    tc.add_argument("words", nargs="*", help="a ticket number and a topic (42 role:kpis), a ticket alone (the closest "
                                             "topics are offered), or a topic and the question (role:kpis how are we judged)")
    tc.add_argument("--lang", choices=("en", "hu"), default="en", help=lang_help)
    add_common(tc)
    tc.set_defaults(func=cmd_teach)

    tl = add_command(sub, "taught", "list the taught questions, or remove one (--remove N)")
    tl.add_argument("--remove", type=int, metavar="N", help="remove taught question N")
    tl.add_argument("--limit", type=int, default=200, metavar="N", help="show the last N (default 200)")
    tl.add_argument("--lang", choices=("en", "hu"), default="en", help=lang_help)
    add_common(tl)
    tl.set_defaults(func=cmd_taught)

    an = add_command(sub, "answer", "the community's own answers (faq:ID): save, list, remove")
    an.add_argument("action", choices=("save", "list", "remove"), help="save (create or edit), list, or remove (--id)")
    an.add_argument("text", nargs="*", help="save: the answer's text, before the options "
                                            "(answer save \"It is …\" --question \"where can I …\")")
    an.add_argument("--id", metavar="ID", help="the answer's id (save: a new one when left out; remove: required)")
    an.add_argument("--text-lang", choices=("en", "hu"), help="the text's language (default: detected)")
    an.add_argument("--question", metavar="Q", help="save: a question this answer answers (taught with it)")
    an.add_argument("--lang", choices=("en", "hu"), default="en", help=lang_help)
    add_common(an)
    an.set_defaults(func=cmd_answer)

    im = add_command(sub, "import", "load a taught file (export --format taught) into the database")
    im.add_argument("file", help="the YAML file")
    im.add_argument("--lang", choices=("en", "hu"), default="en", help=lang_help)
    add_common(im)
    im.set_defaults(func=cmd_import)
