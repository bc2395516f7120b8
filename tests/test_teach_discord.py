"""Discord end to end through discord.py's real code paths (the stand-in Discord of
tests/discord_stub.py: raw gateway events in, REST requests asserted): a member's question (a
mention) declined → ticket in the moderators' channel with "teach" buttons → a moderator teaches it
with /teach → the same question and a misspelled variant answered with the taught topic by a second
instance sharing the database, which was running before anything was taught; /reply with --save →
a member's question answered with the community answer, marked, in their language."""
import asyncio

import pytest

discord = pytest.importorskip("discord")

from bot.quizzes import User  # noqa: E402
from discord_stub import BOT_ID, GENERAL, MODS  # noqa: E402
from test_discord import ANN, BEA, MOD, _world, buttons, embed, make_service  # noqa: E402

REFRESH = 0.3
QUESTION = "is there a certification exam for this?"
MISSPELT = "Is there a certifcation exam for ths?"


def _text(replies) -> str:
    out = []
    for m in replies:
        out.append(m.get("content") or "")
        for e in m.get("embeds") or []:
            out += [e.get("title") or "", e.get("description") or ""]
    return "\n".join(out)


async def test_teach_and_save_on_discord_reach_a_second_instance(advisor, tmp_path):
    world = await _world(advisor, tmp_path, env={"ROLE_ADVISOR_TAUGHT_REFRESH": str(REFRESH)})
    fake = world.fake
    # a second instance on the same database, running (its taught state read) before anything is taught
    second = make_service(advisor, world.path, world.clock, world.env)
    with fake.pointed():
        await world.start()
        try:
            await second.storage.open()
            assert not (await second.ask(User("cli", "probe"), "g", QUESTION)).answer.answered

            await fake.say(ANN, f"<@{BOT_ID}> {QUESTION}", mentions=[BOT_ID])
            posted = await fake.wait_for(lambda: fake.in_channel(MODS))
            ticket = posted[-1]
            assert "Ticket #1" in ticket["content"]
            teach_ids = [b for b in buttons(ticket) if b.startswith("ra:t:1:")]
            assert teach_ids, buttons(ticket)  # the closest topics, one press away

            # members are refused, by button and by command
            iid = await fake.press(BEA, ticket, teach_ids[0])
            assert "Only the configured moderators" in _text(await world.done(iid))
            iid = await fake.slash(BEA, "teach", topic="role:kpis", ticket=1)
            assert "Only the configured moderators" in _text(await world.done(iid))
            # a moderator without a topic gets the closest ones; with one, it is taught
            iid = await fake.slash(MOD, "teach", ticket=1)
            assert "Closest topics" in _text(await world.done(iid))
            iid = await fake.slash(MOD, "teach", topic="role:kpis", ticket=1)
            done = _text(await world.done(iid))
            assert "Taught (#1)" in done and "answered and closed" in done
            delivered = [m for m in fake.in_channel(GENERAL) if "pointed me to this answer" in (m.get("content") or "")]
            assert delivered and "Customer satisfaction" in delivered[0]["content"]

            # the second instance picks it up within its refresh period, no restart
            await asyncio.sleep(REFRESH + 0.2)
            for text in (QUESTION, MISSPELT):
                r = await second.ask(User("cli", "probe"), "g", text)
                assert r.answer.topic == "role:kpis", text
        finally:
            await world.stop()

        # the second instance as the bot now: a member's /ask is answered with the taught topic
        world.svc = second
        await world.start()
        try:
            iid = await fake.slash(BEA, "ask", question=MISSPELT)
            assert "Key performance indicators" in embed((await world.done(iid))[0])["title"]

            # a Hungarian question declined; the moderator replies with --save
            third = make_service(advisor, world.path, world.clock, world.env)  # yet another instance
            await third.storage.open()
            hq = "hol tudom letölteni az ecf pdf-et?"
            await fake.say(BEA, f"<@{BOT_ID}> {hq}", mentions=[BOT_ID])
            await fake.wait_for(lambda: any("Ticket #2" in (m.get("content") or "") for m in fake.in_channel(MODS)))
            iid = await fake.slash(MOD, "reply", ticket=2, answer="--save Ingyenes, az itprofiles.eu oldalon. @everyone")
            assert "faq:1" in _text(await world.done(iid))
            back = await fake.wait_for(lambda: [m for m in fake.in_channel(GENERAL) if "itprofiles.eu" in (m.get("content") or "")])
            assert "--save" not in back[0]["content"]
            sends = [c for c in fake.sent("POST", rf"/channels/{GENERAL}/messages") if "itprofiles.eu" in str(c.json)]
            assert sends and all(c.json["allowed_mentions"]["parse"] == [] for c in sends)  # "@everyone" pings nobody

            # a member with a Hungarian client asks without accents: the community answer, marked
            iid = await fake.slash(ANN, "ask", locale="hu", question="hol tudom letolteni az ecf pdf-et")
            text = _text(await world.done(iid))
            assert "Közösségi válasz" in text and "itprofiles.eu" in text and "csak angolul" not in text
            await asyncio.sleep(REFRESH + 0.2)
            r = await third.ask(User("cli", "probe"), "g", "hol tudom letolteni az ecf pdf-et", hint="hu")
            assert r.answer.topic == "faq:1" and "Közösségi válasz" in r.answer.answer

            # list and remove; members refused
            iid = await fake.slash(MOD, "taught")
            listed = _text(await world.done(iid))
            assert "role:kpis" in listed and f"discord:{MOD}" in listed
            iid = await fake.slash(BEA, "answer", action="remove", answer_id="1")
            assert "Only the configured moderators" in _text(await world.done(iid))
            iid = await fake.slash(MOD, "taught", remove=1)
            assert "Removed #1" in _text(await world.done(iid))
            await asyncio.sleep(REFRESH + 0.2)
            assert not (await third.ask(User("cli", "probe"), "g", QUESTION)).answer.answered
            await third.storage.close()
        finally:
            await world.stop()
    await fake.stop()
    world.check_refusals()
