"""The Discord bot driven through discord.py's real code paths: it logs in to a stand-in Discord on
127.0.0.1 (tests/discord_stub.py: gateway and REST), registers its commands, and gets raw gateway
events (INTERACTION_CREATE, MESSAGE_CREATE, GUILD_MEMBER_ADD) that discord.py parses and routes
through its own CommandTree and ViewStore; the tests assert on the REST requests the bot makes, and
the stand-in refuses what Discord refuses (late or double responses, oversized messages, more than
25 choices, DMs to members who closed them)."""
import asyncio
import logging
import os
import re
import signal
import subprocess
import sys
import textwrap
import time

import pytest

discord = pytest.importorskip("discord")

from adapters.discord_bot import (  # noqa: E402
    AdvisorBot, QuizButton, ShardedAdvisorBot, TopicButton, VoteButton, create_bot,
)
from bot.config import QuizSettings  # noqa: E402
from bot.i18n import t  # noqa: E402
from bot.quizzes import User  # noqa: E402
from bot.service import Service  # noqa: E402
from bot.storage import SQLiteStorage  # noqa: E402
from conftest import cli_cmd  # noqa: E402
from discord_stub import (  # noqa: E402
    ADMIN_ROLE, APP_ID, BOT_ID, GENERAL, GUILD_ID, MODS, ONBOARDED_ROLE, READONLY, SYSTEM, FakeDiscord,
)

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.test-token-for-the-stand-in"
ANN, BEA, MOD, SHY, ADMIN = 111, 112, 113, 114, 115
MODERATOR_COMMANDS = {"reply", "close", "tickets", "report", "teach", "taught", "answer"}


class Clock:
    def __init__(self):
        self.t = time.time()

    def __call__(self):
        return self.t


class World:
    """The stand-in Discord, the bot connected to it, its service and clock."""

    def __init__(self, fake, svc, clock, env, path):
        self.fake, self.svc, self.clock, self.env, self.path = fake, svc, clock, env, path
        self.bot = None
        self.refusals = set()  # the error statuses a test expects Discord to answer

    def check_refusals(self):
        """Nothing Discord would refuse was sent (a second response, a late one, an oversized
        message, …) but what the test expected."""
        refused = [c for c in self.fake.calls if c.status and c.status >= 400 and c.status not in self.refusals]
        assert not refused, refused

    async def start(self):
        self.bot = create_bot(self.svc, env=self.env)
        self.bot._connection.guild_ready_timeout = 0.05  # the stand-in sends its one guild at once
        self.task = asyncio.create_task(self.bot.start(TOKEN))
        await asyncio.wait_for(self.bot.wait_until_ready(), 15)
        return self.bot

    async def stop(self):
        await self.bot.close()
        await asyncio.gather(self.task, return_exceptions=True)

    async def restart(self):
        """A new process: the bot closed, a fresh service on the same database, connected again."""
        await self.stop()
        self.svc = make_service(self.svc.advisor, self.path, self.clock, self.env)
        await self.start()

    async def done(self, iid):
        """Wait until an interaction has its initial response and the bot is quiet again."""
        await self.fake.wait_for(lambda: self.fake.interactions[iid]["initial"] is not None)
        await self.fake.settle(0.1)
        return self.fake.replies(iid)


def make_service(advisor, path, clock, env):
    settings = QuizSettings(quiz_count=3, onboarding_count=2, onboarding_pass_mark=0.5, onboarding_cooldown=600)
    return Service(advisor, SQLiteStorage(path), settings, clock=clock, env=env)


ENV = {"DISCORD_ONBOARDING_ROLE": "Onboarded", "DISCORD_MODERATOR_CHANNEL": str(MODS), "DISCORD_MODERATORS": str(MOD),
       "ROLE_ADVISOR_USER_RATE": "1000/60"}


async def _world(advisor, tmp_path, env=None, **fake_kw):
    fake = await FakeDiscord(**fake_kw).start()
    fake.add_member(ANN, "Ann")
    fake.add_member(BEA, "Bea")
    fake.add_member(MOD, "Mia", roles=[ADMIN_ROLE])
    fake.add_member(SHY, "Shy", closed_dms=True)
    fake.add_member(ADMIN, "Ada", roles=[ADMIN_ROLE])
    clock = Clock()
    env = dict(ENV, **(env or {}))
    path = tmp_path / "discord.sqlite3"
    world = World(fake, make_service(advisor, path, clock, env), clock, env, path)
    return world


async def _running(world):
    """The world's bot connected for the test, then stopped; nothing refused that was not expected."""
    with world.fake.pointed():
        await world.start()
        yield world
        await world.stop()
    await world.fake.stop()
    world.check_refusals()


@pytest.fixture
async def dc(advisor, tmp_path):
    async for world in _running(await _world(advisor, tmp_path)):
        yield world


@pytest.fixture
async def dc_hu(advisor, tmp_path):
    """A Hungarian server (preferred locale hu) with a system channel."""
    async for world in _running(await _world(advisor, tmp_path, preferred_locale="hu")):
        yield world


def buttons(msg) -> list[str]:
    return [c["custom_id"] for row in msg.get("components") or [] for c in row["components"]]


def embed(msg) -> dict:
    return (msg.get("embeds") or [{}])[0]


def ephemeral(msg) -> bool:
    return bool(msg["flags"] & 64)


async def right_choice(svc, custom_id) -> str:
    _, _, sid, idx, _ = custom_id.split(":")
    sess = await svc.storage.get_session(sid)
    return f"ra:q:{sid}:{idx}:{sess.items[int(idx)]['answer']}"


async def wrong_choice(svc, custom_id) -> str:
    _, _, sid, idx, _ = custom_id.split(":")
    sess = await svc.storage.get_session(sid)
    return f"ra:q:{sid}:{idx}:{(sess.items[int(idx)]['answer'] + 1) % len(sess.items[int(idx)]['options'])}"


# -- commands registered ------------------------------------------------------------------------------
async def test_commands_are_registered_on_start_in_both_languages_moderator_ones_hidden(dc):
    syncs = dc.fake.sent("PUT", rf"/applications/{APP_ID}/commands")
    assert len(syncs) == 1 and syncs[0].status == 200
    cmds = {c["name"]: c for c in syncs[0].json}
    assert {"ask", "competence", "kpis", "quiz", "leaderboard", "lang", "forget", "onboard"} | MODERATOR_COMMANDS <= set(cmds)
    assert cmds["quiz"]["description_localizations"]["hu"] == "Kvíz a szerepkörről"
    assert cmds["ask"]["options"][0]["description_localizations"]["hu"] == t("arg.question", "hu")
    for name, cmd in cmds.items():
        assert cmd["description"] and cmd["description_localizations"]["hu"], name
        if name in MODERATOR_COMMANDS:  # hidden from members: only Manage Messages sees them by default
            assert int(cmd["default_member_permissions"]) == discord.Permissions(manage_messages=True).value
            assert cmd.get("contexts") == [0] or cmd.get("dm_permission") is False
        else:
            assert cmd.get("default_member_permissions") is None, name
    member = cmds["onboard"]["options"][0]
    assert member["type"] == 6 and not member.get("required")  # /onboard alone is for oneself


async def test_guild_ids_register_per_server_and_empty_the_global_set(advisor, tmp_path, caplog):
    world = await _world(advisor, tmp_path, env={"DISCORD_GUILD_IDS": f"{GUILD_ID},42"})
    with world.fake.pointed(), caplog.at_level(logging.INFO, logger="role_advisor.discord"):
        await world.start()
        try:
            guild = world.fake.sent("PUT", rf"/applications/{APP_ID}/guilds/{GUILD_ID}/commands")
            assert guild and guild[0].status == 200 and {c["name"] for c in guild[0].json} >= {"ask", "reply"}
            assert world.fake.sent("PUT", rf"/applications/{APP_ID}/guilds/42/commands")[0].status == 403
            assert world.fake.sent("PUT", rf"/applications/{APP_ID}/commands")[-1].json == []
            iid = await world.fake.slash(ANN, "kpis")  # the guild command is dispatched
            assert "Customer satisfaction" in embed((await world.done(iid))[0])["description"]
        finally:
            await world.stop()
    await world.fake.stop()
    assert "guild 42" in caplog.text and "applications.commands" in caplog.text


async def test_the_auto_sharded_bot_connects_and_answers(advisor, tmp_path):
    world = await _world(advisor, tmp_path, env={"DISCORD_SHARD_COUNT": "auto"})
    with world.fake.pointed():
        await world.start()
        try:
            assert isinstance(world.bot, ShardedAdvisorBot) and world.fake.sent("GET", "/gateway/bot")
            iid = await world.fake.slash(ANN, "kpis")
            assert "Customer satisfaction" in embed((await world.done(iid))[0])["description"]
        finally:
            await world.stop()
    await world.fake.stop()
    world.check_refusals()


# -- messages -------------------------------------------------------------------------------------------
async def test_mention_is_answered_in_english_and_hungarian_as_a_reply_that_pings_nobody(dc):
    msg = await dc.fake.say(ANN, f"<@{BOT_ID}> What are the KPIs?", mentions=[BOT_ID])
    sent = await dc.fake.wait_for(lambda: dc.fake.sent("POST", rf"/channels/{GENERAL}/messages"))
    assert "Key performance indicators" in embed(sent[0].json)["title"]
    assert str(sent[0].json["message_reference"]["message_id"]) == msg["id"]
    await dc.fake.say(ANN, f"<@{BOT_ID}> Milyen szint kell az E.4-hez?", mentions=[BOT_ID])
    sent = await dc.fake.wait_for(lambda: len(dc.fake.sent("POST", rf"/channels/{GENERAL}/messages")) > 1
                                  and dc.fake.sent("POST", rf"/channels/{GENERAL}/messages"))
    e = embed(sent[1].json)
    assert "E.4 Kapcsolatok kezelése" in e["title"] and "3. szint" in e["description"]
    await dc.fake.say(BEA, f"<@{BOT_ID}> @everyone @here <@&{ADMIN_ROLE}> <@{ANN}> what are the KPIs?", mentions=[BOT_ID, ANN])
    await dc.fake.settle()
    for call in dc.fake.sent("POST", rf"/channels/{GENERAL}/messages"):
        assert call.json["allowed_mentions"]["parse"] == [] and not call.json["allowed_mentions"].get("users")


async def test_silent_when_not_addressed_and_answers_dms(dc):
    await dc.fake.say(ANN, "What are the KPIs?")
    await dc.fake.say(ANN, f"<@{ANN}> what are the KPIs?", mentions=[ANN])
    await dc.fake.settle()
    assert not dc.fake.sent("POST", r"/channels/\d+/messages")
    await dc.fake.say(ANN, "What is the mission?", channel=None)  # a DM
    await dc.fake.wait_for(lambda: dc.fake.dms_to(ANN))
    assert "Mission" in embed(dc.fake.dms_to(ANN)[0])["title"]


async def test_answer_has_did_you_mean_and_vote_buttons_that_work_after_a_restart(dc):
    await dc.fake.say(ANN, f"<@{BOT_ID}> Which competences need B11 and M01?", mentions=[BOT_ID])
    sent = await dc.fake.wait_for(lambda: dc.fake.in_channel(GENERAL))
    answer = sent[0]
    ids = buttons(answer)
    assert "ra:t:skill:M01" in ids and any(i.startswith("ra:v:") and i.endswith(":0") for i in ids)
    await dc.restart()  # buttons carry their state: a new process still understands them
    down = next(i for i in ids if i.startswith("ra:v:") and i.endswith(":0"))
    iid = await dc.fake.press(BEA, answer, down)
    reply = (await dc.done(iid))[0]
    assert ephemeral(reply) and reply["content"] == t("chat.vote_thanks", "en")
    assert await dc.svc.storage.votes_for(int(down.split(":")[2])) == (0, 1)
    iid = await dc.fake.press(ANN, answer, "ra:t:skill:M01")
    assert embed((await dc.done(iid))[0])["title"].startswith("M01")


# -- slash commands -------------------------------------------------------------------------------------
async def test_slash_ask_in_both_languages_and_autocomplete(dc):
    iid = await dc.fake.slash(ANN, "ask", question="skills for C.3")
    e = embed((await dc.done(iid))[0])
    assert "C.3 Service Delivery" in e["title"] and "B11" in e["description"]
    iid = await dc.fake.slash(BEA, "ask", locale="hu", question="B11")
    assert "Képes elemezni" in embed((await dc.done(iid))[0])["title"]
    iid = await dc.fake.autocomplete(ANN, "ask", "question", "risk")
    await dc.done(iid)
    choices = dc.fake.interactions[iid]["choices"]
    assert choices and choices[0]["value"] == "competence:E.3"
    iid = await dc.fake.autocomplete(ANN, "ask", "question", "")  # every topic: more than Discord takes
    await dc.done(iid)
    assert len(dc.fake.interactions[iid]["choices"]) == 25
    iid = await dc.fake.autocomplete(ANN, "competence", "code", "kock", locale="hu")
    await dc.done(iid)
    assert any("Kockázatkezelés" in c["name"] for c in dc.fake.interactions[iid]["choices"])
    iid = await dc.fake.slash(ANN, "ask", question="competence:E.3")  # picking an autocomplete choice
    assert embed((await dc.done(iid))[0])["title"].startswith("E.3 Risk Management")


async def test_competence_kpis_lang_leaderboard_forget(dc):
    iid = await dc.fake.slash(ANN, "competence", code="E.2")
    assert "E.2 Project and Portfolio Management" in embed((await dc.done(iid))[0])["title"]
    iid = await dc.fake.slash(ANN, "competence", code="risk management")  # typed, not picked: asked as a question
    assert embed((await dc.done(iid))[0])["title"].startswith("E.3")
    iid = await dc.fake.slash(ANN, "lang", lang="hu")
    assert ephemeral((await dc.done(iid))[0])
    iid = await dc.fake.slash(ANN, "kpis")
    assert "Ügyfél elégedettség" in embed((await dc.done(iid))[0])["description"]
    iid = await dc.fake.slash(ANN, "leaderboard")
    assert embed((await dc.done(iid))[0])["title"]
    iid = await dc.fake.slash(ANN, "forget")
    reply = (await dc.done(iid))[0]
    assert ephemeral(reply) and "töröltem" in reply["content"]
    assert await dc.svc.storage.count_rows_about("discord", str(ANN)) == 0


async def test_quiz_in_a_server_is_one_private_message_edited_in_place(dc):
    iid = await dc.fake.slash(ANN, "quiz")
    quiz = (await dc.done(iid))[0]
    assert ephemeral(quiz) and len(buttons(quiz)) >= 2
    other = await dc.fake.press(BEA, quiz, buttons(quiz)[0])  # someone else's press changes nothing
    assert "someone else" in (await dc.done(other))[0]["content"]
    for _ in range(3):
        press = await dc.fake.press(ANN, quiz, await right_choice(dc.svc, buttons(quiz)[0]))
        await dc.done(press)
        assert dc.fake.interactions[press]["initial"] == 7  # the quiz message itself was updated
        assert quiz["content"].startswith("✅")
    assert "3/3" in embed(quiz)["title"] and not buttons(quiz)
    created = [m for m in dc.fake.messages.values() if m["channel_id"] == str(GENERAL)]
    assert len(created) == 2  # the quiz, and the other member's private notice: nothing public
    rows = await dc.svc.storage.leaderboard("discord")
    assert rows[0].user_id == str(ANN) and rows[0].points == 3


# -- onboarding -----------------------------------------------------------------------------------------
async def test_onboarding_welcome_dm_has_a_button_and_a_pass_grants_the_role(dc, caplog):
    newcomer = 201
    await dc.fake.join(newcomer, "Nova")
    welcome = (await dc.fake.wait_for(lambda: dc.fake.dms_to(newcomer)))[0]
    assert "Welcome to Community" in welcome["content"] and buttons(welcome) == [f"ra:o:{GUILD_ID}"]
    dc.clock.t += 3600  # long after joining: the button still starts the quiz
    iid = await dc.fake.press(newcomer, welcome, f"ra:o:{GUILD_ID}")
    quiz = (await dc.done(iid))[0]
    assert "onboarding quiz" in quiz["content"] and not ephemeral(quiz)  # in the DM
    with caplog.at_level(logging.INFO, logger="role_advisor.discord"):
        for _ in range(2):
            press = await dc.fake.press(newcomer, quiz, await right_choice(dc.svc, buttons(quiz)[0]))
            await dc.done(press)
    roles = dc.fake.sent("PUT", rf"/guilds/{GUILD_ID}/members/{newcomer}/roles/{ONBOARDED_ROLE}")
    assert roles and roles[0].status == 204
    assert ONBOARDED_ROLE in dc.fake.member_roles[newcomer]
    assert "granted role 'Onboarded'" in caplog.text
    assert any("Onboarded" in (m["content"] or "") for m in dc.fake.replies(press))


async def test_onboarding_role_the_bot_cannot_grant_is_logged_clearly(dc, caplog):
    dc.refusals.add(403)
    dc.bot.adapter.onboarding_role = "Veteran"  # above the bot's own role
    iid = await dc.fake.slash(BEA, "onboard")
    quiz = (await dc.done(iid))[0]
    assert ephemeral(quiz)  # /onboard for oneself, privately in the server
    with caplog.at_level(logging.ERROR, logger="role_advisor.discord"):
        for _ in range(2):
            press = await dc.fake.press(BEA, quiz, await right_choice(dc.svc, buttons(quiz)[0]))
            await dc.done(press)
    assert "Manage Roles" in caplog.text and "Veteran" in caplog.text


async def test_closed_dms_get_a_welcome_in_the_server_in_its_language(dc_hu):
    dc = dc_hu
    dc.refusals.add(403)
    await dc.fake.join(202, "Zárkózott", closed_dms=True)
    posted = (await dc.fake.wait_for(lambda: dc.fake.in_channel(SYSTEM)))[0]
    dm = dc.fake.sent("POST", rf"/channels/{dc.fake.dm_channels[202]}/messages")
    assert dm and dm[0].status == 403  # 50007: the DM was tried first
    assert posted["content"].startswith("Üdv, <@202>!") and buttons(posted) == [f"ra:o:{GUILD_ID}"]
    assert [str(u) for u in posted["allowed_mentions"]["users"]] == ["202"] and posted["allowed_mentions"]["parse"] == []
    iid = await dc.fake.press(202, posted, f"ra:o:{GUILD_ID}", locale="hu")
    quiz = (await dc.done(iid))[0]
    assert ephemeral(quiz) and "bevezető kvíz" in quiz["content"]
    await dc.fake.join(203, "Nyitott")  # DMs open: the welcome DM is Hungarian too
    welcome = (await dc.fake.wait_for(lambda: dc.fake.dms_to(203)))[0]
    assert welcome["content"].startswith("Üdv a közösségben (Community)!")
    assert buttons(welcome) == [f"ra:o:{GUILD_ID}"]


async def test_failed_onboarding_can_be_retaken_after_the_cooldown(dc):
    iid = await dc.fake.slash(ANN, "onboard")
    quiz = (await dc.done(iid))[0]
    for _ in range(2):
        press = await dc.fake.press(ANN, quiz, await wrong_choice(dc.svc, buttons(quiz)[0]))
        await dc.done(press)
    assert buttons(quiz) == [f"ra:o:{GUILD_ID}"]  # the result carries a way forward
    iid = await dc.fake.press(ANN, quiz, f"ra:o:{GUILD_ID}")
    early = (await dc.done(iid))[0]
    assert ephemeral(early) and "10 minutes" in early["content"]
    dc.clock.t += 601
    iid = await dc.fake.press(ANN, quiz, f"ra:o:{GUILD_ID}")
    again = (await dc.done(iid))[0]
    assert "onboarding quiz" in again["content"] and buttons(again)[0].startswith("ra:q:")


async def test_a_timed_out_onboarding_quiz_offers_to_start_again(dc):
    iid = await dc.fake.slash(BEA, "onboard")
    quiz = (await dc.done(iid))[0]
    dc.clock.t += 3600
    press = await dc.fake.press(BEA, quiz, await right_choice(dc.svc, buttons(quiz)[0]))
    await dc.done(press)
    assert quiz["content"] == t("discord.onboarding_expired", "en") and buttons(quiz) == [f"ra:o:{GUILD_ID}"]


async def test_onboard_member_needs_manage_server_and_says_what_really_happened(dc):
    dc.refusals.add(403)  # Shy's DMs are closed
    iid = await dc.fake.slash(ANN, "onboard", member=BEA)
    assert "Manage Server" in (await dc.done(iid))[0]["content"]
    assert not dc.fake.dms_to(BEA)
    iid = await dc.fake.slash(ADMIN, "onboard", member=BEA)
    assert (await dc.done(iid))[0]["content"] == t("discord.onboard_sent", "en", name="Bea")
    assert buttons(dc.fake.dms_to(BEA)[0]) == [f"ra:o:{GUILD_ID}"]
    iid = await dc.fake.slash(ADMIN, "onboard", member=SHY)
    text = (await dc.done(iid))[0]["content"]
    assert text == t("discord.onboard_posted", "en", name="Shy", channel=f"<#{SYSTEM}>")


async def test_onboard_member_says_so_when_neither_a_dm_nor_a_welcome_in_the_server_is_possible(advisor, tmp_path, caplog):
    world = await _world(advisor, tmp_path, system_channel=False)
    world.refusals.add(403)
    with world.fake.pointed(), caplog.at_level(logging.WARNING, logger="role_advisor.discord"):
        await world.start()
        try:
            iid = await world.fake.slash(ADMIN, "onboard", member=SHY)
            assert (await world.done(iid))[0]["content"] == t("discord.onboard_failed", "en", name="Shy")
        finally:
            await world.stop()
    await world.fake.stop()
    world.check_refusals()
    assert "no system channel" in caplog.text


# -- hand-off -------------------------------------------------------------------------------------------
async def test_declined_question_reaches_the_moderators_escaped_and_their_long_answer_reaches_the_asker(dc):
    q = "[free nitro](https://evil.example/x) what is the **weather** today?"
    iid = await dc.fake.slash(ANN, "ask", question=q)
    replies = await dc.done(iid)
    assert any("ticket #1" in (m["content"] or "") and ephemeral(m) for m in replies)
    posted = (await dc.fake.wait_for(lambda: dc.fake.in_channel(MODS)))[0]["content"]
    assert "Ticket #1" in posted and not re.search(r"(?<!\\)\[free nitro\]\(", posted) and "\\[free nitro" in posted
    assert "\\*\\*weather\\*\\*" in posted
    answer = "Sunny. " + "Take a hat and sunscreen. " * 100  # over 2,000 characters with the quote
    iid = await dc.fake.slash(MOD, "reply", ticket=1, answer=answer)
    assert (await dc.done(iid))[0]["content"] == t("ticket.replied", "en", id=1)
    delivered = [c for c in dc.fake.sent("POST", rf"/channels/{GENERAL}/messages") if c.status == 200]
    assert len(delivered) == 2 and delivered[0].json["content"].startswith(f"<@{ANN}> A moderator answered")
    assert [str(u) for u in delivered[0].json["allowed_mentions"]["users"]] == [str(ANN)]
    text = "".join(c.json["content"] for c in delivered).replace(" ", "")
    assert answer.replace(" ", "").strip() in text
    assert (await dc.svc.storage.get_ticket(1)).status == "closed"


async def test_answer_falls_back_to_a_dm_when_the_channel_cannot_be_posted_in(dc):
    dc.refusals.add(403)
    iid = await dc.fake.slash(BEA, "ask", channel=READONLY, question="Recommend me a good movie")
    await dc.done(iid)
    iid = await dc.fake.slash(MOD, "reply", ticket=1, answer="Try the classics.")
    assert (await dc.done(iid))[0]["content"] == t("ticket.replied", "en", id=1)
    assert dc.fake.sent("POST", rf"/channels/{READONLY}/messages")[0].status == 403
    assert "Try the classics." in dc.fake.dms_to(BEA)[0]["content"]


async def test_a_reply_slowed_by_discords_rate_limit_is_deferred_then_confirmed(dc):
    dc.refusals.add(429)
    await dc.done(await dc.fake.slash(ANN, "ask", question="What is the weather like?"))
    dc.fake.throttled[GENERAL] = 1  # the delivery waits 2 s for Discord's rate limit, then goes through
    iid = await dc.fake.slash(MOD, "reply", ticket=1, answer="Sunny.")
    await dc.fake.wait_for(lambda: dc.fake.replies(iid) and dc.fake.replies(iid)[0]["content"], timeout=10)
    assert dc.fake.interactions[iid]["initial"] == 5 and ephemeral(dc.fake.replies(iid)[0])
    assert dc.fake.replies(iid)[0]["content"] == t("ticket.replied", "en", id=1)
    assert "Sunny." in dc.fake.in_channel(GENERAL)[-1]["content"]


async def test_ask_a_moderator_opens_one_ticket_per_answer(dc):
    iid = await dc.fake.slash(ANN, "ask", question="What is the mission?")
    answer = (await dc.done(iid))[0]
    handoff = next(b for b in buttons(answer) if b.startswith("ra:h:"))
    first = (await dc.done(await dc.fake.press(ANN, answer, handoff)))[0]
    assert first["content"] == t("ticket.opened_user", "en", id=1)
    second = (await dc.done(await dc.fake.press(BEA, answer, handoff)))[0]
    assert second["content"] == t("ticket.already_open", "en", id=1)
    assert len(dc.fake.in_channel(MODS)) == 1


async def test_moderator_commands_refuse_members_and_tickets_lists_every_ticket(dc):
    iid = await dc.fake.slash(ANN, "reply", ticket=1, answer="x")
    assert "Only the configured moderators" in (await dc.done(iid))[0]["content"]
    for i in range(40):
        await dc.svc.handoff.open(User("discord", str(ANN), "Ann"), str(GUILD_ID), GENERAL, f"question number {i} " + "about something unusual " * 3, "en", None)
    iid = await dc.fake.slash(MOD, "tickets")
    parts = await dc.done(iid)
    assert len(parts) >= 2 and all(ephemeral(p) for p in parts)
    text = "\n".join(p["content"] for p in parts)
    assert all(f"#{n} " in text for n in range(1, 41))


async def test_report_escapes_mentions_before_fitting_and_keeps_the_bot_responsive(dc):
    user = User("discord", str(BEA), "Bea")
    storage = dc.svc.storage
    import random
    import string

    rng = random.Random(13)
    for _ in range(2500):  # all different: grouping them is quadratic work
        words = " ".join("".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 9))) for _ in range(10))
        await storage.log_question("discord", str(GUILD_ID), user.user_id, f"@everyone {words}?", "en", None, 0.0, False,
                                   dc.clock())
    for _ in range(100):  # the most frequent unanswered question: shown first, longer than an embed takes
        await storage.log_question("discord", str(GUILD_ID), user.user_id, "@everyone " * 450 + "wifi password?", "en", None, 0.0, False,
                                   dc.clock())
    gaps = []

    async def probe():  # the bot's event loop (shared with this test) must never stall
        last = time.monotonic()
        while True:
            await asyncio.sleep(0.02)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    watching = asyncio.create_task(probe())
    report = await dc.fake.slash(MOD, "report")
    kpis = await dc.fake.slash(ANN, "kpis")  # a member asking meanwhile is answered at once
    await dc.done(kpis)
    assert dc.fake.interactions[kpis]["initial"] == 4
    parts = await dc.done(report)
    await dc.fake.wait_for(lambda: any(embed(m).get("title") for m in dc.fake.replies(report)))
    e = next(embed(m) for m in dc.fake.replies(report) if embed(m).get("title"))
    assert "Community KPIs" in e["title"] and "@\u200beveryone" in e["description"] and e["description"].endswith("…")
    watching.cancel()
    assert max(gaps) < 1.0, f"the event loop stalled for {max(gaps):.2f} s"
    assert all(c.status in (200, 204) for c in dc.fake.calls), dc.fake.calls


async def test_slow_work_is_deferred_then_answered(dc, monkeypatch):
    real = dc.svc.ask

    async def slow(*a, **k):  # a busy database
        await asyncio.sleep(3.3)
        return await real(*a, **k)

    monkeypatch.setattr(dc.svc, "ask", slow)
    iid = await dc.fake.slash(ANN, "ask", question="What are the KPIs?")
    await dc.fake.wait_for(lambda: dc.fake.interactions[iid]["initial"] is not None)
    assert dc.fake.interactions[iid]["initial"] == 5  # "thinking…" within Discord's 3 s
    await dc.fake.wait_for(lambda: embed(dc.fake.replies(iid)[0]).get("title"), timeout=10)
    assert "Key performance indicators" in embed(dc.fake.replies(iid)[0])["title"]
    assert all(c.status == 200 for c in dc.fake.sent("POST", r"/(interactions|webhooks)/.*"))


async def test_rate_limited_users_are_told_once_politely(advisor, tmp_path):
    world = await _world(advisor, tmp_path, env={"ROLE_ADVISOR_USER_RATE": "2/600"})
    with world.fake.pointed():
        await world.start()
        try:
            for _ in range(4):
                await world.fake.say(ANN, f"<@{BOT_ID}> what are the KPIs?", mentions=[BOT_ID])
            await world.fake.settle(0.3)
            sent = [c.json for c in world.fake.sent("POST", rf"/channels/{GENERAL}/messages")]
            notices = [m for m in sent if "quickly" in (m.get("content") or "")]
            assert len(sent) == 3 and len(notices) == 1  # two answers, one notice, then silence
            iid = await world.fake.slash(ANN, "kpis")
            reply = (await world.done(iid))[0]
            assert ephemeral(reply) and "quickly" in reply["content"]
            iid = await world.fake.slash(MOD, "kpis")  # others are not affected
            assert embed((await world.done(iid))[0])["title"]
        finally:
            await world.stop()
    await world.fake.stop()
    world.check_refusals()


# -- no connection needed ---------------------------------------------------------------------------------
def test_intents_shards_and_dynamic_buttons(advisor, tmp_path):
    svc = Service(advisor, SQLiteStorage(tmp_path / "x.sqlite3"))
    plain = create_bot(svc, env={})
    assert isinstance(plain, AdvisorBot) and not isinstance(plain, discord.AutoShardedClient)
    bot = create_bot(svc, env={"DISCORD_SHARD_COUNT": "4", "DISCORD_SHARD_IDS": "0,2"})
    assert isinstance(bot, ShardedAdvisorBot) and isinstance(bot, discord.AutoShardedClient)
    assert bot.shard_count == 4 and bot.shard_ids == [0, 2]
    auto = create_bot(svc, env={"DISCORD_SHARD_COUNT": "auto"})
    assert isinstance(auto, discord.AutoShardedClient) and auto.shard_count is None
    assert not bot.intents.message_content and bot.intents.members and bot.intents.guild_messages
    assert {c.name for c in bot.tree.get_commands()} == {c.name for c in plain.tree.get_commands()}
    assert not create_bot(svc, env={"DISCORD_MEMBERS_INTENT": "0"}).intents.members
    with pytest.raises(ValueError):
        create_bot(svc, env={"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "5"})
    with pytest.raises(ValueError):
        create_bot(svc, env={"DISCORD_GUILD_IDS": "12,abc"})
    assert VoteButton(3, True).item.custom_id == "ra:v:3:1"
    assert TopicButton("competence:E.4").item.custom_id == "ra:t:competence:E.4"
    assert QuizButton("abc123", 2, 1).item.custom_id == "ra:q:abc123:2:1"


def test_token_missing_is_one_clear_line():
    env = {k: v for k, v in os.environ.items() if k != "DISCORD_BOT_TOKEN"}
    r = subprocess.run(cli_cmd() + ["discord"], capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 2 and "DISCORD_BOT_TOKEN" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = subprocess.run(cli_cmd() + ["discord"], capture_output=True, text=True, timeout=60,
                       env={**env, "DISCORD_BOT_TOKEN": "short"})
    assert r.returncode == 2 and "short" not in r.stderr


def test_the_api_address_may_only_be_this_machine():
    env = {**os.environ, "DISCORD_BOT_TOKEN": TOKEN, "DISCORD_API_BASE_URL": "https://discord.example.org/api/v10"}
    r = subprocess.run(cli_cmd() + ["discord"], capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "127.0.0.1" in r.stderr and TOKEN not in r.stderr


def test_a_program_that_builds_the_bot_and_never_closes_it_exits(tmp_path):
    script = textwrap.dedent("""
        import asyncio
        from adapters.discord_bot import create_bot
        bot = create_bot(env={})
        asyncio.run(bot.service.storage.open())   # the storage opened as on start, never closed
        print("built")
    """)
    env = {**os.environ, "ROLE_ADVISOR_DATA_DIR": str(tmp_path)}
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30, env=env)
    assert r.returncode == 0 and r.stdout.strip() == "built", r.stderr


class _StandInThread:
    """The stand-in Discord on its own event loop in a thread, for a bot running as a process."""

    def __init__(self):
        import threading

        self.loop = asyncio.new_event_loop()
        self.fake = self.loop.run_until_complete(FakeDiscord().start())
        self.fake.add_member(ANN, "Ann")
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro, timeout=20):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def until(self, predicate, timeout=60):
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, self.fake.calls[-10:]
            time.sleep(0.02)

    def close(self):
        self.run(self.fake.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def test_the_process_against_the_stand_in_answers_and_stops_within_2_s_of_sigterm(tmp_path):
    """`role-advisor discord` as the container runs it: logs in, registers its commands, answers a
    slash command and a mention, and on SIGTERM exits 0 within 2 s with everything it answered in
    the database, the gateway closed, every log line with time and level, and no token anywhere."""
    import sqlite3

    stand_in = _StandInThread()
    fake = stand_in.fake
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "ROLE_ADVISOR_DATABASE"))}
    env.update(DISCORD_BOT_TOKEN=TOKEN, DISCORD_API_BASE_URL=fake.base_url, DISCORD_GATEWAY_URL=fake.gateway_url,
               ROLE_ADVISOR_DATA_DIR=str(tmp_path))
    p = subprocess.Popen(cli_cmd() + ["discord"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        stand_in.until(lambda: fake.identified.is_set() and fake.sent("PUT", rf"/applications/{APP_ID}/commands"))
        iid = stand_in.run(fake.slash(ANN, "ask", question="What are the KPIs?"))
        stand_in.until(lambda: fake.replies(iid))
        stand_in.run(fake.say(ANN, f"<@{BOT_ID}> what is the mission?", mentions=[BOT_ID]))
        stand_in.until(lambda: fake.in_channel(GENERAL) and len(fake.in_channel(GENERAL)) >= 2)
        assert p.poll() is None
        sent = time.monotonic()
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=10)
        took = time.monotonic() - sent
    finally:
        if p.poll() is None:
            p.kill()
        stand_in.close()
    assert p.returncode == 0 and took < 2.0, (p.returncode, took, err)
    assert "Key performance indicators" in embed(fake.replies(iid)[0])["title"]
    lines = [line for line in err.splitlines() if line.strip()]
    assert lines and all(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (DEBUG|INFO|WARNING|ERROR|CRITICAL) \S+: ", line)
                         for line in lines), err
    assert "registered 15 slash commands globally" in err and "stopping (signal received)" in err
    for bad in ("Traceback", "Event loop is closed", "never retrieved", "Unclosed", TOKEN):
        assert bad not in err + out
    assert not fake.sockets  # the gateway connection was closed, not dropped
    db = sqlite3.connect(tmp_path / "role-advisor.sqlite3")
    questions = [q for (q,) in db.execute("SELECT question FROM qa_log ORDER BY id")]
    assert questions == ["What are the KPIs?", "what is the mission?"]
