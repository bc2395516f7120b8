"""Discord end to end, with dpytest and fake interactions: a member's question (a mention) declined
→ ticket in the moderators' channel → a moderator teaches it with /teach → the same question and a
misspelled variant answered with the taught topic by a second bot instance sharing the database;
/reply with --save → a second member's same question answered with the community answer, marked, in
their language (the Hungarian locale)."""
import asyncio

import pytest

discord = pytest.importorskip("discord")
dpytest = pytest.importorskip("discord.ext.test")

from adapters.discord_bot import NO_PINGS, create_bot  # noqa: E402
from bot.config import QuizSettings  # noqa: E402
from bot.service import Service  # noqa: E402
from bot.storage import SQLiteStorage  # noqa: E402
from test_discord import _sent, fake_user, interaction  # noqa: E402

REFRESH = 0.3
ENV = {"DISCORD_MODERATORS": "500", "ROLE_ADVISOR_TAUGHT_REFRESH": str(REFRESH)}


@pytest.fixture
async def bots(advisor, tmp_path):
    db = tmp_path / "shared.sqlite3"
    s1, s2 = SQLiteStorage(db), SQLiteStorage(db)
    one = create_bot(Service(advisor, s1, QuizSettings(), env=ENV), env={})
    await one._async_setup_hook()
    await one.setup_hook()
    dpytest.configure(one, members=2)
    one._connection.allowed_mentions = NO_PINGS
    channel = one.guilds[0].text_channels[0]
    one.service.handoff.settings.places["discord"] = str(channel.id)
    two = create_bot(Service(advisor, s2, QuizSettings(), env=ENV), env={})  # a second instance, no gateway
    await two._async_setup_hook()
    await two.setup_hook()
    yield one, two
    await dpytest.empty_queue()
    await s1.close()
    await s2.close()


async def _ask(bot, user, question, locale=discord.Locale.american_english):
    inter = interaction(bot, user, locale=locale)
    await bot.tree.get_command("ask").callback(inter, question=question)
    return inter


def _text(inter) -> str:
    out = []
    for k in _sent(inter):
        if k.get("content"):
            out.append(k["content"])
        if k.get("embed") is not None:
            out += [k["embed"].title or "", k["embed"].description or ""]
    return "\n".join(out)


async def test_teach_and_save_on_discord_reach_a_second_instance(bots):
    one, two = bots
    mod, ben, dora = fake_user(500, "Mia"), fake_user(77, "Ben"), fake_user(78, "Dóra")
    q = "is there a certification exam for this?"
    await dpytest.message(f"<@{one.user.id}> {q}")
    declined = dpytest.get_message()
    assert "Sorry" in declined.embeds[0].title
    assert "ticket #1" in dpytest.get_message().content
    assert "Ticket #1" in dpytest.get_message().content  # posted in the moderators' channel

    # the ticket's "teach" buttons: the closest topics; pressed by a member, refused
    from adapters.discord_bot import TeachButton
    from bot.handoff import Opened

    view = one.adapter.ticket_view(Opened(1, "", "Ticket #1", "1", ("role:kpis", "competence:B.3")))["view"]
    assert [c.custom_id for c in view.children] == ["ra:t:1:role:kpis", "ra:t:1:competence:B.3"]

    inter = interaction(one, ben)
    await TeachButton(1, "role:kpis").callback(inter)
    assert "Only the configured moderators" in _text(inter)
    # a member cannot teach; a moderator without a topic gets the closest ones
    inter = interaction(one, ben)
    await one.tree.get_command("teach").callback(inter, topic="role:kpis", ticket=1)
    assert "Only the configured moderators" in _text(inter)
    inter = interaction(one, mod)
    await one.tree.get_command("teach").callback(inter, ticket=1)
    assert "Closest topics" in _text(inter)
    inter = interaction(one, mod)
    await one.tree.get_command("teach").callback(inter, topic="role:kpis", ticket=1)
    assert "Taught (#1)" in _text(inter) and "answered and closed" in _text(inter)
    delivered = dpytest.get_message()
    assert "pointed me to this answer" in delivered.content and "Customer satisfaction" in delivered.content

    await asyncio.sleep(REFRESH + 0.1)
    for text in (q, "Is there a certifcation exam for ths?"):
        inter = await _ask(two, ben, text)
        assert "Key performance indicators" in _text(inter), text

    # a Hungarian question declined; the moderator replies with --save
    hq = "hol tudom letölteni az ecf pdf-et?"
    await dpytest.message(f"<@{one.user.id}> {hq}")
    assert "Sajnos" in dpytest.get_message().embeds[0].title
    dpytest.get_message()
    assert "Ticket #2" in dpytest.get_message().content
    inter = interaction(one, mod)
    await one.tree.get_command("reply").callback(inter, ticket=2, answer="--save Ingyenes, az itprofiles.eu oldalon. @everyone")
    assert "faq:1" in _text(inter)
    delivered = dpytest.get_message()
    assert "itprofiles.eu" in delivered.content and "--save" not in delivered.content

    await asyncio.sleep(REFRESH + 0.1)
    inter = await _ask(two, dora, "hol tudom letolteni az ecf pdf-et", locale=discord.Locale.hungarian)
    text = _text(inter)
    assert "Közösségi válasz" in text and "itprofiles.eu" in text and "csak angolul" not in text
    assert all(k.get("allowed_mentions") is NO_PINGS or k.get("allowed_mentions") == NO_PINGS for k in _sent(inter))

    # taught in English too: the Hungarian text, marked as the only one
    inter = interaction(one, mod)
    await one.tree.get_command("teach").callback(inter, topic="faq:1", question="where can i download the ecf pdf")
    assert "Taught" in _text(inter)
    await asyncio.sleep(REFRESH + 0.1)
    inter = await _ask(two, ben, "where can I download the eCF PDF?")
    assert "Community answer" in _text(inter) and "only in Hungarian" in _text(inter)

    # list, edit, remove; members refused
    inter = interaction(two, mod)
    await two.tree.get_command("taught").callback(inter)
    assert "role:kpis" in _text(inter) and "discord:500" in _text(inter)
    inter = interaction(two, ben)
    await two.tree.get_command("answer").callback(inter, action="remove", answer_id="1")
    assert "Only the configured moderators" in _text(inter)
    inter = interaction(two, mod)
    await two.tree.get_command("answer").callback(inter, action="edit", answer_id="1", text="en: It is free at itprofiles.eu.")
    assert "updated" in _text(inter)
    inter = interaction(one, mod)
    await one.tree.get_command("taught").callback(inter, remove=1)
    assert "Removed #1" in _text(inter)
    await asyncio.sleep(REFRESH + 0.1)
    inter = await _ask(two, ben, "where can I download the eCF PDF?")
    assert "It is free" in _text(inter)
    inter = await _ask(two, ben, q)
    assert "Sorry" in _text(inter)
