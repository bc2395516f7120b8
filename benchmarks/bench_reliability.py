"""Reliability under faults and attack, measured (issue 12's figures, measured again):

1. fuzzing: exceptions in N hypothesis runs of ``Advisor.ask`` on arbitrary text, and of the
   conversation path (``Advisor.conversation()`` and ``ask`` with an arbitrary context); atheris on
   ``Advisor.ask`` when it is installed (``pip install atheris``), else said not run;
2. SIGKILL: a child process answering questions and quiz answers through ``bot.service.Service`` on
   SQLite, printing each acknowledged log id / quiz answer to a pipe only after the call returned,
   killed at random moments; after each kill, acknowledged rows missing from the database, and
   quizzes left half-recorded (kills aimed right after a quiz's last answer, issue item 4);
3. two PostgreSQL writers (two processes, each its own Service and pool) logging questions
   together: rows lost or duplicated;
4. PostgreSQL restarted under load: every question during the outage still answered, and the time
   from the server being back to the first stored answer;
5. limits: 200 presses of "ask a moderator", one user flooding 1,000 questions at once, 100
   concurrent leaderboards — tickets, refusals, storage queries, and another user's answer latency;
6. two processes opening one fresh SQLite file together, M times: failures.

    python benchmarks/bench_reliability.py [--fuzz 20000] [--atheris 200000] [--kills 30]
        [--last-kills 50] [--pg-writes 10000] [--restarts 5] [--fresh 50] [--only fuzz,kill,...]

Self-contained: PostgreSQL is started by the script on 127.0.0.1 (tests/pg_server.py, like the
tests); every file is in a temporary directory; nothing reaches another address. The defaults
finish in about 4–5 minutes on a 2-core machine (`--help` for the sizes).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import pathlib
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

# Every user may ask as fast as the machine allows, except in the limits section (the default rate).
UNLIMITED = {"ROLE_ADVISOR_USER_RATE": "1000000/1"}
QUESTIONS = ["What are the KPIs?", "what level is needed for E.4?", "mik a KPI-k?", "tell me a joke",
             "skills for C.3", "és a szintje?", "What is the mission?", "melyik kompetenciához kell a B11?"]
SECTIONS = ("fuzz", "kill", "pgwriters", "restart", "limits", "fresh")
RESULTS: list[tuple[str, str, str]] = []  # (what, how many runs, result) for the summary table


def result(what: str, runs: str, outcome: str) -> None:
    RESULTS.append((what, runs, outcome))
    print(f"  {what}: {outcome}  [{runs}]", flush=True)


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p * (len(xs) - 1))))] if xs else float("nan")


# == 1. fuzzing ===================================================================================
def fuzz(n: int, atheris_runs: int) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from bot import Advisor, Context

    advisor = Advisor.load()
    codes = st.sampled_from(["C.4", "b11", "E 2", "A.5", "D.1", "B 3", "m5", "kpi", "szint", "level", "Z.9",
                             "-hez", "és a", "what level?", "the first one", "in English?", "magyarul"])
    text = st.one_of(st.text(max_size=400), st.lists(st.one_of(codes, st.text(max_size=12)), max_size=12).map(" ".join),
                     st.binary(max_size=200))
    langs = st.sampled_from([None, "en", "hu", "xx"])
    cfg = settings(max_examples=n, deadline=None, database=None, derandomize=False,
                   suppress_health_check=list(HealthCheck))
    failures: list[str] = []
    runs = {"ask": 0, "conversation": 0, "context": 0}

    def check(a) -> None:
        d = a.to_dict()
        if d["lang"] not in ("en", "hu") or not d["answer"] or (d["topic"] is None) != (not d["answered"]):
            raise AssertionError(f"contract broken: {d!r}"[:300])

    def guarded(kind: str, fn) -> None:
        runs[kind] += 1
        try:
            fn()
        except Exception as exc:  # counted, never raised: hypothesis would stop at the first
            failures.append(f"{kind}: {type(exc).__name__}: {exc}"[:300])

    @cfg
    @given(text, langs)
    def one(q, lang):
        guarded("ask", lambda: check(advisor.ask(q, lang=lang)))

    @cfg
    @given(st.lists(st.tuples(text, langs), min_size=1, max_size=6))
    def conversation(turns):
        def run():
            chat = advisor.conversation()
            for q, lang in turns:
                check(chat.ask(q, lang=lang))
        guarded("conversation", run)

    topics = st.sampled_from([None, "", "competence:Z.9", "skill:Q77", "role:nothing", *advisor.topics()])
    ctxs = st.builds(Context, st.sampled_from(["en", "hu"]), topics, st.sampled_from(["full", "level", "ks"]),
                     st.floats(allow_nan=False, allow_infinity=False))

    @cfg
    @given(text, langs, ctxs)
    def with_context(q, lang, ctx):
        guarded("context", lambda: check(advisor.ask(q, lang=lang, context=ctx)))

    print(f"\n1. fuzzing (hypothesis, {n:,} examples per property)", flush=True)
    for name, prop in (("ask", one), ("conversation", conversation), ("context", with_context)):
        t0 = time.perf_counter()
        prop()
        print(f"  {name}: {runs[name]:,} runs in {time.perf_counter() - t0:.0f} s", flush=True)
    for f in failures[:5]:
        print("  FAIL", f)
    result("exceptions or broken contracts, hypothesis: `Advisor.ask` on arbitrary text", f"{runs['ask']:,} runs",
           str(sum(f.startswith("ask:") for f in failures)))
    result("the same, conversations of 1–6 turns through `Advisor.conversation()`",
           f"{runs['conversation']:,} conversations", str(sum(f.startswith("conversation:") for f in failures)))
    result("the same, `Advisor.ask(context=…)` with any topic, view and time", f"{runs['context']:,} runs",
           str(sum(f.startswith("context:") for f in failures)))

    try:
        import atheris  # noqa: F401
    except ImportError:
        result("exceptions, atheris on `Advisor.ask`", "not run", "atheris not installed (pip install atheris)")
        return
    if atheris_runs <= 0:
        return
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, __file__, "--child", "atheris", str(atheris_runs)],
                       capture_output=True, text=True, timeout=1800)
    done = [line for line in p.stderr.splitlines() if line.startswith("Done ")]
    ran = done[-1].split()[1] if done else "?"
    if p.returncode == 0:
        result("exceptions, atheris (libFuzzer, coverage-guided) on `Advisor.ask`, bytes as text",
               f"{int(ran):,} runs" if ran.isdigit() else f"{ran} runs", "0")
    else:
        tail = "\n".join(p.stderr.splitlines()[-15:])
        print(tail)
        result("exceptions, atheris on `Advisor.ask`", f"{ran} runs", f"FAILED (exit {p.returncode}), see above")
    print(f"  atheris: {time.perf_counter() - t0:.0f} s", flush=True)


def child_atheris(runs: int) -> None:
    import atheris

    with atheris.instrument_imports(include=["bot"]):
        from bot import Advisor
    advisor = Advisor.load()
    langs = [None, "en", "hu"]

    def target(data: bytes) -> None:
        fdp = atheris.FuzzedDataProvider(data)
        lang = langs[fdp.ConsumeIntInRange(0, 2)]
        q = fdp.ConsumeUnicodeNoSurrogates(fdp.remaining_bytes())
        a = advisor.ask(q, lang=lang)
        if not a.answer or a.lang not in ("en", "hu"):
            raise AssertionError(repr(a.to_dict()))

    atheris.Setup([sys.argv[0], f"-runs={runs}", "-max_len=600", "-print_final_stats=0"], target)
    atheris.Fuzz()


# == 2. SIGKILL on SQLite =========================================================================
async def child_sqlite(path: str, mode: str) -> None:
    """Answers forever through Service on SQLite; a line on stdout only after each call returned:
    ``L id`` a logged question, ``A sid i`` a stored quiz answer, ``F sid passed`` a finished quiz;
    in mode ``last`` also ``LAST sid`` just before a quiz's last answer is sent."""
    from bot import Advisor
    from bot.config import QuizSettings
    from bot.quizzes import User
    from bot.service import Service
    from bot.storage import SQLiteStorage

    advisor = Advisor.load()
    store = SQLiteStorage(path)
    await store.open()
    svc = Service(advisor, store, QuizSettings(onboarding_cooldown=0), env=UNLIMITED)
    out = sys.stdout
    rng = random.Random()
    pid = os.getpid()

    def ack(line: str) -> None:
        out.write(line + "\n")
        out.flush()

    async def asker(k: int) -> None:
        i = 0
        while True:
            r = await svc.ask(User("telegram", f"{pid}-a{k}"), "grp", QUESTIONS[(i + k) % len(QUESTIONS)], chat_id=k)
            ack(f"L {r.log_id}" if r.log_id is not None else "U")
            i += 1

    async def player(k: int) -> None:
        n = 0
        while True:
            u = User("telegram", f"{pid}-p{k}-{n}")
            n += 1
            step = await svc.start_quiz(u, "grp", "en", onboarding=True)
            if not step.accepted:
                ack(f"X start {step.message!r}")
                return
            view = step.next
            while True:
                item = view.item
                choice = item.answer if rng.random() < 0.9 else (item.answer + 1) % len(item.options)
                if mode == "last" and view.index == view.total - 1:
                    ack(f"LAST {view.session_id}")
                step = await svc.quiz_answer(u, choice, session_id=view.session_id, index=view.index)
                if not step.accepted:
                    ack(f"X answer {step.message!r}")
                    return
                ack(f"A {view.session_id} {view.index}")
                if step.final is not None:
                    ack(f"F {view.session_id} {int(step.final.passed)}")
                    break
                view = step.next

    ack("READY")
    tasks = [player(k) for k in range(2)] + ([asker(k) for k in range(4)] if mode == "mixed" else [])
    await asyncio.gather(*tasks)


def audit(path: str, acked: dict) -> dict:
    """What the database holds against what was acknowledged."""
    db = sqlite3.connect(path, timeout=30)
    try:
        logged = {r[0] for r in db.execute("SELECT id FROM qa_log")}
        answers = set(db.execute("SELECT session_id, item_index FROM quiz_answers"))
        sessions = {r[0]: r[1:] for r in db.execute(
            "SELECT id, status, passed, answered, total, platform, community, user_id FROM quiz_sessions")}
        passes = set(db.execute("SELECT platform, community, user_id FROM onboarding_passes"))
        tallies = dict(db.execute("SELECT session_id, COUNT(*) FROM quiz_answers GROUP BY session_id"))
    finally:
        db.close()
    lost_logs = [i for i in acked["L"] if i not in logged]
    lost_answers = [a for a in acked["A"] if a not in answers]
    lost_finals = []
    for sid, passed in acked["F"]:
        s = sessions.get(sid)
        if s is None or s[0] != "finished" or bool(s[1]) != passed or (passed and s[4:7] not in passes):
            lost_finals.append(sid)
    half = []  # a session whose answers, tally, outcome and pass disagree
    for sid, (status, passed, answered, total, *who) in sessions.items():
        if tallies.get(sid, 0) != answered:
            half.append((sid, "tally"))
        elif status == "active" and answered >= total:
            half.append((sid, "active with every answer stored"))
        elif status == "finished" and passed and tuple(who) not in passes:
            half.append((sid, "passed without its onboarding pass"))
    return {"lost_logs": lost_logs, "lost_answers": lost_answers, "lost_finals": lost_finals, "half": half,
            "sessions": sessions}


def one_kill(path: str, mode: str, rng: random.Random) -> tuple[dict, dict, str]:
    p = subprocess.Popen([sys.executable, __file__, "--child", "sqlite", path, mode],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
    acked = {"L": [], "A": [], "F": [], "U": 0, "X": []}
    lines: list[str] = []
    first = p.stdout.readline()
    if first.strip() != "READY":
        p.kill()
        raise RuntimeError(f"child did not start: {first!r} {p.stderr.read()[-2000:]}")
    where = ""
    if mode == "mixed":
        time.sleep(rng.uniform(0.05, 0.8))
        p.send_signal(signal.SIGKILL)
        where = "random"
    else:
        # aim right after a quiz's last answer: a random one of the first few, then 0-4 ms
        target = rng.randint(1, 4)
        seen = 0
        for line in p.stdout:
            lines.append(line)
            if line.startswith("LAST "):
                seen += 1
                if seen == target:
                    time.sleep(rng.uniform(0.0, 0.004))
                    p.send_signal(signal.SIGKILL)
                    where = line.split()[1]
                    break
    p.wait()
    lines += p.stdout.read().splitlines()
    err = p.stderr.read()
    for line in lines:
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "L":
            acked["L"].append(int(parts[1]))
        elif parts[0] == "A":
            acked["A"].append((parts[1], int(parts[2])))
        elif parts[0] == "F":
            acked["F"].append((parts[1], parts[2] == "1"))
        elif parts[0] == "U":
            acked["U"] += 1
        elif parts[0] == "X":
            acked["X"].append(line)
    if "Traceback" in err:
        print(err[-1500:])
    return acked, audit(path, acked), where


def kills(k_random: int, k_last: int, tmp: pathlib.Path) -> None:
    print(f"\n2. SIGKILL of a process answering through Service on SQLite ({k_random} random kills, "
          f"{k_last} right after a quiz's last answer)", flush=True)
    rng = random.Random(12)
    for mode, k in (("mixed", k_random), ("last", k_last)):
        if k <= 0:
            continue
        path = str(tmp / f"kill-{mode}.sqlite3")  # one file across every kill, as a bot restarting
        tot = {"L": 0, "A": 0, "F": 0, "U": 0, "X": 0}
        bad = {"lost_logs": 0, "lost_answers": 0, "lost_finals": 0, "half": 0}
        landed = {"before": 0, "after": 0, "other": 0}  # the aimed quiz: last answer not stored / stored whole
        examples = []
        t0 = time.perf_counter()
        for i in range(k):
            acked, found, where = one_kill(path, mode, rng)
            if mode == "last":
                st_ = found["sessions"].get(where)
                if st_ is not None and st_[0] == "active" and st_[2] == st_[3] - 1:
                    landed["before"] += 1
                elif st_ is not None and st_[0] == "finished" and st_[2] == st_[3]:
                    landed["after"] += 1
                else:
                    landed["other"] += 1
            for key in ("L", "A", "F"):
                tot[key] += len(acked[key])
            tot["U"] += acked["U"]
            tot["X"] += len(acked["X"])
            for key in bad:
                bad[key] += len(found[key])
                if found[key]:
                    examples.append((i, key, found[key][:3]))
        dt = time.perf_counter() - t0
        for e in examples[:5]:
            print("  FAIL", e)
        print(f"  {mode}: {k} kills in {dt:.0f} s; acknowledged {tot['L']:,} logged questions, {tot['A']:,} quiz "
              f"answers, {tot['F']:,} finished quizzes; questions answered but not logged: {tot['U']}; refusals: {tot['X']}",
              flush=True)
        lost = bad["lost_logs"] + bad["lost_answers"] + bad["lost_finals"]
        if mode == "mixed":
            result("acknowledged answers lost to SIGKILL at random moments (Service on SQLite, 4 askers + 2 quiz players)",
                   f"{k} kills, {tot['L'] + tot['A'] + tot['F']:,} acknowledged ({tot['L']:,} logged questions, "
                   f"{tot['A']:,} quiz answers, {tot['F']:,} outcomes)", f"{lost}")
            result("quizzes left half-recorded after those kills", f"{k} kills", str(bad["half"]))
        else:
            print(f"  the aimed quiz after the kill: last answer not stored {landed['before']}, stored with its "
                  f"outcome {landed['after']}, anything else {landed['other']}", flush=True)
            result("quizzes left half-recorded by a kill 0–4 ms after a quiz's last answer was sent (issue item 4)",
                   f"{k} kills ({landed['before']} landed before the last answer's commit, {landed['after']} after)",
                   f"{bad['half']} (acknowledged lost: {lost} of {tot['A']:,} answers, {tot['F']:,} outcomes)")


# == 3. two PostgreSQL writers ====================================================================
async def child_pg_writer(url: str, tag: str, n: int, conc: int) -> None:
    from bot import Advisor
    from bot.quizzes import User
    from bot.service import Service
    from bot.storage import PostgresStorage

    advisor = Advisor.load()
    store = PostgresStorage(url, max_size=conc)
    await store.open()
    svc = Service(advisor, store, env=UNLIMITED)
    ids: list[int] = []
    unlogged = 0
    todo = iter(range(n))

    async def worker(k: int) -> None:
        nonlocal unlogged
        for i in todo:
            r = await svc.ask(User("telegram", f"{tag}-{k}"), "grp", f"{QUESTIONS[i % len(QUESTIONS)]} #{tag}-{i}",
                              chat_id=k)
            if r.log_id is None:
                unlogged += 1
            else:
                ids.append(r.log_id)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(conc)))
    dt = time.perf_counter() - t0
    await store.close()
    print(json.dumps({"ids": ids, "unlogged": unlogged, "seconds": dt}))


async def pg_writers(server, n: int) -> None:
    print(f"\n3. two PostgreSQL writers, two processes with their own Service and pool, {n:,} questions each", flush=True)
    url = await server.new_database()
    from bot.storage import PostgresStorage

    store = PostgresStorage(url)
    await store.open()  # the schema first, as a deployment does; each writer then opens its own
    await store.close()
    procs = [subprocess.Popen([sys.executable, __file__, "--child", "pgwriter", url, tag, str(n), "8"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for tag in ("w1", "w2")]
    outs = []
    for p in procs:
        o, e = p.communicate(timeout=1800)
        if p.returncode != 0:
            raise RuntimeError(e[-2000:])
        outs.append(json.loads(o.strip().splitlines()[-1]))
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT id, question FROM qa_log")
    finally:
        await conn.close()
    by_tag: dict[str, int] = {}
    for r in rows:
        tag = r["question"].rsplit("#", 1)[-1]
        by_tag[tag] = by_tag.get(tag, 0) + 1
    expected = {f"{t}-{i}" for t in ("w1", "w2") for i in range(n)}
    stored_ids = {r["id"] for r in rows}
    acked = [i for o in outs for i in o["ids"]]
    lost = sum(1 for t in expected if t not in by_tag) + sum(1 for i in acked if i not in stored_ids)
    dup = sum(c - 1 for c in by_tag.values() if c > 1) + (len(acked) - len(set(acked)))
    unlogged = sum(o["unlogged"] for o in outs)
    secs = max(o["seconds"] for o in outs)
    print(f"  {len(rows):,} rows for {2 * n:,} questions in {secs:.1f} s ({2 * n / secs:,.0f} questions/s with "
          f"both writers); answered but not logged: {unlogged}", flush=True)
    result("rows lost or duplicated, two PostgreSQL writers (two processes, 8 tasks each, `Service.ask`)",
           f"{2 * n:,} questions", f"lost {lost}, duplicated {dup}, not logged {unlogged}")


# == 4. PostgreSQL restarted under load ===========================================================
async def pg_restart(server, restarts: int, outage: float) -> None:
    print(f"\n4. PostgreSQL stopped (immediate) and started again under load, {restarts} times, "
          f"{outage:.1f} s down each", flush=True)
    from bot import Advisor
    from bot.quizzes import User
    from bot.service import Service
    from bot.storage import PostgresStorage

    url = await server.new_database()
    advisor = Advisor.load()
    store = PostgresStorage(url, max_size=10)
    await store.open()
    svc = Service(advisor, store, env=UNLIMITED)
    state = {"stop": False}
    log: list[tuple[float, float, bool, bool]] = []  # (start, end, answered, logged)
    errors: list[str] = []

    async def asker(k: int) -> None:
        i = 0
        while not state["stop"]:
            t0 = time.monotonic()
            try:
                r = await svc.ask(User("telegram", f"r{k}"), "grp", QUESTIONS[(i + k) % len(QUESTIONS)], chat_id=k)
                log.append((t0, time.monotonic(), bool(r.answer.answer), r.log_id is not None))
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                log.append((t0, time.monotonic(), False, False))
            i += 1
            await asyncio.sleep(0.005)

    import logging

    logging.getLogger("role_advisor.service").setLevel(logging.ERROR)  # one warning per skipped log line

    class Count(logging.Handler):  # asyncpg's own log lines (its pool reconnecting), counted not shown
        n = 0
        tracebacks = 0

        def emit(self, record):
            Count.n += 1
            Count.tracebacks += record.exc_info is not None

    pg_log = logging.getLogger("asyncpg")
    pg_log.addHandler(Count())
    pg_log.propagate = False
    tasks = [asyncio.ensure_future(asker(k)) for k in range(20)]
    backs, outage_q, outage_unanswered, outage_lat = [], 0, 0, []
    try:
        await asyncio.sleep(1.0)
        for _ in range(restarts):
            down = time.monotonic()
            await asyncio.to_thread(server.halt)
            await asyncio.sleep(outage)
            await asyncio.to_thread(server.resume)
            up = time.monotonic()
            first = None
            deadline = up + 30
            while first is None and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
                stored = [e for s, e, _a, logged in log if logged and s >= up]
                first = min(stored) if stored else None
            backs.append((first - up) if first is not None else float("inf"))
            during = [x for x in log if down <= x[0] < up]
            outage_q += len(during)
            outage_unanswered += sum(1 for x in during if not x[2])
            outage_lat += [x[1] - x[0] for x in during]
            await asyncio.sleep(1.0)
    finally:
        state["stop"] = True
        await asyncio.gather(*tasks, return_exceptions=True)
        await store.close()
    total = len(log)
    unanswered = sum(1 for x in log if not x[2])
    for e in errors[:3]:
        print("  FAIL", e)
    print(f"  {total:,} questions by 20 users; during the outages {outage_q:,}, answered in p50 "
          f"{1000 * pct(outage_lat, 0.5):.0f} ms, max {1000 * max(outage_lat or [0]):.0f} ms; back to storing after "
          + ", ".join(f"{b:.2f}" for b in backs) + " s", flush=True)
    print(f"  asyncpg itself logged {Count.n} lines ({Count.tracebacks} with a traceback: its pool restoring its "
          "connections), not counted as failures", flush=True)
    result("questions not answered while PostgreSQL was down (20 users asking)",
           f"{restarts} restarts, {outage_q:,} questions during the outages ({total:,} in all)",
           f"{outage_unanswered} (in all: {unanswered}; exceptions: {len(errors)})")
    result("time from PostgreSQL back to the first stored answer", f"{restarts} restarts",
           f"median {statistics.median(backs):.2f} s, max {max(backs):.2f} s")


# == 5. limits ====================================================================================
async def limits(tmp: pathlib.Path) -> None:
    print("\n5. limits (the default rate 20/60 with bursts of 8; SQLite)", flush=True)
    from bot import Advisor
    from bot.handoff import HandoffSettings
    from bot.quizzes import User
    from bot.service import Limited, Service
    from bot.storage import SQLiteStorage

    advisor = Advisor.load()
    handoff = HandoffSettings.from_env({"TELEGRAM_MODERATOR_CHAT": "-100"})

    # a) "ask a moderator" pressed 200 times by one user: in a burst, then once a second (a fake clock)
    for how in ("at once", "one a second"):
        store = SQLiteStorage(tmp / f"escalate-{how[:3]}.sqlite3")
        await store.open()
        svc = Service(advisor, store, env={}, handoff=handoff)
        now = [1_000_000.0]
        if how != "at once":
            svc.clock = svc.limiter.clock = lambda: now[0]
        u = User("telegram", "1")
        first = await svc.ask(u, "grp", "What are the KPIs?", chat_id=5)
        posts = refused = notices = already = 0
        for _ in range(200):
            try:
                opened = await svc.escalate(u, "grp", first.log_id, 5)
                if opened.moderator_text:
                    posts += 1
                else:
                    already += 1
            except Limited as exc:
                refused += 1
                notices += exc.notify
            now[0] += 1.0
        (tickets,) = (await store.query("SELECT COUNT(*) FROM tickets"))[0]
        await store.close()
        result(f'"ask a moderator" pressed 200 times by one user, {how}', "200 presses",
               f"{tickets} ticket, {posts} moderator post; {refused} refused by the rate limit ({notices} notice), "
               f"{already} told it is with the moderators")

    # b) one user floods 1,000 questions at once, round after round; 10 other users asking at the
    # same moment (queued behind the flood's 1,000 messages), against the same 10 with no flood
    store = SQLiteStorage(tmp / "flood.sqlite3")
    await store.open()
    svc = Service(advisor, store, env={}, handoff=handoff)
    unlimited = Service(advisor, store, env=UNLIMITED, handoff=handoff)
    serial = iter(range(10**9))

    async def others(service, n: int = 10) -> list[float]:
        async def one(k):
            i = next(serial)
            t0 = time.perf_counter()
            await service.ask(User("telegram", f"other-{i}"), "grp", QUESTIONS[i % len(QUESTIONS)], chat_id=k)
            return time.perf_counter() - t0
        return list(await asyncio.gather(*(one(k) for k in range(n))))

    async def flooded(service, outcome) -> list[float]:
        async def flood_one(i):
            try:
                await service.ask(User("telegram", "flood"), "grp", QUESTIONS[i % len(QUESTIONS)], chat_id=9)
                outcome["answered"] += 1
            except Limited as exc:
                outcome["refused"] += 1
                outcome["notices"] += exc.notify
        flood = [asyncio.ensure_future(flood_one(i)) for i in range(1000)]  # first in the loop's queue
        lat = await others(service)
        await asyncio.gather(*flood)
        return lat

    rounds = 10
    await others(svc)  # warm
    quiet, loud, loud_free = [], [], []
    outcome = {"answered": 0, "refused": 0, "notices": 0}
    free = {"answered": 0, "refused": 0, "notices": 0}
    for r in range(rounds):
        quiet += await others(svc)
        loud += await flooded(svc, outcome)
        if r < 3:  # the same flood with the rate limit lifted, to see what the limit saves
            loud_free += await flooded(unlimited, free)
    result("one user flooding 1,000 questions at once, 10 times over", f"{rounds:,} floods, {1000 * rounds:,} questions",
           f"{outcome['answered']} answered, {outcome['refused']:,} refused ({outcome['notices']} notice)")
    result("another user's answer latency: no flood / during the flood (10 others sent with each flood) / "
           "the same flood with the rate limit lifted",
           f"{len(quiet)} / {len(loud)} / {len(loud_free)} questions",
           f"p50 {1000 * pct(quiet, .5):.1f} / {1000 * pct(loud, .5):.1f} / {1000 * pct(loud_free, .5):,.0f} ms; "
           f"max {1000 * max(quiet):.1f} / {1000 * max(loud):.1f} / {1000 * max(loud_free):,.0f} ms")

    # c) 100 concurrent leaderboards over a filled history, round after round (each a fresh scope
    # time: a fake clock moves 11 s on): storage queries, and 10 others asking at the same moment
    db = sqlite3.connect(tmp / "flood.sqlite3", timeout=30)
    with db:
        db.executemany(
            "INSERT INTO quiz_sessions (id, platform, user_id, community, lang, onboarding, items, total, answered, "
            "score, status, passed, started_at, updated_at, finished_at) VALUES (?, 'telegram', ?, 'grp', 'en', 0, "
            "'[]', 5, 5, ?, 'finished', 1, ?, ?, ?)",
            [(f"s{i}", str(i % 5000), i % 6, 1e9 + i, 1e9 + i, 1e9 + i) for i in range(50_000)])
    db.close()
    calls, spent = [0], []
    real = store.leaderboard

    async def counted(*a, **k):
        calls[0] += 1
        t0 = time.perf_counter()
        rows = await real(*a, **k)
        spent.append(time.perf_counter() - t0)
        return rows

    store.leaderboard = counted
    now = [2_000_000_000.0]
    svc.clock = lambda: now[0]
    quiet_b, during, texts = [], [], set()
    for r in range(rounds):
        now[0] += 11
        quiet_b += await others(svc)
        boards = [asyncio.ensure_future(svc.leaderboard(User("telegram", f"lb{r}-{i}"), "en", "telegram", "grp"))
                  for i in range(100)]
        during += await others(svc)
        texts |= set(await asyncio.gather(*boards))
    result("100 concurrent leaderboard requests (50,000 finished quizzes of 5,000 members), 10 times over",
           f"{rounds} × 100 requests", f"{calls[0]} storage queries ({calls[0] // rounds} per 100 requests; "
           f"each {1000 * statistics.median(spent):.0f} ms), {len(texts)} distinct text")
    result("another user's answer latency: no leaderboards / sent with the 100 leaderboards",
           f"{len(quiet_b)} / {len(during)} questions",
           f"p50 {1000 * pct(quiet_b, .5):.1f} / {1000 * pct(during, .5):.1f} ms; "
           f"max {1000 * max(quiet_b):.1f} / {1000 * max(during):.1f} ms")
    await store.close()


# == 6. two processes on one fresh SQLite file ===================================================
def fresh(m: int, tmp: pathlib.Path) -> None:
    from test_sqlite_processes import WORKER

    print(f"\n6. two processes opening one fresh SQLite file together, {m} times", flush=True)
    failed_trials, failures, examples = 0, 0, []
    t0 = time.perf_counter()
    for trial in range(m):
        path = str(tmp / f"fresh-{trial}.sqlite3")
        # the worker of tests/test_sqlite_processes.py: 8 members of one bot at once, one round each
        procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(ROOT), path, who, "1"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for who in ("a", "b")]
        bad = 0
        for p in procs:
            o, e = p.communicate(timeout=120)
            lines = o.strip().splitlines()
            n = int(lines[-1]) if p.returncode == 0 and lines and lines[-1].isdigit() else 1
            bad += n
            if n:
                examples.append((trial, e.strip()[-300:]))
        failures += bad
        failed_trials += bool(bad)
    for e in examples[:3]:
        print("  FAIL", e)
    print(f"  {m} trials in {time.perf_counter() - t0:.0f} s", flush=True)
    result("two processes starting together on one fresh SQLite file (8 tasks each: write, read, vote, leaderboard)",
           f"{m} trials", f"{failed_trials} trials failed ({failures} failed operations)")


# == main =========================================================================================
def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        kind, args = sys.argv[2], sys.argv[3:]
        if kind == "atheris":
            return child_atheris(int(args[0]))
        if kind == "sqlite":
            return asyncio.run(child_sqlite(args[0], args[1]))
        if kind == "pgwriter":
            return asyncio.run(child_pg_writer(args[0], args[1], int(args[2]), int(args[3])))
        raise SystemExit(f"unknown child {kind}")
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fuzz", type=int, default=20_000, help="hypothesis examples per property (3 properties)")
    ap.add_argument("--atheris", type=int, default=200_000, help="atheris runs (0: skip; skipped when not installed)")
    ap.add_argument("--kills", type=int, default=30, help="SIGKILLs at random moments")
    ap.add_argument("--last-kills", type=int, default=50, help="SIGKILLs right after a quiz's last answer")
    ap.add_argument("--pg-writes", type=int, default=10_000, help="questions logged by each of two PostgreSQL writers")
    ap.add_argument("--restarts", type=int, default=5, help="PostgreSQL restarts under load")
    ap.add_argument("--outage", type=float, default=1.0, help="seconds PostgreSQL stays down each time")
    ap.add_argument("--fresh", type=int, default=50, help="trials of two processes on a fresh SQLite file")
    ap.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections: " + ",".join(SECTIONS))
    args = ap.parse_args()
    only = set(args.only.split(","))
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
    t_all = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ra-rel-") as d:
        tmp = pathlib.Path(d)
        if "fuzz" in only:
            fuzz(args.fuzz, args.atheris)
        if "kill" in only:
            kills(args.kills, args.last_kills, tmp)
        if only & {"pgwriters", "restart"}:
            from pg_server import PgServer

            server = PgServer().start()
            try:
                if "pgwriters" in only:
                    asyncio.run(pg_writers(server, args.pg_writes))
                if "restart" in only:
                    asyncio.run(pg_restart(server, args.restarts, args.outage))
            finally:
                server.stop()
        if "limits" in only:
            asyncio.run(limits(tmp))
        if "fresh" in only:
            fresh(args.fresh, tmp)
    print(f"\nsummary ({time.perf_counter() - t_all:.0f} s in all)\n")
    print("| what | how many | result |\n|---|---|---|")
    for what, runs, outcome in RESULTS:
        print(f"| {what} | {runs} | {outcome} |")


if __name__ == "__main__":
    main()
