"""What the community teaches, measured:

    python benchmarks/bench_taught.py [--rounds N] [--trials N] [--no-postgres]

1. Answering speed with 1,000 taught phrasings and 200 community answers loaded, against the advisor
   alone, over the same questions as ``bench_ask.py`` (warm, per question, p50/p99/max), and how
   many answers the taught phrasings changed (none should: they are generated, not taken from the
   question sets); and the time to build such a snapshot (what an instance does when the version
   counter moves).
2. How quickly a phrasing taught on one instance answers on another sharing the database: two
   :class:`bot.service.Service` instances (each with its own connection); the other answers a
   question every 20 ms throughout, one teaches at a random moment, and the time until the other
   answers the taught phrasing with its topic is measured; with the default refresh period (2 s) and
   with 0.5 s; on SQLite, and on PostgreSQL (a server this script starts on 127.0.0.1).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import pathlib
import random
import statistics
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_ask import SETS  # noqa: E402
from bot import Advisor  # noqa: E402
from bot import taught as tm  # noqa: E402

WORDS = ("discord", "server", "badge", "mentor", "meetup", "webinar", "newsletter", "wiki", "pdf", "exam", "certificate",
         "salary", "budapest", "remote", "internship", "moderation", "bot", "channel", "event", "podcast", "hackathon",
         "sponsor", "volunteer", "schedule", "timezone", "invoice", "license", "template", "translation", "glossary")
FORMS = ("where can i find the {a} for the {b}", "is there a {a} about {b}", "how do i join the {a} {b}",
         "who runs the {a} {b} here", "can i get a {a} for {b}", "hol találom a {a} {b} oldalt",
         "van {a} a {b} témában", "when is the next {a} {b}")


# distinct wordings (none a close variant of another, none answered by the profile), one per trial
REACH = ("is the pizza place at the corner open on sundays", "who sponsors the annual hackathon",
         "can volunteers get a discount on the conference", "where is the podcast archive",
         "how long does the newsletter signup take", "which timezone do the webinars use",
         "can i bring my dog to the summer picnic", "are pets allowed at the office party",
         "what is the wifi password in the coworking space", "is parking free near the venue",
         "who translates the handbook into german", "when does the mentoring programme open")


class Row:
    def __init__(self, phrasing, topic):
        self.phrasing, self.topic = phrasing, topic


class Ans:
    def __init__(self, i):
        self.id, self.text_en, self.text_hu = str(i), f"Community answer number {i}.", f"Közösségi válasz {i}."


def generated(advisor, n_phrasings=1000, n_answers=200, seed=7):
    rnd = random.Random(seed)
    topics = advisor.topics()
    seen, rows = set(), []
    while len(rows) < n_phrasings:
        a, b = rnd.sample(WORDS, 2)
        p = rnd.choice(FORMS).format(a=a, b=b) + f" {rnd.randint(1, 999)}"
        if p in seen:
            continue
        seen.add(p)
        topic = f"faq:{len(rows) % n_answers}" if len(rows) < n_answers else rnd.choice(topics)
        rows.append(Row(p, topic))
    return rows, [Ans(i) for i in range(n_answers)]


def questions():
    out = []
    for f in SETS:
        out += [json.loads(line)["q"] for line in open(f, encoding="utf-8") if line.strip()]
    return out


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p / 100 * len(xs)))]


def speed(advisor, qs, rounds):
    rows, answers = generated(advisor)
    t0 = time.perf_counter()
    snap = tm.Taught(1, rows, answers, advisor.index)
    build = time.perf_counter() - t0
    plain, taught = [], []
    for q in qs:  # warm both
        advisor.ask(q)
        tm.ask(advisor, snap, q)
    for r in range(rounds):  # whole rounds, taking turns at going first
        runs = [(plain, lambda q: advisor.ask(q)), (taught, lambda q: tm.ask(advisor, snap, q))]
        for times, call in (runs if r % 2 == 0 else runs[::-1]):
            for q in qs:
                t = time.perf_counter()
                call(q)
                times.append(time.perf_counter() - t)
    changed = sum(1 for q in qs if advisor.ask(q).topic != tm.ask(advisor, snap, q)[0].topic)
    hits = sum(1 for r in rows[:200] if tm.ask(advisor, snap, r.phrasing)[0].topic == r.topic)
    ms = lambda xs, p: 1000 * pct(xs, p)  # noqa: E731
    print(f"questions: {len(qs)} x {rounds} rounds; snapshot of {len(rows)} taught phrasings and {len(answers)} "
          f"community answers built in {1000 * build:.1f} ms")
    print(f"  Advisor.ask alone:          p50 {ms(plain, 50):.3f} ms  p99 {ms(plain, 99):.3f} ms  max {1000 * max(plain):.2f} ms")
    print(f"  with the taught phrasings:  p50 {ms(taught, 50):.3f} ms  p99 {ms(taught, 99):.3f} ms  max {1000 * max(taught):.2f} ms")
    print(f"  answers changed by the taught phrasings: {changed} of {len(qs)}; taught phrasings answered as taught: {hits}/200")


async def propagation(advisor, make_store, refresh: float, trials: int) -> list[float]:
    from bot.quizzes import User
    from bot.service import Service

    env = {"TELEGRAM_MODERATORS": "9", "ROLE_ADVISOR_TAUGHT_REFRESH": str(refresh)}
    s1, s2 = await make_store(), await make_store()
    one, two = Service(advisor, s1, env=env), Service(advisor, s2, env=env)
    mod, member = User("telegram", "9"), User("telegram", "1")
    out = []
    try:
        two.limiter = type(two.limiter)(10_000, 10_000)  # the member is not rate-limited here
        await two.ask(member, "dm", "warm up")
        for i in range(trials):
            phrase = REACH[i % len(REACH)] + (f" round {i // len(REACH)}" if i >= len(REACH) else "")
            # the other instance is busy (a question every 20 ms, so it checks the counter every
            # period), and the phrasing is taught at a random moment of its period
            until = time.perf_counter() + random.uniform(refresh, 2 * refresh)
            while time.perf_counter() < until:
                await two.ask(member, "dm", "what are the KPIs?")
                await asyncio.sleep(0.02)
            t0 = time.perf_counter()
            await one.teach(mod, phrase, "role:environment")
            while True:
                r = await two.ask(member, "dm", phrase)
                if r.answer.topic == "role:environment":
                    out.append(time.perf_counter() - t0)
                    break
                await asyncio.sleep(0.02)
    finally:
        await s1.close()
        await s2.close()
    return out


async def reach(advisor, trials: int, postgres: bool) -> None:
    from bot.storage import PostgresStorage, SQLiteStorage

    tmp = pathlib.Path(tempfile.mkdtemp())
    backends = [("SQLite", None)]
    pg = None
    if postgres:
        from pg_server import PgServer

        pg = PgServer().start()
        backends.append(("PostgreSQL", pg))
    try:
        for name, server in backends:
            for refresh in (2.0, 0.5):
                if server is None:
                    path = tmp / f"reach-{refresh}.sqlite3"

                    async def make_store(path=path):
                        s = SQLiteStorage(path)
                        await s.open()
                        return s
                else:
                    url = await server.new_database()

                    async def make_store(url=url):
                        s = PostgresStorage(url)
                        await s.open()
                        return s
                times = await propagation(advisor, make_store, refresh, trials)
                print(f"  {name}, ROLE_ADVISOR_TAUGHT_REFRESH={refresh:g}: taught → answered on the other instance in "
                      f"median {statistics.median(times):.2f} s, max {max(times):.2f} s ({len(times)} trials)")
    finally:
        if pg is not None:
            pg.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--no-postgres", action="store_true")
    args = ap.parse_args()
    os.environ.setdefault("ROLE_ADVISOR_CACHE_DIR", "off")
    advisor = Advisor.load()
    speed(advisor, questions(), args.rounds)
    print("how quickly a taught phrasing reaches another instance sharing the database:")
    asyncio.run(reach(advisor, args.trials, not args.no_postgres))


if __name__ == "__main__":
    main()
