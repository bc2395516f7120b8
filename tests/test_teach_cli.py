"""The terminal end to end: a member's question declined and ticketed (by a chat instance on the
same database), taught from the terminal, then answered by separate `role-advisor ask` processes
(other instances); a moderator's reply saved as a community answer reaches a Hungarian asker of the
terminal, marked; export, validate and import of a taught file."""
import asyncio
import json
import os
import subprocess

from conftest import cli_cmd

from bot.quizzes import User
from bot.service import Service
from bot.storage import SQLiteStorage

ENV = {"TELEGRAM_MODERATOR_CHAT": "-100", "TELEGRAM_MODERATORS": "9", "ROLE_ADVISOR_TAUGHT_REFRESH": "0"}


def _run(args, env, stdin=None):
    r = subprocess.run(cli_cmd() + args, input=stdin, capture_output=True, text=True, timeout=120, env=env)
    return r


def _ask(q, env, *extra):
    r = _run(["ask", "--json", *extra, q], env)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_terminal_teach_and_community_answer_end_to_end(tmp_path, advisor):
    db = tmp_path / "role-advisor.sqlite3"
    env = {**os.environ, "ROLE_ADVISOR_DATA_DIR": str(tmp_path)}
    env.pop("ROLE_ADVISOR_DATABASE_URL", None)
    question = "is there a certification exam for this?"

    async def member_asks(q, user="1"):
        store = SQLiteStorage(db)
        await store.open()
        try:
            return await Service(advisor, store, env=ENV).ask(User("telegram", user, "Ann"), "dm", q, chat_id=int(user))
        finally:
            await store.close()

    assert not _ask(question, env)["answered"]
    reply = asyncio.run(member_asks(question))
    assert not reply.answer.answered and reply.ticket is not None

    # a ticket alone: the closest topics are offered, nothing is taught
    r = _run(["teach", str(reply.ticket.id)], env)
    assert r.returncode == 2 and "Closest topics" in r.stderr
    r = _run(["teach", str(reply.ticket.id), "role:kpis"], env)
    assert r.returncode == 0 and "Taught" in r.stdout, r.stderr
    for q in (question, "Is there a certifcation exam for ths?", "is there certification exams for this"):
        a = _ask(q, env)
        assert a["answered"] and a["topic"] == "role:kpis", (q, a)
    # the terminal chat meets the taught phrasing too
    r = _run(["chat"], env, stdin="is there a certification exam for this\n")
    assert "Key performance indicators" in r.stdout
    assert not _ask(question, env, "--no-taught")["answered"]

    # a moderator replies to another ticket with --save: a Hungarian asker gets it, marked
    async def reply_and_save():
        store = SQLiteStorage(db)
        await store.open()
        try:
            svc = Service(advisor, store, env=ENV)
            t = await svc.ask(User("telegram", "3", "Cy"), "dm", "where can i download the ecf pdf?", chat_id=3)
            out = await svc.handoff.reply(User("telegram", "9"), t.ticket.id, "--save=pdf It is free at itprofiles.eu.")
            assert out.ok, out.text
            await svc.teach(User("telegram", "9"), "hol tudom letölteni az ecf pdf-et?", "faq:pdf")
        finally:
            await store.close()

    asyncio.run(reply_and_save())
    a = _ask("where can i download the ecf pdf?", env)
    assert a["topic"] == "faq:pdf" and a["answer"].startswith("💬 Community answer") and "itprofiles.eu" in a["answer"]
    a = _ask("hol tudom letolteni az ecf pdf-et", env)
    assert a["topic"] == "faq:pdf" and a["lang"] == "hu" and "Közösségi válasz" in a["answer"] and "csak angolul" in a["answer"]
    r = _run(["answer", "save", "Ingyenesen letölthető az itprofiles.eu oldalról.", "--id", "pdf", "--text-lang", "hu"], env)
    assert r.returncode == 0, r.stderr
    a = _ask("hol tudom letolteni az ecf pdf-et", env)
    assert "Ingyenesen" in a["answer"] and "csak angolul" not in a["answer"]

    # export, validate, import into a fresh database
    r = _run(["export", "--format", "taught"], env)
    assert r.returncode == 0 and "kind: taught" in r.stdout
    f = tmp_path / "taught.yaml"
    f.write_text(r.stdout, encoding="utf-8")
    r = _run(["validate", str(f)], env)
    assert r.returncode == 0 and "taught questions: 3" in r.stdout, (r.stdout, r.stderr)
    bad = tmp_path / "bad.yaml"
    bad.write_text(r"" + f.read_text(encoding="utf-8").replace("role:kpis", "role:gone"), encoding="utf-8")
    r = _run(["validate", str(bad)], env)
    assert r.returncode == 2 and "role:gone" in r.stderr and "certification" in r.stderr
    fresh = {**env, "ROLE_ADVISOR_DATA_DIR": str(tmp_path / "fresh")}
    r = _run(["import", str(f)], fresh)
    assert r.returncode == 0 and "taught questions: 3" in r.stdout, r.stderr
    assert _ask(question, fresh)["topic"] == "role:kpis"
    assert _ask("hol tudom letolteni az ecf pdf-et", fresh)["topic"] == "faq:pdf"
    r = _run(["import", str(bad)], fresh)
    assert r.returncode == 2 and "role:gone" in r.stderr

    # list and remove
    r = _run(["taught"], env)
    assert "role:kpis" in r.stdout and "faq:pdf" in r.stdout and "Ann" not in r.stdout
    first = next(line for line in r.stdout.splitlines() if "role:kpis" in line)
    r = _run(["taught", "--remove", first.split()[0].lstrip("#")], env)
    assert r.returncode == 0
    assert not _ask(question, env)["answered"]
    r = _run(["answer", "remove", "--id", "pdf"], env)
    assert r.returncode == 0
    assert not _ask("where can i download the ecf pdf?", env)["answered"]
