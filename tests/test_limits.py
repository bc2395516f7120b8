"""The per-user rate limit lives in the core service and covers every action that costs work or
notifies people: questions, "did you mean" choices, votes, "ask a moderator", the language choice,
forget, quizzes and the leaderboard. One user's flood never reaches the others; the flooder is told
once, politely, in their language; moderators answering tickets are not limited; and a crowd
asking for the leaderboard at once costs one computation."""
import asyncio

import pytest

from bot.handoff import HandoffSettings
from bot.quizzes import User
from bot.service import Limited, Service
from bot.storage import SQLiteStorage


class Clock:
    def __init__(self):
        self.now = 1_000_000.0

    def __call__(self):
        return self.now


@pytest.fixture
async def svc(advisor, tmp_path):
    store = SQLiteStorage(tmp_path / "limits.sqlite3")
    await store.open()
    service = Service(advisor, store, env={"ROLE_ADVISOR_USER_RATE": "20/60"},
                      handoff=HandoffSettings.from_env({"TELEGRAM_MODERATOR_CHAT": "-100", "TELEGRAM_MODERATORS": "7"}))
    clock = Clock()
    service.clock = clock
    service.limiter.clock = clock
    yield service, clock
    await store.close()


async def test_a_flood_of_questions_is_cut_after_the_burst_and_told_once(svc):
    service, clock = svc
    spammer, other = User("telegram", "1"), User("telegram", "2")
    answered, refusals = 0, []
    for _ in range(50):
        try:
            await service.ask(spammer, "grp", "What are the KPIs?", chat_id=5)
            answered += 1
        except Limited as exc:
            refusals.append(exc)
    assert answered == 8  # the burst
    assert [r.notify for r in refusals] == [True] + [False] * 41  # told once, then silence
    assert "wait" in refusals[0].text("en") and "másodpercet" in refusals[0].text("hu")
    assert 1 <= refusals[0].retry_after <= 3
    # only answered questions were logged: the flood cost no storage
    assert (await service.storage.query("SELECT COUNT(*) FROM qa_log"))[0][0] == 8
    # someone else is not affected
    r = await service.ask(other, "grp", "What is the mission?", chat_id=5)
    assert r.answer.topic == "role:mission"
    # the budget refills: one question every 3 s, and a new notice after 30 s
    clock.now += 3.1
    await service.ask(spammer, "grp", "What is the mission?", chat_id=5)
    with pytest.raises(Limited) as again:
        await service.ask(spammer, "grp", "What is the mission?", chat_id=5)
    assert not again.value.notify
    clock.now += 31
    for _ in range(8):
        await service.ask(spammer, "grp", "What is the mission?", chat_id=5)
    with pytest.raises(Limited) as later:
        await service.ask(spammer, "grp", "What is the mission?", chat_id=5)
    assert later.value.notify


@pytest.mark.parametrize("action", ["topic", "vote", "escalate", "lang", "forget", "quiz", "quiz_answer", "leaderboard"])
async def test_every_action_is_limited(svc, action):
    service, clock = svc
    user = User("telegram", "3")
    first = await service.ask(user, "grp", "What are the KPIs?", chat_id=5)
    calls = {
        "topic": lambda: service.answer_topic(user, "grp", "role:mission", "en", chat_id=5),
        "vote": lambda: service.vote(user, first.log_id, True),
        "escalate": lambda: service.escalate(user, "grp", first.log_id, 5),
        "lang": lambda: service.set_lang(user, "hu"),
        "forget": lambda: service.forget(user, "en"),
        "quiz": lambda: service.start_quiz(user, "dm", "en"),
        "quiz_answer": lambda: service.quiz_answer(user, 0),
        "leaderboard": lambda: service.leaderboard(user, "en", "telegram", "grp"),
    }
    done = 0
    with pytest.raises(Limited):
        for _ in range(100):
            await calls[action]()
            done += 1
    assert 1 <= done <= 16  # never more than the burst (half-cost actions: twice as many)


async def test_moderators_and_the_bot_itself_are_not_limited(svc):
    service, clock = svc
    moderator = User("telegram", "7")
    for _ in range(30):
        await service.ask(moderator, "grp", "What are the KPIs?", chat_id=5)
    # a member joining starts the onboarding quiz: the bot's own action, not charged to the member
    member = User("telegram", "8")
    for _ in range(8):
        await service.ask(member, "grp", "What are the KPIs?", chat_id=5)
    step = await service.start_quiz(member, "grp", "en", onboarding=True, by_user=False)
    assert step.accepted


async def test_a_crowd_asking_for_the_leaderboard_costs_one_computation(svc):
    service, clock = svc
    calls = 0
    real = service.storage.leaderboard

    async def counted(*a, **k):
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)  # a slow query: everyone arriving meanwhile waits for this one
        return await real(*a, **k)

    service.storage.leaderboard = counted
    texts = await asyncio.gather(*(service.leaderboard(User("telegram", str(100 + i)), "en", "telegram", "grp")
                                   for i in range(100)))
    assert calls == 1 and len(set(texts)) == 1
    clock.now += 11  # older than its 10 s: computed anew
    await service.leaderboard(User("telegram", "99"), "en", "telegram", "grp")
    assert calls == 2
    await service.leaderboard(User("telegram", "99"), "hu", "telegram", "grp")  # another language
    assert calls == 3


async def test_a_failed_leaderboard_is_not_served_to_later_askers(svc):
    service, clock = svc
    real = service.storage.leaderboard
    fail = True

    async def flaky(*a, **k):
        if fail:
            raise OSError("disk I/O error")
        return await real(*a, **k)

    service.storage.leaderboard = flaky
    with pytest.raises(OSError):
        await service.leaderboard(User("telegram", "1"), "en", "telegram", "grp")
    fail = False
    assert "Leaderboard" in await service.leaderboard(User("telegram", "2"), "en", "telegram", "grp")
