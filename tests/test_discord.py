"""The Discord bot: message flows with dpytest, slash commands and buttons with fake interactions."""
import logging
import os
import subprocess
from unittest.mock import AsyncMock, MagicMock

import pytest

discord = pytest.importorskip("discord")
dpytest = pytest.importorskip("discord.ext.test")

from adapters.discord_bot import (  # noqa: E402
    NO_PINGS, AdvisorBot, CatalogueTranslator, QuizButton, ShardedAdvisorBot, TopicButton, VoteButton, create_bot,
)
from bot.config import QuizSettings  # noqa: E402
from bot.service import Service  # noqa: E402
from bot.storage import SQLiteStorage  # noqa: E402
from conftest import cli_cmd  # noqa: E402


@pytest.fixture
async def dbot(advisor, tmp_path, monkeypatch):
    storage = SQLiteStorage(tmp_path / "discord.sqlite3")
    svc = Service(advisor, storage, QuizSettings(quiz_count=3, onboarding_count=2, onboarding_pass_mark=0.5))
    bot = create_bot(svc, env={"DISCORD_ONBOARDING_ROLE": "Onboarded"})
    await bot._async_setup_hook()
    await bot.setup_hook()
    dpytest.configure(bot, members=3)
    bot._connection.allowed_mentions = NO_PINGS  # configure() replaced the connection state
    # record the mention settings of every message the bot sends
    sent_params = []
    real = discord.abc.handle_message_parameters

    def spy(*args, **kwargs):
        params = real(*args, **kwargs)
        sent_params.append(params.payload if params.payload is not None else params.multipart)
        return params

    monkeypatch.setattr(discord.abc, "handle_message_parameters", spy)
    bot.sent_params = sent_params
    yield bot
    await dpytest.empty_queue()
    await storage.close()


def interaction(bot, user, *, locale=discord.Locale.american_english, guild=None, perms=None):
    inter = MagicMock(spec=discord.Interaction)
    inter.client = bot
    inter.user = user
    inter.locale = locale
    inter.guild = guild
    if perms is not None:
        inter.user.guild_permissions = perms
    inter.response = MagicMock()
    inter.response.is_done.return_value = False
    inter.response.send_message = AsyncMock()
    inter.followup = MagicMock()
    inter.followup.send = AsyncMock()
    return inter


def fake_user(uid=555, name="Tester"):
    u = MagicMock()
    u.id, u.name, u.display_name, u.bot = uid, name, name, False
    return u


def _custom_ids(bot):
    """custom_ids of the buttons on the last message the bot sent (dpytest keeps no components)."""
    payload = bot.sent_params[-1]
    return [c["custom_id"] for row in payload.get("components", []) for c in row["components"]]


def _sent(inter):
    calls = inter.response.send_message.call_args_list + inter.followup.send.call_args_list
    return [c.kwargs for c in calls]


async def test_mention_is_answered_in_english_and_hungarian(dbot):
    me = dbot.user.id
    await dpytest.message(f"<@{me}> What are the KPIs?")
    msg = dpytest.get_message()
    assert "Key performance indicators" in msg.embeds[0].title
    await dpytest.message(f"<@{me}> Milyen szint kell az E.4-hez?")
    msg = dpytest.get_message()
    assert "E.4 Kapcsolatok kezelése" in msg.embeds[0].title and "3. szint" in msg.embeds[0].description


async def test_silent_when_not_addressed(dbot):
    await dpytest.message("What are the KPIs?")
    await dpytest.message("<@123456789> what are the KPIs?")
    assert dpytest.verify().message().nothing()


async def test_replies_never_ping(dbot):
    guild = dbot.guilds[0]
    role = guild.roles[0]
    await dpytest.message(f"<@{dbot.user.id}> @everyone @here <@&{role.id}> <@{guild.members[0].id}> what are the KPIs?")
    dpytest.get_message()
    assert dbot.sent_params
    for payload in dbot.sent_params:
        assert payload["allowed_mentions"]["parse"] == []
        assert not payload["allowed_mentions"].get("roles") and not payload["allowed_mentions"].get("users")
    assert dbot.allowed_mentions.to_dict()["parse"] == []


async def test_answer_has_vote_and_did_you_mean_buttons(dbot):
    await dpytest.message(f"<@{dbot.user.id}> Which competences need B11 and M01?")
    dpytest.get_message()
    ids = _custom_ids(dbot)
    assert "ra:t:skill:M01" in ids and any(i.startswith("ra:v:") and i.endswith(":1") for i in ids)


async def test_slash_ask_in_both_languages_and_autocomplete(dbot):
    ask = dbot.tree.get_command("ask")
    user = fake_user()
    inter = interaction(dbot, user)
    await ask.callback(inter, question="skills for C.3")
    emb = _sent(inter)[0]["embed"]
    assert "C.3 Service Delivery" in emb.title and "B11" in emb.description
    inter = interaction(dbot, fake_user(556), locale=discord.Locale.hungarian)
    await ask.callback(inter, question="B11")
    assert "Képes elemezni" in _sent(inter)[0]["embed"].title
    assert all(k["allowed_mentions"] is NO_PINGS for k in _sent(inter))
    choices = dbot.adapter.autocomplete_topics("risk", "en")
    assert choices and choices[0].value == "competence:E.3"
    comp = dbot.adapter.autocomplete_topics("kock", "hu", kinds=("competence",))
    assert any("Kockázatkezelés" in c.name for c in comp)
    assert ask._params["question"].autocomplete is not None
    inter = interaction(dbot, user)
    await ask.callback(inter, question=choices[0].value)  # picking an autocomplete choice
    assert _sent(inter)[0]["embed"].title.startswith("E.3 Risk Management")
    assert dbot.tree.get_command("competence")._params["code"].autocomplete is not None


async def test_competence_kpis_lang_forget_commands(dbot):
    user = fake_user(700)
    inter = interaction(dbot, user)
    await dbot.tree.get_command("competence").callback(inter, code="E.2")
    assert "E.2 Project and Portfolio Management" in _sent(inter)[0]["embed"].title
    inter = interaction(dbot, user)
    await dbot.tree.get_command("kpis").callback(inter)
    assert "Customer satisfaction" in _sent(inter)[0]["embed"].description
    inter = interaction(dbot, user)
    choice = discord.app_commands.Choice(name="Magyar", value="hu")
    await dbot.tree.get_command("lang").callback(inter, lang=choice)
    inter = interaction(dbot, user)
    await dbot.tree.get_command("kpis").callback(inter)
    assert "Ügyfél elégedettség" in _sent(inter)[0]["embed"].description
    inter = interaction(dbot, user)
    await dbot.tree.get_command("forget").callback(inter)
    assert "töröltem" in _sent(inter)[0]["content"]
    assert await dbot.service.storage.count_rows_about("discord", "700") == 0


async def test_quiz_with_buttons_scored(dbot):
    user = fake_user(801)
    inter = interaction(dbot, user)
    await dbot.tree.get_command("quiz").callback(inter)
    sent = _sent(inter)
    view = sent[-1]["view"]
    for _ in range(3):
        buttons = [c for c in view.children]
        sid, idx = buttons[0].item.custom_id.split(":")[2:4]
        sess = await dbot.service.storage.get_session(sid)
        right = sess.items[int(idx)]["answer"]
        # someone else pressing the button changes nothing
        other = interaction(dbot, fake_user(802))
        await dbot.adapter.on_quiz_button(other, sid, int(idx), right)
        assert "someone else" in _sent(other)[0]["content"]
        click = interaction(dbot, user)
        await dbot.adapter.on_quiz_button(click, sid, int(idx), right)
        out = _sent(click)
        assert out[0]["content"].startswith("✅")
        if "view" in out[-1]:
            view = out[-1]["view"]
    assert "3/3" in out[-1]["embed"].title
    rows = await dbot.service.storage.leaderboard("discord")
    assert rows[0].user_id == "801" and rows[0].points == 3


async def test_onboarding_dm_on_join_and_role_granted(dbot, caplog, monkeypatch):
    guild = dbot.guilds[0]
    from discord.ext.test import backend

    backend.make_role("Onboarded", guild)
    member = await dpytest.member_join(guild)
    await dpytest.run_all_events()
    sess = await dbot.service.storage.active_session("discord", str(member.id))
    assert sess is not None and sess.onboarding and sess.community == str(guild.id)
    assert await dbot.adapter.grant_role(str(guild.id), member.id)
    assert any(r.name == "Onboarded" for r in guild.get_member(member.id).roles)

    # without the permission: a clear log line, no crash
    async def forbidden(*a, **k):
        raise discord.Forbidden(MagicMock(status=403, reason="Forbidden"), "Missing Permissions")

    other = guild.members[1]
    monkeypatch.setattr(discord.Member, "add_roles", forbidden)
    with caplog.at_level(logging.ERROR, logger="role_advisor.discord"):
        assert not await dbot.adapter.grant_role(str(guild.id), other.id)
    assert "Manage Roles" in caplog.text


async def test_server_wide_action_needs_manage_server(dbot):
    guild = dbot.guilds[0]
    member = guild.members[0]
    inter = interaction(dbot, fake_user(901), guild=guild, perms=discord.Permissions.none())
    await dbot.tree.get_command("onboard").callback(inter, member=member)
    assert "Manage Server" in _sent(inter)[0]["content"]
    inter = interaction(dbot, fake_user(902), guild=guild, perms=discord.Permissions(manage_guild=True))
    await dbot.tree.get_command("onboard").callback(inter, member=member)
    assert await dbot.service.storage.active_session("discord", str(member.id))


async def test_vote_button(dbot):
    await dpytest.message(f"<@{dbot.user.id}> What is the mission?")
    dpytest.get_message()
    vote = next(c for c in _custom_ids(dbot) if c.startswith("ra:v:") and c.endswith(":0"))
    log_id = int(vote.split(":")[2])
    inter = interaction(dbot, fake_user(1001))
    await dbot.adapter.on_vote(inter, log_id, False)
    assert await dbot.service.storage.votes_for(log_id) == (0, 1)


async def test_commands_registered_and_localized(dbot):
    names = {c.name for c in dbot.tree.get_commands()}
    assert {"ask", "competence", "kpis", "quiz", "leaderboard", "lang", "forget", "onboard"} <= names
    tr = CatalogueTranslator()
    desc = dbot.tree.get_command("quiz")._locale_description
    assert await tr.translate(desc, discord.Locale.hungarian, None) == "Kvíz a szerepkörről"
    assert await tr.translate(desc, discord.Locale.german, None) is None


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
