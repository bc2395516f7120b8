"""Load test: two Telegram adapter instances in webhook mode share one PostgreSQL; 1,000 users each
play a 10-question quiz through native quiz polls, their poll answers arriving at either instance.
Checks that all 10,000 answers are recorded (none lost) and reports the rate.

    python benchmarks/bench_webhook_pg.py [--users 1000] [--questions 10]

Starts its own PostgreSQL on 127.0.0.1 (tests/pg_server.py) and a stand-in Bot API (no flood limit
here: this measures the adapters and the database, not Telegram's 30 messages/s).
"""
from __future__ import annotations

import argparse
import asyncio
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import aiohttp  # noqa: E402

from adapters.telegram_bot import build_application  # noqa: E402
from bot import Advisor  # noqa: E402
from bot.config import QuizSettings  # noqa: E402
from bot.service import Service  # noqa: E402
from bot.storage import PostgresStorage  # noqa: E402
from pg_server import PgServer  # noqa: E402
from telegram_stub import FakeBotAPI, private_chat, start_app, stop_app, user  # noqa: E402


class IndexedStub(FakeBotAPI):
    """Keeps the polls sent to each chat, with an event per chat, so 1,000 users can wait cheaply."""

    def __init__(self):
        super().__init__()
        self.polls: dict[int, list[tuple[str, int]]] = {}
        self.events: dict[int, asyncio.Event] = {}

    async def _m_sendPoll(self, p):
        msg = await super()._m_sendPoll(p)
        chat = int(p["chat_id"])
        self.polls.setdefault(chat, []).append((msg["poll"]["id"], p["correct_option_ids"][0]))
        self.events.setdefault(chat, asyncio.Event()).set()
        return msg


async def run(users: int, questions: int) -> None:
    pg = PgServer().start()
    stub = await IndexedStub().start()
    apps, ports = [], []
    try:
        url = await pg.new_database()
        advisor = Advisor.load()
        for _ in range(2):
            svc = Service(advisor, PostgresStorage(url, max_size=20), QuizSettings(quiz_count=questions), env={})
            app = build_application(svc, "123456:LOAD", stub.base_url, max_rate=100_000)
            ports.append(await start_app(app, webhook_secret="load"))
            apps.append(app)
        counter = iter(range(1, 10**9))
        conn = aiohttp.TCPConnector(limit=200)
        async with aiohttp.ClientSession(connector=conn) as http:

            async def post(i: int, update: dict) -> None:
                update = {"update_id": next(counter), **update}
                async with http.post(f"http://127.0.0.1:{ports[i]}/telegram", json=update,
                                     headers={"X-Telegram-Bot-Api-Secret-Token": "load"}) as r:
                    assert r.status == 200, r.status

            async def player(n: int) -> None:
                uid = 100_000 + n
                frm = user(uid, f"P{n}")
                ev = stub.events.setdefault(uid, asyncio.Event())
                await post(n % 2, {"message": {"message_id": 1, "date": 0, "chat": private_chat(uid), "from": frm,
                                               "text": "/quiz", "entities": [{"type": "bot_command", "offset": 0, "length": 5}]}})
                for k in range(questions):
                    while len(stub.polls.get(uid, ())) <= k:
                        ev.clear()
                        if len(stub.polls.get(uid, ())) > k:
                            break
                        await asyncio.wait_for(ev.wait(), timeout=120)
                    poll_id, right = stub.polls[uid][k]
                    choice = right if (n + k) % 3 else (right + 1) % 2
                    await post((n + k + 1) % 2, {"poll_answer": {"poll_id": poll_id, "user": frm, "option_ids": [choice],
                                                                 "option_persistent_ids": [str(choice)]}})

            t0 = time.perf_counter()
            await asyncio.gather(*(player(n) for n in range(users)))
            store = PostgresStorage(url)
            await store.open()
            expected = users * questions
            deadline = time.monotonic() + 120
            while True:
                (recorded,) = await store._one("SELECT COUNT(*) FROM quiz_answers")
                if recorded >= expected or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.05)
            dt = time.perf_counter() - t0
            (tally,) = await store._one("SELECT SUM(answered) FROM quiz_sessions")
            (finished,) = await store._one("SELECT COUNT(*) FROM quiz_sessions WHERE status = 'finished'")
            await store.close()
        print(f"{users} users x {questions} questions through 2 webhook instances sharing PostgreSQL")
        print(f"answers recorded: {recorded}/{expected} (session tallies {tally}, finished quizzes {finished}) "
              f"in {dt:.1f} s = {recorded / dt:,.0f} answers/s; lost: {expected - recorded}")
    finally:
        for app in apps:
            await stop_app(app)
        await stub.stop()
        pg.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=1000)
    ap.add_argument("--questions", type=int, default=10)
    args = ap.parse_args()
    asyncio.run(run(args.users, args.questions))


if __name__ == "__main__":
    main()
