"""Quiz throughput: items generated per second, and answers recorded per second on SQLite
(sequential and with many users answering concurrently).

    python benchmarks/bench_quiz.py [--users N]
"""
from __future__ import annotations

import argparse
import asyncio
import pathlib
import random
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import Advisor  # noqa: E402
from bot.config import QuizSettings  # noqa: E402
from bot.quiz import QuizGenerator  # noqa: E402
from bot.quizzes import QuizService, User  # noqa: E402
from bot.storage import SQLiteStorage  # noqa: E402


async def answers_per_second(advisor, users: int, per_user: int, concurrent: bool) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as d:
        store = SQLiteStorage(pathlib.Path(d) / "bench.sqlite3")
        await store.open()
        svc = QuizService(advisor, store, QuizSettings())
        people = [User("bench", str(i)) for i in range(users)]
        for u in people:
            await svc.start(u, "bench", "en", count=per_user, seed=int(u.user_id))
        t0 = time.perf_counter()
        if concurrent:
            for _ in range(per_user):
                await asyncio.gather(*(svc.answer(u, 0) for u in people))
        else:
            for _ in range(per_user):
                for u in people:
                    await svc.answer(u, 0)
        dt = time.perf_counter() - t0
        (n,) = await store._one("SELECT COUNT(*) FROM quiz_answers")
        await store.close()
        return n / dt, n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=200)
    ap.add_argument("--per-user", type=int, default=10)
    args = ap.parse_args()
    advisor = Advisor.load()
    gen = QuizGenerator(advisor.profile)
    t0 = time.perf_counter()
    n = 0
    for seed in range(300):
        n += len(gen.generate(random.Random(seed), "en" if seed % 2 else "hu", 20))
    dt = time.perf_counter() - t0
    print(f"items generated: {n / dt:,.0f} per second ({n} items)")
    for concurrent in (False, True):
        rate, total = asyncio.run(answers_per_second(advisor, args.users, args.per_user, concurrent))
        how = f"{args.users} users at once" if concurrent else "one after another"
        print(f"answers recorded on SQLite ({how}): {rate:,.0f} per second ({total} answers, none lost)")


if __name__ == "__main__":
    main()
