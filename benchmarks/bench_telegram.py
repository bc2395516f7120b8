"""Telegram throughput under Telegram's flood limit, through the real Application.

    python benchmarks/bench_telegram.py [--users N] [--latency 0.02]

A stand-in Bot API on 127.0.0.1 (tests/telegram_stub.py) adds a round trip to every call and
answers 429 (retry_after) beyond 30 messages per second, as Telegram does. Each of N users sends
one question at once; we time until every one is answered. The physical best is 30 answers/s.

The second run holds one group in a long flood wait (every message to it answered 429 for
``--hold`` seconds, as Telegram does after a group's flood) with 20 mentions waiting, then N users
ask in private: they must be answered at the same speed as without the group.
"""
from __future__ import annotations

import argparse
import asyncio
import pathlib
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from adapters.telegram_bot import build_application  # noqa: E402
from bot import Advisor  # noqa: E402
from bot.service import Service  # noqa: E402
from bot.storage import SQLiteStorage  # noqa: E402
from telegram_stub import BOT, FakeBotAPI, group_chat, private_chat, start_app, stop_app, user  # noqa: E402

QUESTIONS = ["What are the KPIs?", "Mi a C.4?", "risk management", "Which competences need B11?", "Mik a fő feladatok?"]


async def run(users: int, latency: float, limit: int) -> None:
    stub = await FakeBotAPI(latency=latency, flood_limit=limit).start()
    with tempfile.TemporaryDirectory() as d:
        svc = Service(Advisor.load(), SQLiteStorage(pathlib.Path(d) / "b.sqlite3"))
        app = build_application(svc, "123456:BENCH", stub.base_url, inbox=True)  # as in long polling
        await start_app(app)
        await asyncio.sleep(0.5)
        before = len(stub.sent())
        t0 = time.perf_counter()
        for i in range(users):
            uid = 10_000 + i
            stub.message(private_chat(uid), user(uid, f"U{i}"), QUESTIONS[i % len(QUESTIONS)])
        answered = set()
        deadline = time.monotonic() + users / 5 + 60
        while time.monotonic() < deadline:
            answered = {p["chat_id"] for p in stub.sent()[before:]}
            if len(answered) >= users:
                break
            await asyncio.sleep(0.01)
        dt = time.perf_counter() - t0
        floods = sum(1 for m, _ in stub.calls if m == "429")
        await stop_app(app)
    await stub.stop()
    rate = len(answered) / dt
    print(f"{users} users, one question each, {latency * 1000:.0f} ms round trip, flood limit {limit}/s")
    print(f"answered {len(answered)}/{users} in {dt:.2f} s = {rate:.1f} answers/s "
          f"= {rate / limit:.2f} of the physical best ({limit}/s); 429s from the server: {floods}")


async def run_flood_wait(users: int, latency: float, limit: int, hold: float) -> None:
    stub = await FakeBotAPI(latency=latency, flood_limit=limit).start()
    g = group_chat(-100123)
    with tempfile.TemporaryDirectory() as d:
        svc = Service(Advisor.load(), SQLiteStorage(pathlib.Path(d) / "b.sqlite3"))
        app = build_application(svc, "123456:BENCH", stub.base_url, inbox=True)  # as in long polling
        await start_app(app)
        await asyncio.sleep(0.5)
        stub.hold_chat(g["id"], hold)
        for i in range(20):
            text = f"@{BOT['username']} what are the KPIs? {i}"
            stub.message(g, user(20_000 + i, f"G{i}"), text,
                         entities=[{"type": "mention", "offset": 0, "length": len(BOT["username"]) + 1}])
        while not any(m == "429" for m, _ in stub.calls):
            await asyncio.sleep(0.01)
        before = len(stub.delivered)
        t0 = time.perf_counter()
        asked = {}
        for i in range(users):
            uid = 10_000 + i
            asked[uid] = time.perf_counter()
            stub.message(private_chat(uid), user(uid, f"U{i}"), QUESTIONS[i % len(QUESTIONS)])
        waits = {}
        deadline = time.monotonic() + users / 5 + 60
        while len(waits) < users and time.monotonic() < deadline:
            for _m, p in stub.delivered[before:]:
                uid = int(p["chat_id"])
                if uid > 0 and uid not in waits:
                    waits[uid] = time.perf_counter() - asked[uid]
            await asyncio.sleep(0.01)
        dt = time.perf_counter() - t0
        group_done = sum(1 for _m, p in stub.delivered if int(p["chat_id"]) == g["id"])
        await stop_app(app)
    await stub.stop()
    rate = len(waits) / dt
    ordered = sorted(waits.values())
    print(f"one group held in flood wait for {hold:.0f} s with 20 mentions waiting; {users} users ask in private")
    print(f"answered {len(waits)}/{users} in {dt:.2f} s = {rate:.1f} answers/s = {rate / limit:.2f} of the physical best; "
          f"wait median {ordered[len(ordered) // 2]:.2f} s, max {ordered[-1]:.2f} s; "
          f"group answers delivered meanwhile: {group_done}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=300)
    ap.add_argument("--latency", type=float, default=0.02)
    ap.add_argument("--limit", type=int, default=30)
    ap.add_argument("--hold", type=float, default=30.0)
    ap.add_argument("--dm-users", type=int, default=150)
    args = ap.parse_args()
    asyncio.run(run(args.users, args.latency, args.limit))
    asyncio.run(run_flood_wait(args.dm_users, args.latency, args.limit, args.hold))


if __name__ == "__main__":
    main()
