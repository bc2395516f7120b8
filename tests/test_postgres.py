"""PostgreSQL as the shared store of several instances: same migrations, nothing lost when they
write at once, Telegram webhook mode with two instances."""
import asyncio

import pytest

from bot.config import QuizSettings
from bot.quizzes import QuizService, User
from bot.storage import MIGRATIONS, PostgresStorage, StorageError, open_storage


async def test_same_migrations_and_reopen(pg_url, advisor):
    a = open_storage(pg_url)
    assert isinstance(a, PostgresStorage)
    await a.open()
    assert await a.schema_version() == len(MIGRATIONS)
    svc = QuizService(advisor, a, QuizSettings())
    u = User("telegram", "1", "Ann")
    step = await svc.start(u, "c", "en", count=3, seed=1)
    await svc.answer(u, step.next.item.answer)
    await a.close()
    b = PostgresStorage(pg_url)
    await b.open()  # migrations already applied: nothing to do
    view = await QuizService(advisor, b, QuizSettings()).current(u)
    assert view.index == 1
    await b.close()


async def test_instances_starting_together_migrate_once(pg_url):
    stores = [PostgresStorage(pg_url) for _ in range(4)]
    await asyncio.gather(*(s.open() for s in stores))
    assert {await s.schema_version() for s in stores} == {len(MIGRATIONS)}
    (n,) = await stores[0]._one("SELECT COUNT(*) FROM schema_version")
    assert n == len(MIGRATIONS)
    await asyncio.gather(*(s.close() for s in stores))


async def test_two_instances_write_answers_and_tickets_at_once(pg_url, advisor):
    one, two = PostgresStorage(pg_url), PostgresStorage(pg_url)
    await one.open()
    await two.open()
    s1, s2 = QuizService(advisor, one, QuizSettings()), QuizService(advisor, two, QuizSettings())
    users = [User("telegram", str(i)) for i in range(200)]
    for u in users:
        await s1.start(u, "big", "en", count=5, seed=int(u.user_id))
    # every user answers all five questions, alternating instances, all at once per round
    for _ in range(5):
        steps = await asyncio.gather(*((s1 if int(u.user_id) % 2 else s2).answer(u, 0) for u in users))
        assert all(s.accepted for s in steps)
    (answers,) = await one._one("SELECT COUNT(*) FROM quiz_answers")
    (tally,) = await two._one("SELECT SUM(answered) FROM quiz_sessions")
    assert answers == 1000 and tally == 1000
    # the same button pressed on both instances at once counts once
    u = User("telegram", "dup")
    await s1.start(u, "big", "en", count=2, seed=1)
    both = await asyncio.gather(s1.answer(u, 0, index=0), s2.answer(u, 0, index=0))
    assert sum(s.accepted for s in both) == 1
    ids = await asyncio.gather(*(
        st.open_ticket("telegram", "c", str(i), str(i), f"q{i}", "en", None, 1.0) for i, st in
        ((i, one if i % 2 else two) for i in range(100))
    ))
    assert sorted(ids) == list(range(1, 101))
    await one.close()
    await two.close()


async def test_bad_postgres_url_is_a_clear_error():
    s = PostgresStorage("postgresql://nobody:secret-pw@127.0.0.1:1/none")
    with pytest.raises(StorageError) as e:
        await s.open()
    assert "secret-pw" not in str(e.value) and "127.0.0.1" in str(e.value)
    assert "secret-pw" not in repr(s) and "***" in repr(s)


async def test_telegram_webhook_two_instances_share_postgres(pg_url, advisor):
    pytest.importorskip("telegram")
    import aiohttp

    from adapters.telegram_bot import build_application
    from bot.service import Service
    from telegram_stub import FakeBotAPI, private_chat, start_app, stop_app, user

    stub = await FakeBotAPI().start()
    apps, ports = [], []
    for _ in range(2):
        svc = Service(advisor, PostgresStorage(pg_url), QuizSettings(quiz_count=3), env={})
        app = build_application(svc, "123456:TEST", stub.base_url)
        ports.append(await start_app(app, webhook_secret="s3cret"))
        apps.append(app)
    assert len(stub.sent("setWebhook")) == 2 and all(c["secret_token"] == "s3cret" for c in stub.sent("setWebhook"))
    ann = user(11, "Ann")
    uid = iter(range(1, 1000))

    async def post(i, update, secret="s3cret"):
        update = {"update_id": next(uid), **update}
        async with aiohttp.ClientSession() as http:
            async with http.post(f"http://127.0.0.1:{ports[i]}/telegram", json=update,
                                 headers={"X-Telegram-Bot-Api-Secret-Token": secret}) as r:
                return r.status

    try:
        cmd = {"message_id": 1, "date": 0, "chat": private_chat(11), "from": ann, "text": "/quiz",
               "entities": [{"type": "bot_command", "offset": 0, "length": 5}]}
        assert await post(0, {"message": cmd}) == 200
        assert await post(1, {"message": cmd}, secret="wrong") == 403
        for n in range(3):
            polls = await stub.wait_for(lambda s, n=n: len(s.sent("sendPoll")) > n and s.sent("sendPoll"))
            right = polls[n]["correct_option_ids"][0]
            # answers arrive at either instance: the prompt and the session are in the shared database
            assert await post((n + 1) % 2, {"poll_answer": {"poll_id": str(n + 1), "user": ann, "option_ids": [right],
                                                            "option_persistent_ids": [str(right)]}}) == 200
        final = await stub.wait_for(lambda s: [m for m in s.sent(chat_id=11) if "Quiz finished" in m["text"]])
        assert "3/3" in final[0]["text"]
    finally:
        for app in apps:
            await stop_app(app)
        await stub.stop()


async def test_the_telegram_inbox_on_postgresql(pg_url):
    """The inbox's statements (ON CONFLICT DO NOTHING counts, BIGINT ids) on PostgreSQL."""
    store = PostgresStorage(pg_url)
    await store.open()
    try:
        big = 2 ** 40
        assert await store.inbox_add("telegram", [(big, "11", '{"update_id": 1}'), (big + 1, None, "{}")], 10.0) == {big, big + 1}
        assert await store.inbox_add("telegram", [(big, "11", "{}")], 11.0) == set()
        await store.inbox_done("telegram", big, 12.0)
        assert [u for u, _ in await store.inbox_pending("telegram")] == [big + 1]
        assert await store.inbox_purge("telegram", 13.0) == 1
        await store.forget("telegram", "11")
    finally:
        await store._write([("DELETE FROM inbox WHERE platform = ?", ("telegram",))])
        await store.close()
