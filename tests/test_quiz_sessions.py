"""Quiz sessions, onboarding and storage end to end: durable, concurrent, forgettable."""
import asyncio
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from bot.config import ConfigError, QuizSettings
from bot.quizzes import QuizService, User, parse_choice
from bot.storage import SQLiteStorage, StorageError, open_storage
from conftest import ROOT, cli_cmd


class Clock:
    def __init__(self, t=1_700_000_000.0):
        self.t = t

    def __call__(self):
        return self.t


def service(advisor, store, clock=None, **kw):
    settings = QuizSettings(**kw)
    return QuizService(advisor, store, settings, clock or Clock())


async def test_play_a_whole_quiz_right_then_wrong(advisor, store):
    svc = service(advisor, store)
    alice = User("telegram", "1", "Alice")
    step = await svc.start(alice, "chat-1", "en", count=4, seed=3)
    assert step.accepted and step.next.total == 4 and "4 questions" in step.message
    view = step.next
    while view:
        step = await svc.answer(alice, view.item.answer, session_id=view.session_id, index=view.index)
        assert step.accepted and step.correct and step.feedback.startswith("✅")
        view = step.next
    assert step.final.score == 4 and step.final.passed and "Perfect" in step.final.text

    bob = User("telegram", "2", "Bob")
    step = await svc.start(bob, "chat-1", "hu", count=3, seed=4)
    view = step.next
    wrong_topics = []
    while view:
        wrong = (view.item.answer + 1) % len(view.item.options)
        wrong_topics.append(view.item.topic)
        step = await svc.answer(bob, str(wrong + 1))
        assert step.accepted and step.correct is False and "helyes válasz" in step.feedback
        view = step.next
    final = step.final
    assert final.score == 0 and not final.passed and final.weak_topics == list(dict.fromkeys(wrong_topics))
    assert "Érdemes átnézni" in final.text
    # the weak areas can be followed by a question to the advisor
    assert all(advisor.answer_topic(t, "hu").answered for t in final.weak_topics)


async def test_bad_choice_stale_button_and_no_quiz(advisor, store):
    svc = service(advisor, store)
    u = User("discord", "9")
    assert (await svc.answer(u, 1)).accepted is False
    step = await svc.start(u, "g", "en", count=2, seed=1)
    v = step.next
    bad = await svc.answer(u, "seventeen")
    assert not bad.accepted and "number from 1 to" in bad.message and bad.next.index == 0
    ok = await svc.answer(u, v.item.answer, index=0)
    assert ok.accepted
    stale = await svc.answer(u, 0, index=0)  # the first question's button again
    assert not stale.accepted and "already answered" in stale.message
    other = await svc.answer(u, 0, session_id="not-this-one")
    assert not other.accepted


def test_parse_choice_forms(profile):
    import random

    from bot.quiz import QuizGenerator

    item = QuizGenerator(profile).make("kpi", "0", random.Random(0), "en")
    right = item.options[item.answer]
    assert parse_choice(item, item.answer) == item.answer
    assert parse_choice(item, str(item.answer + 1)) == item.answer
    assert parse_choice(item, right.upper()) == item.answer
    assert parse_choice(item, "abcd"[item.answer]) == item.answer
    assert parse_choice(item, 9) is None and parse_choice(item, "") is None and parse_choice(item, True) is None


async def test_timeout_ends_stale_sessions(advisor, store):
    clock = Clock()
    svc = service(advisor, store, clock, session_timeout=600)
    u = User("cli", "x")
    await svc.start(u, "local", "en", count=3, seed=2)
    clock.t += 601
    step = await svc.answer(u, 0)
    assert not step.accepted and "timed out" in step.message
    assert await svc.current(u) is None
    await svc.start(User("cli", "y"), "local", "en", count=3, seed=2)
    clock.t += 601
    assert await svc.expire_stale() == 1


async def test_onboarding_pass_recorded_cooldown_and_once(advisor, store):
    clock = Clock()
    svc = service(advisor, store, clock, onboarding_count=3, onboarding_pass_mark=1.0, onboarding_cooldown=3600)
    u = User("discord", "42")
    step = await svc.start(u, "guild-1", "en", onboarding=True, seed=1)
    assert "onboarding" in step.message.lower() and step.next.onboarding
    view = step.next
    while view:  # fail on purpose
        step = await svc.answer(u, (view.item.answer + 1) % len(view.item.options))
        view = step.next
    assert step.final.passed is False and step.final.newly_passed is False
    # the result itself says when the onboarding can be taken again
    assert step.final.retry_after == 3600 and "retake the onboarding quiz in 60 minutes" in step.final.text
    refused = await svc.start(u, "guild-1", "en", onboarding=True)
    assert not refused.accepted and "60 minutes" in refused.message
    clock.t += 3601
    step = await svc.start(u, "guild-1", "en", onboarding=True, seed=2)
    view = step.next
    while view:
        step = await svc.answer(u, view.item.answer)
        view = step.next
    assert step.final.passed and step.final.newly_passed and "Onboarding passed" in step.final.text
    assert await store.has_passed("discord", "guild-1", "42")
    assert not await store.has_passed("discord", "guild-2", "42")
    again = await svc.start(u, "guild-1", "en", onboarding=True)
    assert not again.accepted and "already passed" in again.message


async def test_failed_onboarding_without_cooldown_says_retry_now(advisor, store):
    svc = service(advisor, store, onboarding_count=2, onboarding_pass_mark=1.0, onboarding_cooldown=0)
    u = User("telegram", "77")
    view = (await svc.start(u, "c", "hu", onboarding=True, seed=5)).next
    while view:
        step = await svc.answer(u, (view.item.answer + 1) % len(view.item.options))
        view = step.next
    assert step.final.retry_after == 0 and "most rögtön újra" in step.final.text
    assert (await svc.start(u, "c", "hu", onboarding=True)).accepted


async def test_question_count_outside_1_to_50_is_refused(advisor, store):
    svc = service(advisor, store, quiz_count=5)
    u = User("cli", "counter")
    for bad in (0, -1, 51, 100):
        step = await svc.start(u, "local", "en", count=bad)
        assert not step.accepted and step.next is None and "1 to 50" in step.message and str(bad) in step.message
    assert await store.active_session("cli", "counter") is None
    assert (await svc.start(u, "local", "en")).next.total == 5  # no count: the configured one
    assert (await svc.start(u, "local", "en", count=50)).next.total == 50
    hu = await svc.start(u, "local", "hu", count=0, onboarding=True)
    assert not hu.accepted and "1 és 50 között" in hu.message


async def test_onboarding_cannot_be_made_shorter_or_easier(advisor, store):
    svc = service(advisor, store, onboarding_count=5)
    u = User("cli", "shortcut")
    for kw in ({"count": 1}, {"kinds": ["competence_code"]}):
        step = await svc.start(u, "local", "en", onboarding=True, **kw)
        assert not step.accepted and "5 questions" in step.message, kw
    assert await store.active_session("cli", "shortcut") is None
    assert (await svc.start(u, "local", "en", onboarding=True)).next.total == 5
    assert (await svc.start(User("cli", "same"), "local", "en", onboarding=True, count=5)).accepted


async def test_stopping_a_quiz_gives_the_partial_score(advisor, store):
    svc = service(advisor, store)
    u = User("cli", "quitter")
    view = (await svc.start(u, "local", "en", count=5, seed=8)).next
    view = (await svc.answer(u, view.item.answer)).next  # right
    view = (await svc.answer(u, view.item.answer)).next  # right
    wrong_topic = view.item.topic
    await svc.answer(u, (view.item.answer + 1) % len(view.item.options))  # wrong
    stopped = await svc.stop(u)
    assert stopped.accepted and "stopped after 3 of 5 questions: 2/3 right (67%)" in stopped.message
    assert advisor.topic_label(wrong_topic, "en") in stopped.message  # what to review
    assert await store.active_session("cli", "quitter") is None
    assert not (await svc.stop(u)).accepted  # nothing left to stop
    await svc.start(u, "local", "hu", count=3, seed=1)
    none = await svc.stop(u)
    assert none.accepted and "mielőtt a 3 kérdés" in none.message


async def test_leaderboards_per_community_and_overall(advisor, store):
    svc = service(advisor, store)

    async def play(user, community, right):
        step = await svc.start(user, community, "en", count=3, seed=5)
        view, k = step.next, 0
        while view:
            choice = view.item.answer if k < right else (view.item.answer + 1) % len(view.item.options)
            step = await svc.answer(user, choice)
            view, k = step.next, k + 1

    await play(User("telegram", "a", "Ann"), "c1", 3)
    await play(User("telegram", "b", "Ben"), "c1", 1)
    await play(User("telegram", "c", "Cy"), "c2", 2)
    c1 = await store.leaderboard("telegram", "c1")
    assert [(r.user_id, r.points) for r in c1] == [("a", 3), ("b", 1)]
    overall = await store.leaderboard()
    assert [r.user_id for r in overall] == ["a", "c", "b"]
    text = await svc.leaderboard_text("hu", "telegram", "c1")
    assert "Ann" in text and "Ranglista" in text


async def test_forget_leaves_nothing(advisor, store):
    svc = service(advisor, store, onboarding_count=2, onboarding_pass_mark=0.0)
    u = User("telegram", "77", "Zed")
    await store.set_lang("telegram", "77", "hu", 1.0)
    step = await svc.start(u, "c", "en", onboarding=True, seed=1)
    view = step.next
    while view:
        view = (await svc.answer(u, 0)).next
    await svc.start(u, "c", "en", count=2, seed=1)
    await svc.answer(u, 1)
    other = User("telegram", "78")
    await svc.start(other, "c", "en", count=2, seed=1)
    assert await store.count_rows_about("telegram", "77") > 0
    text = await svc.forget(u, "en")
    assert "deleted" in text
    assert await store.count_rows_about("telegram", "77") == 0
    assert await store.get_lang("telegram", "77") is None
    assert await store.count_rows_about("telegram", "78") > 0  # nobody else's data


async def test_survives_close_and_reopen(advisor, tmp_path):
    path = tmp_path / "persist.sqlite3"
    s1 = SQLiteStorage(path)
    await s1.open()
    svc = service(advisor, s1)
    u = User("cli", "p")
    step = await svc.start(u, "local", "en", count=3, seed=9)
    first = step.next
    await svc.answer(u, first.item.answer)
    await s1.close()

    s2 = SQLiteStorage(path)
    await s2.open()
    svc2 = service(advisor, s2)
    view = await svc2.current(u)
    assert view is not None and view.index == 1 and view.session_id == first.session_id
    assert view.item.question != first.item.question or view.item.options != first.item.options
    assert await s2.schema_version() == len(__import__("bot.storage").storage.MIGRATIONS)
    await s2.close()


async def test_thousand_concurrent_answers_none_lost(advisor, store):
    svc = service(advisor, store)
    users = [User("telegram", str(i)) for i in range(1000)]
    for u in users:
        await svc.start(u, "big", "en", count=2, seed=int(u.user_id))
    steps = await asyncio.gather(*(svc.answer(u, 0) for u in users))
    assert all(s.accepted for s in steps)
    rows = await store._one("SELECT COUNT(*), SUM(answered) FROM quiz_answers a JOIN quiz_sessions s ON s.id = a.session_id")
    assert rows == (1000, 1000)
    # the same button pressed twice at once counts once
    dup = await asyncio.gather(*(svc.answer(users[0], 0, index=1) for _ in range(5)))
    assert sum(s.accepted for s in dup) == 1


KILL_SCRIPT = textwrap.dedent("""
    import asyncio, sys
    sys.path.insert(0, {root!r})
    from bot import Advisor
    from bot.config import QuizSettings
    from bot.quizzes import QuizService, User
    from bot.storage import SQLiteStorage

    async def main():
        store = SQLiteStorage({path!r})
        await store.open()
        svc = QuizService(Advisor.load(), store, QuizSettings(quiz_count=50))
        n = 0
        while True:
            u = User("cli", "u%d" % n)
            await svc.start(u, "local", "en", count=50, seed=n)
            for _ in range(50):
                step = await svc.answer(u, 0)
                assert step.accepted
                print("ACK", u.user_id, flush=True)
            n += 1

    asyncio.run(main())
""")


async def test_killed_process_loses_no_acknowledged_answer(tmp_path):
    path = str(tmp_path / "kill.sqlite3")
    script = KILL_SCRIPT.format(root=str(ROOT), path=path)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=os.environ.copy())
    acks = 0
    for line in proc.stdout:
        if line.startswith("ACK"):
            acks += 1
        if acks >= 120:
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=30)
    # whatever was still in the pipe was acknowledged too
    acks += sum(1 for line in proc.stdout if line.startswith("ACK"))
    s = SQLiteStorage(path)
    await s.open()
    (n,) = await s._one("SELECT COUNT(*) FROM quiz_answers")
    (tally,) = await s._one("SELECT SUM(answered) FROM quiz_sessions")
    await s.close()
    assert n >= acks and tally == n


async def test_storage_errors_are_clear(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    s = SQLiteStorage(blocker / "db.sqlite3")
    with pytest.raises(StorageError, match="db.sqlite3"):
        await s.open()
    with pytest.raises(StorageError, match="sqlite"):
        open_storage("mysql://nope")


def test_settings_from_environment():
    s = QuizSettings.from_env({"ROLE_ADVISOR_ONBOARDING_COUNT": "7", "ROLE_ADVISOR_ONBOARDING_KINDS": "kpi,task"})
    assert s.onboarding_count == 7 and s.onboarding_kinds == ("kpi", "task")
    with pytest.raises(ConfigError, match="ROLE_ADVISOR_QUIZ_PASS_MARK"):
        QuizSettings.from_env({"ROLE_ADVISOR_QUIZ_PASS_MARK": "2"})
    with pytest.raises(ConfigError, match="bogus"):
        QuizSettings.from_env({"ROLE_ADVISOR_QUIZ_KINDS": "bogus"})


def test_cli_quiz_played_in_terminal_and_leaderboard(tmp_path):
    env = {**os.environ, "ROLE_ADVISOR_DATA_DIR": str(tmp_path)}
    out = subprocess.run(cli_cmd() + ["quiz", "--count", "3", "--seed", "1"], input="1\nnonsense\n2\n3\n",
                         capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr
    assert "Question 1/3" in out.stdout and "Question 3/3" in out.stdout and "Quiz finished" in out.stdout
    assert "number from 1 to" in out.stdout and "a letter from a to" in out.stdout
    lb = subprocess.run(cli_cmd() + ["leaderboard", "--lang", "hu"], capture_output=True, text=True, timeout=120, env=env)
    assert lb.returncode == 0 and "Ranglista" in lb.stdout and "kvíz" in lb.stdout
    fg = subprocess.run(cli_cmd() + ["forget", "--yes"], capture_output=True, text=True, timeout=120, env=env)
    assert fg.returncode == 0 and "deleted" in fg.stdout


def test_cli_quiz_with_arrow_keys_in_a_terminal(tmp_path):
    """In a real terminal (a pty): ↓ then Enter picks the second option, a digit picks at once."""
    import pty
    import select
    import time

    env = {**os.environ, "ROLE_ADVISOR_DATA_DIR": str(tmp_path), "TERM": "xterm"}
    pid, fd = pty.fork()
    if pid == 0:  # the child: the command in the terminal
        os.execvpe(cli_cmd()[0], cli_cmd() + ["quiz", "--count", "2", "--seed", "1"], env)
    out = b""

    def read_until(marker: bytes, timeout: float = 30.0) -> None:
        nonlocal out
        end = time.time() + timeout
        while marker not in out and time.time() < end:
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    out += os.read(fd, 4096)
                except OSError:
                    return

    read_until(b"4. ")
    os.write(fd, b"\x1b[B")
    read_until(b"\x1b[4A")
    os.write(fd, b"\r")
    read_until(b"Question 2/2")
    read_until(b"4. ")
    os.write(fd, b"1")
    read_until(b"Quiz finished")
    os.waitpid(pid, 0)
    text = out.decode("utf-8", "replace")
    assert "› 2." in text  # the arrow moved the marker
    assert "Quiz finished" in text and "Question 2/2" in text


# -- a quiz's outcome is stored with its last answer ----------------------------------------------
def _crash_on(store, prefix: str):
    """Make every statement starting with ``prefix`` fail, as a kill at that moment would."""
    import contextlib

    orig = store._tx

    @contextlib.asynccontextmanager
    async def crashing():
        async with orig() as tx:
            real = tx.execute

            async def execute(sql, args=()):
                if sql.startswith(prefix):
                    raise RuntimeError("killed here")
                return await real(sql, args)

            tx.execute = execute
            yield tx

    store._tx = crashing
    return lambda: setattr(store, "_tx", orig)


async def _state(store, u, community):
    sess = (await store.query("SELECT status, answered, total, passed FROM quiz_sessions WHERE user_id = ?", (u.user_id,)))[0]
    return tuple(sess), await store.has_passed(u.platform, community, u.user_id)


@pytest.mark.parametrize("step", ["UPDATE quiz_sessions SET status", "INSERT INTO onboarding_passes"])
async def test_a_crash_after_the_last_answer_never_loses_the_outcome(advisor, store, step):
    svc = service(advisor, store, onboarding_count=2, onboarding_pass_mark=0.5)
    u = User("telegram", "last-answer")
    view = (await svc.start(u, "grp", "en", onboarding=True, seed=4)).next
    view = (await svc.answer(u, view.item.answer)).next
    restore = _crash_on(store, step)
    with pytest.raises(RuntimeError):
        await svc.answer(u, view.item.answer)
    restore()
    # all or nothing: the last answer is not stored without the outcome and the pass
    assert await _state(store, u, "grp") == (("active", 1, 2, None), False)
    again = await svc.answer(u, view.item.answer)  # the member answers again
    assert again.accepted and again.final.passed and again.final.newly_passed
    assert await _state(store, u, "grp") == (("finished", 2, 2, 1), True)


async def test_a_session_left_with_every_answer_but_no_outcome_is_settled_on_read(advisor, store):
    """What a kill left under the old code: every answer stored, the session still active."""
    svc = service(advisor, store, onboarding_count=2, onboarding_pass_mark=0.5)
    u = User("discord", "healed")
    view = (await svc.start(u, "guild", "en", onboarding=True, seed=6)).next
    sess = await store.active_session("discord", "healed")
    for i in range(2):
        assert await store.record_answer(sess.id, i, 0, True, 1_700_000_001.0)
    assert await svc.current(u) is None  # no IndexError, no quiz left hanging
    assert await _state(store, u, "guild") == (("finished", 2, 2, 1), True)
    assert (await svc.start(u, "guild", "en", onboarding=True)).message  # "already passed"
    assert view is not None
