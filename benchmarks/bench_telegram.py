"""Telegram throughput under Telegram's flood limit, through the real Application.

    python benchmarks/bench_telegram.py [--users N] [--latency 0.02]

A stand-in Bot API on 127.0.0.1 (tests/telegram_stub.py) adds a round trip to every call and
answers 429 (retry_after) beyond 30 messages per second, as Telegram does. Each of N users sends
one question at once; we time until every one is answered. The physical best is 30 answers/s.
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
from telegram_stub import FakeBotAPI, private_chat, start_app, stop_app, user  # noqa: E402

QUESTIONS = ["What are the KPIs?", "Mi a C.4?", "risk management", "Which competences need B11?", "Mik a fő feladatok?"]


async def run(users: int, latency: float, limit: int) -> None:
    stub = await FakeBotAPI(latency=latency, flood_limit=limit).start()
    with tempfile.TemporaryDirectory() as d:
        svc = Service(Advisor.load(), SQLiteStorage(pathlib.Path(d) / "b.sqlite3"))
        app = build_application(svc, "123456:BENCH", stub.base_url)
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, default=300)
    ap.add_argument("--latency", type=float, default=0.02)
    ap.add_argument("--limit", type=int, default=30)
    args = ap.parse_args()
    asyncio.run(run(args.users, args.latency, args.limit))


if __name__ == "__main__":
    main()
