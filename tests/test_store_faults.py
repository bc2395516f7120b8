"""A data store that fails under a user: a disk that fills in the middle of a quiz, a database file
on a read-only file system. The user gets one clear line (terminal) or a polite notice (chat),
never a traceback, and nothing already stored is lost."""
import os
import resource
import signal
import sqlite3
import subprocess

import pytest

from conftest import cli_cmd
from bot.quizzes import User
from bot.service import Service
from bot.storage import SQLiteStorage


def _env(db):
    return dict(os.environ, ROLE_ADVISOR_DATABASE_URL=f"sqlite:///{db}")


def _answers(db):
    with sqlite3.connect(db) as con:
        return con.execute("SELECT COUNT(*) FROM quiz_answers").fetchone()[0]


def test_a_disk_that_fills_mid_quiz_gives_one_line_and_keeps_the_answers(tmp_path):
    db = tmp_path / "q.sqlite3"
    # a first quiz creates the schema; its file size is where the "disk" ends
    subprocess.run(cli_cmd() + ["quiz", "--count", "1", "--seed", "1"], input="1\n", text=True, env=_env(db),
                   capture_output=True, check=True, timeout=120)
    before = _answers(db)

    def small_disk():
        # writes past 40 KB of any file fail as on a full disk (EFBIG), not with a signal: the
        # write-ahead log holds the quiz's start and its first answers, then fills
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (40_000, 40_000))

    r = subprocess.run(cli_cmd() + ["quiz", "--count", "5", "--seed", "2"], input="1\n2\n1\n2\n1\n", text=True,
                       env=_env(db), capture_output=True, preexec_fn=small_disk, timeout=120)
    assert r.returncode != 0
    assert "Question 2/5" in r.stdout, r.stdout  # it failed in the middle of the quiz, not at its start
    assert "Traceback" not in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert r.stderr.startswith("The data store cannot be used:")
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert _answers(db) >= before  # what was stored before the disk filled is still there
    again = subprocess.run(cli_cmd() + ["quiz", "--count", "1", "--seed", "3"], input="1\n", text=True, env=_env(db),
                           capture_output=True, timeout=120)
    assert again.returncode == 0 and _answers(db) > before  # room again: the quiz works


async def test_a_chat_quiz_answer_the_store_cannot_save_is_told_politely_and_can_be_given_again(advisor, tmp_path):
    store = SQLiteStorage(tmp_path / "chat.sqlite3")
    await store.open()
    svc = Service(advisor, store)
    user = User("telegram", "5")
    step = await svc.start_quiz(user, "dm", "hu")
    view = step.next
    real = store.record_answer

    async def full(*a, **k):
        raise sqlite3.OperationalError("database or disk is full")

    store.record_answer = full
    failed = await svc.quiz_answer(user, 0, session_id=view.session_id, index=view.index)
    assert not failed.accepted and failed.unsaved and "adatbázis" in failed.message
    assert failed.next is not None and failed.next.index == view.index  # the same question, to answer again
    store.record_answer = real
    ok = await svc.quiz_answer(user, 0, session_id=view.session_id, index=view.index)
    assert ok.accepted and ok.next.index == view.index + 1
    assert len(await store.answers(view.session_id)) == 1  # counted once
    await store.close()


def test_a_read_only_database_gives_one_line(tmp_path):
    """The database file on a file system mounted read-only (as root, file modes do not stop us)."""
    db = tmp_path / "ro" / "x.sqlite3"
    db.parent.mkdir()
    subprocess.run(cli_cmd() + ["quiz", "--count", "1", "--seed", "1"], input="1\n", text=True, env=_env(db),
                   capture_output=True, check=True, timeout=120)
    script = (f"mount --bind {db.parent} {db.parent} && mount -o remount,bind,ro {db.parent} && "
              f"printf '1\\n' | \"$@\" quiz --count 2 --seed 1; echo rc=$? >&2")
    try:
        r = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", *cli_cmd()],
                           env=_env(db), capture_output=True, text=True, timeout=120)
    except FileNotFoundError:
        pytest.fail("unshare (util-linux) is needed to mount a read-only file system for this test")
    assert "mount:" not in r.stderr and "unshare:" not in r.stderr, f"could not set up the read-only mount: {r.stderr}"
    lines = r.stderr.strip().splitlines()
    assert lines[-1] != "rc=0" and len(lines) == 2, r.stderr
    assert lines[0].startswith("The data store cannot be used:") and "Traceback" not in r.stderr
