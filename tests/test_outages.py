"""Answering needs no database: with the store out of reach (PostgreSQL stopped, a SQLite store whose
every statement fails as on a full disk) every question is still answered; what could not be stored is skipped, and
storing resumes when the database is back."""
import os

import pytest

from bot.quizzes import User
from bot.service import Service
from bot.storage import PostgresStorage, SQLiteStorage
from pg_server import PgServer, PgUnavailable


async def _count(store):
    return (await store.query("SELECT COUNT(*) FROM qa_log"))[0][0]


async def test_postgresql_stopped_and_started_under_questions(advisor):
    try:
        server = PgServer().start()
    except PgUnavailable as exc:
        pytest.fail(f"PostgreSQL is needed for this test: {exc}")
    try:
        store = PostgresStorage(await server.new_database())
        await store.open()
        svc = Service(advisor, store)
        u = User("telegram", "42")
        first = await svc.ask(u, "grp", "What are the KPIs?", chat_id=1)
        assert first.log_id is not None and first.answer.topic == "role:kpis"
        server.halt()
        for q, topic in (("what level is needed for E.4?", "competence:E.4"), ("és a C.4?", "competence:C.4"),
                         ("tell me a joke", None)):
            r = await svc.ask(u, "grp", q, chat_id=1)
            assert r.answer.topic == topic and r.answer.answer and r.log_id is None, q
        server.resume()
        back = await svc.ask(u, "grp", "What is the mission?", chat_id=1)
        assert back.log_id is not None and back.answer.topic == "role:mission"
        assert await _count(store) == 2
        await store.close()
    finally:
        server.stop()


async def test_a_sqlite_store_that_fails_every_write_still_answers(advisor, tmp_path):
    """A full disk or an I/O error: every statement fails; the answer does not."""
    import contextlib
    import sqlite3

    store = SQLiteStorage(tmp_path / "full.sqlite3")
    await store.open()

    @contextlib.asynccontextmanager
    async def failing_tx():
        raise sqlite3.OperationalError("database or disk is full")
        yield  # pragma: no cover

    async def failing_read(*a, **k):
        raise sqlite3.OperationalError("disk I/O error")

    store._tx, store._one, store._all = failing_tx, failing_read, failing_read
    r = await Service(advisor, store).ask(User("telegram", "1"), "dm", "mik a KPI-k?")
    assert r.answer.topic == "role:kpis" and r.answer.lang == "hu" and r.log_id is None
    await store.close()


def test_health_finds_a_page_corrupted_database(tmp_path):
    """A damaged page can leave simple reads working: `health` runs SQLite's own check of every page."""
    import asyncio
    import subprocess

    from conftest import cli_cmd

    path = tmp_path / "role-advisor.sqlite3"

    async def fill():
        store = SQLiteStorage(path)
        await store.open()
        for i in range(1500):
            await store.log_question("telegram", "grp", str(i % 50), f"question number {i} " * 4, "en", None, 0.1,
                                     False, 1_800_000_000.0 + i)
        await store._scrub()  # everything in the main file
        await store.close()

    asyncio.run(fill())
    env = {**os.environ, "ROLE_ADVISOR_DATA_DIR": str(tmp_path)}
    env.pop("ROLE_ADVISOR_DATABASE_URL", None)
    ok = subprocess.run(cli_cmd() + ["health"], capture_output=True, text=True, timeout=60, env=env)
    assert ok.returncode == 0 and ok.stdout.strip() == "ok", ok.stderr
    import sqlite3

    with sqlite3.connect(path) as db:  # a leaf page of qa_log in the middle of the table (dbstat: 1-based)
        leaves = [n for (n,) in db.execute("SELECT pageno FROM dbstat WHERE name = 'qa_log' AND pagetype = 'leaf' ORDER BY pageno")]
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 40 * page and len(leaves) > 20
    at = (leaves[len(leaves) // 2] - 1) * page
    data[at + 100:at + 900] = b"\xa5" * 800  # inside a page of qa_log, not its header
    path.write_bytes(bytes(data))
    r = subprocess.run(cli_cmd() + ["health"], capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode != 0 and "Traceback" not in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and r.stdout == "", r.stderr
