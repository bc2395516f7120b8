"""Privacy: the retention period applies to every table that holds what people wrote or did, on a
schedule rather than only when someone asks; forget leaves no copy of the deleted text in the
database files (write-ahead log included)."""
import asyncio

import pytest

from bot.handoff import HandoffSettings
from bot.quizzes import User
from bot.service import Service
from bot.storage import SQLiteStorage

T0 = 1_793_491_200.0
DAY = 86400.0


class Clock:
    def __init__(self, t):
        self.t = t

    def __call__(self):
        return self.t


async def _activity(svc, u: User, marker: str):
    """One member's footprint in every table: a question (logged, voted, a ticket), a finished quiz
    with a prompt, an onboarding pass."""
    reply = await svc.ask(u, "grp", f"tell me a joke about {marker}", chat_id=5)
    assert reply.ticket is not None
    await svc.vote(u, reply.log_id, True)
    view = (await svc.quizzes.start(u, "grp", "en", onboarding=True, seed=1)).next
    await svc.storage.add_prompt("telegram", f"poll-{marker}", view.session_id, 0, u.user_id, "5", svc.clock())
    while view is not None:
        step = await svc.quizzes.answer(u, view.item.answer)
        view = step.next


async def _counts(st):
    out = {}
    for table in ("qa_log", "votes", "tickets", "prompts", "quiz_sessions", "quiz_answers", "onboarding_passes"):
        out[table] = (await st.query(f"SELECT COUNT(*) FROM {table}"))[0][0]
    return out


async def test_retention_applies_to_every_table_with_a_fake_clock(advisor, tmp_path):
    clock = Clock(T0)
    st = SQLiteStorage(tmp_path / "r.sqlite3")
    await st.open()
    ho = HandoffSettings({"telegram": "-1", "discord": None}, {"telegram": set(), "discord": set()})
    svc = Service(advisor, st, clock=clock, handoff=ho, env={"ROLE_ADVISOR_LOG_RETENTION_DAYS": "30",
                                                           "ROLE_ADVISOR_ONBOARDING_COUNT": "2"})
    await _activity(svc, User("telegram", "old", "Old"), "old")
    clock.t = T0 + 20 * DAY
    await _activity(svc, User("telegram", "new", "New"), "new")
    before = await _counts(st)
    assert all(n >= 2 for t, n in before.items()), before
    clock.t = T0 + 31 * DAY  # the first member's rows are past 30 days, the second's are not
    svc._last_purge = 0.0
    await svc.purge_if_due()
    after = await _counts(st)
    for table, n in after.items():
        want = before[table] if table == "onboarding_passes" else before[table] // 2
        assert n == want, (table, before, after)  # passes are kept: communities grant roles by them
    texts = " ".join(q for (q,) in await st.query("SELECT question FROM qa_log UNION ALL SELECT question FROM tickets"))
    assert "new" in texts and "old" not in texts
    await st.close()


async def test_retention_runs_on_a_schedule_without_any_question(advisor, tmp_path):
    clock = Clock(T0)
    st = SQLiteStorage(tmp_path / "s.sqlite3")
    await st.open()
    svc = Service(advisor, st, clock=clock, env={"ROLE_ADVISOR_LOG_RETENTION_DAYS": "1"})
    await svc.ask(User("telegram", "1"), "dm", "What are the KPIs?")
    clock.t = T0 + 2 * DAY
    task = asyncio.get_running_loop().create_task(svc.maintain(every=0.05))
    for _ in range(100):
        await asyncio.sleep(0.02)
        if (await st.query("SELECT COUNT(*) FROM qa_log"))[0][0] == 0:
            break
    task.cancel()
    assert (await st.query("SELECT COUNT(*) FROM qa_log"))[0][0] == 0
    await st.close()


async def test_forget_leaves_no_copy_of_the_text_in_the_database_files(advisor, tmp_path):
    path = tmp_path / "f.sqlite3"
    st = SQLiteStorage(path)
    await st.open()
    ho = HandoffSettings({"telegram": "-1", "discord": None}, {"telegram": set(), "discord": set()})
    # two members asking 60 questions each: the rate limit is not what this test is about
    svc = Service(advisor, st, clock=Clock(T0), handoff=ho, env={"ROLE_ADVISOR_USER_RATE": "1000/1"})
    secret = "my-very-private-question-zqx"
    u = User("telegram", "4711", "Private Person")
    for i in range(60):  # on the same pages as another member's questions, which stay
        await svc.ask(u, "dm", f"{secret} number {i}", chat_id=4711)
        await svc.ask(User("telegram", "2"), "dm", f"What are the KPIs? ({i})")

    def on_disk() -> bytes:
        return b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("f.sqlite3"))

    assert secret.encode() in on_disk()
    await svc.forget(u, "en")  # the bot keeps running: its connection stays open
    assert secret.encode() not in on_disk()
    assert b"Private Person" not in on_disk()
    assert (await st.query("SELECT COUNT(*) FROM qa_log"))[0][0] == 60
    await st.close()


def test_a_program_that_never_closes_its_storage_still_exits(tmp_path):
    import subprocess
    import sys

    from conftest import ROOT

    code = ("import asyncio, sys; sys.path.insert(0, sys.argv[1]); from bot.storage import SQLiteStorage\n"
            "store = SQLiteStorage(sys.argv[2])  # kept, as a bot object keeps it\n"
            "async def main():\n"
            "    await store.open(); await store.touch_user('cli', 'u', 1.0)\n"
            "asyncio.run(main())\n")
    r = subprocess.run([sys.executable, "-c", code, str(ROOT), str(tmp_path / "x.sqlite3")], timeout=30,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
