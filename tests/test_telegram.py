"""The real python-telegram-bot Application, end to end against a stand-in Bot API on 127.0.0.1."""
import asyncio
import os
import re
import types
import subprocess

import pytest

pytest.importorskip("telegram", reason="the telegram extra is part of the dev install")

from adapters.telegram_bot import build_application, read_token, split_message, to_html  # noqa: E402
from bot.config import QuizSettings  # noqa: E402
from bot.service import Service  # noqa: E402
from bot.storage import SQLiteStorage  # noqa: E402
from conftest import cli_cmd  # noqa: E402
from telegram_stub import BOT, FakeBotAPI, group_chat, private_chat, start_app, stop_app, user  # noqa: E402


class Harness:
    def __init__(self, advisor, db_path, **stub_kw):
        self.advisor = advisor
        self.db_path = db_path
        self.stub = FakeBotAPI(**stub_kw)
        self.app = None

    async def start(self, settings=None, **service_kw):
        await self.stub.start()
        self.storage = SQLiteStorage(self.db_path)
        self.service = Service(self.advisor, self.storage, settings or QuizSettings(quiz_count=3), **service_kw)
        self.app = build_application(self.service, "123456:TEST-token_abc", self.stub.base_url)
        await start_app(self.app)
        return self

    async def stop(self):
        await stop_app(self.app)
        await self.stub.stop()


@pytest.fixture
async def tg(advisor, tmp_path):
    h = await Harness(advisor, tmp_path / "tg.sqlite3").start()
    yield h
    await h.stop()


ANN = user(11, "Ann", "en")
BELA = user(12, "Béla", "hu")


async def test_commands_registered_in_both_languages(tg):
    calls = tg.stub.sent("setMyCommands")
    assert len(calls) == 2
    by_lang = {c.get("language_code"): c["commands"] for c in calls}
    assert {c["command"] for c in by_lang[None]} >= {"start", "help", "ask", "lang", "quiz", "leaderboard", "forget"}
    assert any("Kvíz" in c["description"] for c in by_lang["hu"])


async def test_direct_message_answers_in_the_askers_language(tg):
    tg.stub.message(private_chat(11), ANN, "What are the KPIs?")
    tg.stub.message(private_chat(12), BELA, "Milyen szint kell az E.4-hez?")
    en = await tg.stub.wait_for(lambda s: s.sent(chat_id=11))
    hu = await tg.stub.wait_for(lambda s: s.sent(chat_id=12))
    assert en[0]["parse_mode"] == "HTML" and "Customer satisfaction" in en[0]["text"]
    assert "Kapcsolatok kezelése" in hu[0]["text"] and "3. szint" in hu[0]["text"]
    buttons = [b["callback_data"] for row in en[0]["reply_markup"]["inline_keyboard"] for b in row]
    assert any(b.startswith("v:") and b.endswith(":1") for b in buttons)


async def test_language_code_is_only_a_first_guess(tg):
    tg.stub.message(private_chat(13), user(13, "Hu", "hu"), "What is the mission?")
    tg.stub.message(private_chat(14), user(14, "Hu", "hu"), "B11")
    a = await tg.stub.wait_for(lambda s: s.sent(chat_id=13))
    b = await tg.stub.wait_for(lambda s: s.sent(chat_id=14))
    assert "Mission" in a[0]["text"]  # the question decides
    assert "Képes elemezni" in b[0]["text"]  # a bare code: the language code decides


async def test_group_silence_unless_addressed(tg):
    g = group_chat()
    tg.stub.message(g, ANN, "What are the KPIs?")  # not addressed
    tg.stub.message(g, ANN, "random chatter about the weather")
    await tg.stub.settle()
    assert tg.stub.sent(chat_id=g["id"]) == []
    text = "@advisor_bot what level is needed for C.4?"
    tg.stub.message(g, ANN, text, entities=[{"type": "mention", "offset": 0, "length": 12}])
    got = await tg.stub.wait_for(lambda s: s.sent(chat_id=g["id"]))
    assert "C.4" in got[0]["text"] and got[0]["reply_parameters"]["message_id"]
    bot_msg = {"message_id": 5, "date": 0, "chat": g, "from": BOT, "text": "earlier answer"}
    tg.stub.message(g, ANN, "and the KPIs?", reply_to=bot_msg)
    await tg.stub.wait_for(lambda s: len(s.sent(chat_id=g["id"])) >= 2)
    tg.stub.command(g, ANN, "/ask kockázatkezelés")
    third = await tg.stub.wait_for(lambda s: len(s.sent(chat_id=g["id"])) >= 3 and s.sent(chat_id=g["id"]))
    assert "Kockázatkezelés" in third[2]["text"]
    tg.stub.message(g, ANN, "@someone_else what are the KPIs?", entities=[{"type": "mention", "offset": 0, "length": 13}])
    await tg.stub.settle()
    assert len(tg.stub.sent(chat_id=g["id"])) == 3


async def test_html_is_escaped_everywhere(tg):
    evil = user(21, "<b>Eve</b> & <script>", "en")
    g = group_chat(-100777)
    tg.stub.push(message={"message_id": 1, "date": 0, "chat": g, "from": evil, "new_chat_members": [evil]})
    welcome = await tg.stub.wait_for(lambda s: s.sent(chat_id=g["id"]))
    assert "&lt;b&gt;Eve&lt;/b&gt; &amp; &lt;script&gt;" in welcome[0]["text"] and "<script>" not in welcome[0]["text"]
    button = welcome[0]["reply_markup"]["inline_keyboard"][0][0]
    assert re.fullmatch(r"https://t\.me/advisor_bot\?start=onb_-100777_[0-9a-f]{16}", button["url"])
    tg.stub.message(private_chat(21), evil, "<i>what</i> are the <b>KPIs</b>?")
    ans = await tg.stub.wait_for(lambda s: s.sent(chat_id=21))
    assert ans[0]["text"].startswith("<b>") and "<i>" not in ans[0]["text"]


async def test_quiz_polls_scored_through_poll_answers(tg):
    tg.stub.command(private_chat(11), ANN, "/quiz")
    polls = await tg.stub.wait_for(lambda s: s.sent("sendPoll"))
    first = polls[0]
    assert first["type"] == "quiz" and first["is_anonymous"] is False and first["correct_option_ids"]
    for n in range(3):
        polls = await tg.stub.wait_for(lambda s, n=n: len(s.sent("sendPoll")) > n and s.sent("sendPoll"))
        right = polls[n]["correct_option_ids"][0]
        tg.stub.poll_answer(str(n + 1), ANN, right)
    final = await tg.stub.wait_for(lambda s: [m for m in s.sent(chat_id=11) if "Quiz finished" in m["text"]])
    assert "3/3" in final[0]["text"]
    rows = await tg.storage.leaderboard("telegram")
    assert rows[0].user_id == "11" and rows[0].points == 3


async def test_someone_elses_poll_answer_is_ignored(tg):
    tg.stub.command(private_chat(11), ANN, "/quiz")
    await tg.stub.wait_for(lambda s: s.sent("sendPoll"))
    tg.stub.poll_answer("1", BELA, 0)
    await tg.stub.settle()
    assert len(tg.stub.sent("sendPoll")) == 1


async def test_group_quiz_goes_to_private_chat(tg):
    g = group_chat()
    tg.stub.command(g, ANN, "/quiz")
    msg = await tg.stub.wait_for(lambda s: s.sent(chat_id=g["id"]))
    assert msg[0]["reply_markup"]["inline_keyboard"][0][0]["url"].endswith("start=quiz")
    assert tg.stub.sent("sendPoll") == []


async def test_onboarding_deep_link_records_the_community(tg, advisor):
    g = group_chat(-100777)
    tg.stub.push(message={"message_id": 1, "date": 0, "chat": g, "from": ANN, "new_chat_members": [ANN]})
    welcome = await tg.stub.wait_for(lambda s: s.sent(chat_id=g["id"]))
    payload = welcome[0]["reply_markup"]["inline_keyboard"][0][0]["url"].split("start=")[1]
    tg.stub.command(private_chat(11), ANN, f"/start {payload}")
    await tg.stub.wait_for(lambda s: s.sent("sendPoll"))
    sess = await tg.storage.active_session("telegram", "11")
    assert sess.onboarding and sess.community == "-100777"


@pytest.mark.parametrize("payload", ["onb_-100777", "onb_-100888_0123456789abcdef", "onb_-100888_"])
async def test_an_unsigned_or_edited_onboarding_link_records_no_community(tg, payload):
    """`/start onb_<chat>` recorded a pass for any community its sender typed in."""
    tg.stub.command(private_chat(11), ANN, f"/start {payload}")
    await tg.stub.wait_for(lambda s: s.sent("sendPoll"))
    sess = await tg.storage.active_session("telegram", "11")
    assert not sess.onboarding and sess.community == "dm"


async def test_vote_and_did_you_mean_buttons(tg):
    tg.stub.message(private_chat(11), ANN, "Which competences need B11 and M01?")
    ans = await tg.stub.wait_for(lambda s: s.sent(chat_id=11))
    data = [b["callback_data"] for row in ans[0]["reply_markup"]["inline_keyboard"] for b in row]
    assert "t:en:skill:M01" in data
    vote = next(d for d in data if d.startswith("v:") and d.endswith(":0"))
    tg.stub.callback(ANN, vote)
    await tg.stub.wait_for(lambda s: s.sent("answerCallbackQuery"))
    log_id = int(vote.split(":")[1])
    assert await tg.storage.votes_for(log_id) == (0, 1)
    tg.stub.callback(ANN, "t:en:skill:M01")
    more = await tg.stub.wait_for(lambda s: len(s.sent(chat_id=11)) >= 2 and s.sent(chat_id=11))
    assert "M01" in more[1]["text"] and "E.2" in more[1]["text"]


async def test_lang_forget_and_leaderboard(tg):
    tg.stub.callback(ANN, "l:hu")
    await tg.stub.wait_for(lambda s: s.sent(chat_id=11))
    tg.stub.message(private_chat(11), ANN, "What are the KPIs?")
    ans = await tg.stub.wait_for(lambda s: len(s.sent(chat_id=11)) >= 2 and s.sent(chat_id=11))
    assert "Ügyfél elégedettség" in ans[1]["text"]  # the chosen language wins
    tg.stub.command(private_chat(11), ANN, "/forget")
    await tg.stub.wait_for(lambda s: len(s.sent(chat_id=11)) >= 3)
    await tg.stub.settle()
    assert await tg.storage.count_rows_about("telegram", "11") > 0  # nothing deleted before the confirmation
    tg.stub.callback(ANN, "f:yes")
    await tg.stub.wait_for(lambda s: s.sent("editMessageText"))
    assert await tg.storage.count_rows_about("telegram", "11") == 0
    tg.stub.command(private_chat(11), ANN, "/leaderboard")
    lb = await tg.stub.wait_for(lambda s: [m for m in s.sent(chat_id=11) if "Leaderboard" in m["text"]])
    assert "No quiz answers yet" in lb[0]["text"]


async def test_inline_mode_offers_answers(tg):
    tg.stub.inline(ANN, "risk management")
    res = await tg.stub.wait_for(lambda s: s.sent("answerInlineQuery"))
    results = res[0]["results"]
    assert results and "E.3" in results[0]["title"]


async def test_flood_429_is_waited_out_and_retried(tg):
    tg.stub.fail_next["sendMessage"] = 1
    tg.stub.message(private_chat(11), ANN, "What is the mission?")
    await tg.stub.wait_for(lambda s: len(s.sent(chat_id=11)) >= 2, timeout=15)
    sends = tg.stub.sent(chat_id=11)
    assert len(sends) == 2 and sends[0]["text"] == sends[1]["text"]  # the same message, delivered on retry


async def test_per_user_rate_limit_does_not_starve_others(tg):
    for i in range(25):
        tg.stub.message(private_chat(31), user(31, "Spam"), f"What is the mission? {i}")
    tg.stub.message(private_chat(32), user(32, "Calm"), "What are the KPIs?")
    await tg.stub.wait_for(lambda s: s.sent(chat_id=32))
    await tg.stub.settle()
    spam = tg.stub.sent(chat_id=31)
    assert 1 < len(spam) < 15
    assert sum("quickly" in m["text"] for m in spam) == 1


@pytest.mark.parametrize("command", ["/help", "/leaderboard", "/start", "/lang", "/forget", "/tickets"])
async def test_commands_are_inside_the_per_user_limit(tg, command):
    """150 × /help from one user got 150 replies while another waited: commands were unlimited."""
    for _ in range(40):
        tg.stub.command(private_chat(31), user(31, "Spam"), command)
    tg.stub.message(private_chat(32), user(32, "Calm"), "What are the KPIs?")
    await tg.stub.wait_for(lambda s: s.sent(chat_id=32))
    await tg.stub.settle()
    spam = tg.stub.sent(chat_id=31)
    assert 1 < len(spam) <= 9  # the burst and one notice
    assert sum("quickly" in m["text"] for m in spam) == 1


async def test_buttons_are_inside_the_per_user_limit(tg):
    tg.stub.message(private_chat(31), user(31, "Spam"), "What are the KPIs?")
    await tg.stub.wait_for(lambda s: s.sent(chat_id=31))
    for _ in range(40):
        tg.stub.callback(user(31, "Spam"), "t:role:mission")
    await tg.stub.wait_for(lambda s: len(s.sent("answerCallbackQuery")) >= 40, timeout=30)
    await tg.stub.settle()
    assert len(tg.stub.sent(chat_id=31)) <= 8  # the first answer and the rest of the burst
    told = [c for c in tg.stub.sent("answerCallbackQuery") if "quickly" in (c.get("text") or "")]
    assert len(told) == 1  # every press acknowledged; the first refused one says why


async def test_a_limited_mention_in_a_group_is_told_once(tg):
    """A limited mention got no reply at all: the member did not know why the bot went quiet."""
    await tg.stub.wait_for(lambda s: s.sent("getMe"))
    for i in range(20):
        tg.stub.message(group_chat(-500), user(31, "Spam"), f"@{BOT['username']} mission? {i}",
                        entities=[{"type": "mention", "offset": 0, "length": len(BOT["username"]) + 1}])
    await tg.stub.settle()
    sent = tg.stub.sent(chat_id=-500)
    notices = [m for m in sent if "quickly" in m["text"]]
    assert len(notices) == 1
    assert notices[0]["reply_parameters"]["message_id"]  # a reply to the refused message
    assert len(sent) == 9


async def test_restart_keeps_scores_and_pending_polls(advisor, tmp_path):
    db = tmp_path / "restart.sqlite3"
    h = await Harness(advisor, db).start()
    h.stub.command(private_chat(11), ANN, "/quiz")
    polls = await h.stub.wait_for(lambda s: s.sent("sendPoll"))
    right = polls[0]["correct_option_ids"][0]
    await h.stop()
    h2 = await Harness(advisor, db).start()
    h2.stub._poll_ids = iter(range(2, 100))
    h2.stub._ids = iter(range(1000, 2000))  # Telegram never hands out an update id twice
    h2.stub.poll_answer("1", ANN, right)  # the poll was sent before the restart
    await h2.stub.wait_for(lambda s: s.sent("sendPoll"))
    sess = await h2.storage.active_session("telegram", "11")
    assert sess.score == 1 and sess.answered == 1
    await h2.stop()


def test_split_message_respects_the_limit():
    text = to_html("Title\n" + "\n".join(f"line {i} &amp; more" for i in range(2000)))
    parts = split_message(text)
    assert all(len(p) <= 4096 for p in parts) and "".join(p + "\n" for p in parts).count("line") == 2000
    huge = split_message("x" * 10000)
    assert all(len(p) <= 4096 for p in huge) and sum(map(len, huge)) == 10000


def test_token_checks_never_print_the_token():
    assert read_token({})[1] and "TELEGRAM_BOT_TOKEN" in read_token({})[1]
    assert read_token({"TELEGRAM_BOT_TOKEN": "123:abc"})[0] == "123:abc"
    secret = "not a token at all"
    token, msg = read_token({"TELEGRAM_BOT_TOKEN": secret})
    assert token is None and secret not in msg
    env = {k: v for k, v in os.environ.items() if k != "TELEGRAM_BOT_TOKEN"}
    r = subprocess.run(cli_cmd() + ["telegram"], capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 2 and "TELEGRAM_BOT_TOKEN" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = subprocess.run(cli_cmd() + ["telegram"], capture_output=True, text=True, timeout=60,
                       env={**env, "TELEGRAM_BOT_TOKEN": "s3cr3t-value"})
    assert r.returncode == 2 and "s3cr3t-value" not in r.stderr + r.stdout
    r = subprocess.run(cli_cmd() + ["telegram", "--webhook", "https://example.invalid/hook"], capture_output=True,
                       text=True, timeout=60, env={**env, "TELEGRAM_BOT_TOKEN": "123:abc"})
    assert r.returncode == 2 and "TELEGRAM_WEBHOOK_SECRET" in r.stderr


async def test_poll_answer_arriving_before_its_poll_is_stored_counts(tg, monkeypatch):
    """The answer can reach the bot before add_prompt has stored the poll it answers."""
    storage = tg.storage
    real_add = storage.add_prompt

    async def slow_add(*args, **kwargs):
        await asyncio.sleep(0.5)
        await real_add(*args, **kwargs)

    monkeypatch.setattr(storage, "add_prompt", slow_add)
    tg.stub.command(private_chat(11), ANN, "/quiz")
    polls = await tg.stub.wait_for(lambda s: s.sent("sendPoll"))
    tg.stub.poll_answer("1", ANN, polls[0]["correct_option_ids"][0])  # at once, before it is stored
    await tg.stub.wait_for(lambda s: len(s.sent("sendPoll")) >= 2)
    sess = await storage.active_session("telegram", "11")
    assert sess.answered == 1 and sess.score == 1


def test_split_message_never_leaves_a_tag_unclosed():
    """A first line (bold) longer than a message was cut inside <b>…</b>: Telegram refuses the piece."""
    from telegram_stub import html_problem, visible_text

    text = to_html("KPIs " + "very long title & more " * 300 + "\nbody line\n" + "x " * 3000)
    parts = split_message(text)
    assert len(parts) > 1
    for part in parts:
        assert html_problem(part) is None, part[:80] + " … " + part[-80:]
        assert len(visible_text(part)) <= 4096 and len(part) <= 4096
    assert parts[1].startswith("<b>")  # the bold goes on where it was cut
    tagged = split_message('<a href="https://x.example/?a=1&amp;b=2">' + "link text " * 600 + "</a>", 1000)
    assert all(html_problem(p) is None for p in tagged)


async def test_an_update_that_comes_again_is_not_handled_twice(advisor, tmp_path):
    """Recorded, then the process died before confirming it: Telegram sends it again after the
    restart, while the recorded copy is handled from the inbox."""
    from adapters.telegram_bot import Inbox
    from telegram import Update

    storage = SQLiteStorage(tmp_path / "inbox.sqlite3")
    await storage.open()
    try:
        box = Inbox(Service(advisor, storage), "123456")
        raw = {"update_id": 41, "message": {"message_id": 1, "date": 0, "chat": private_chat(11), "from": ANN, "text": "hi"}}
        assert await box.record([raw]) == [raw]
        assert [u for u, _ in await storage.inbox_pending(box.key)] == [41]
        again = Inbox(box.svc, "123456")  # the next process: the recorded one is handled from the inbox first
        app = types.SimpleNamespace(update_queue=asyncio.Queue(), bot=None)
        await again.replay(app)
        assert app.update_queue.get_nowait().update_id == 41
        assert await again.record([raw, {"update_id": 42, **{k: v for k, v in raw.items() if k != "update_id"}}]) == [
            {"update_id": 41}, {**raw, "update_id": 42}]
        await again.done(Update.de_json({"update_id": 41}, None))  # the blank copy does not mark it done
        assert [u for u, _ in await storage.inbox_pending(box.key)] == [41, 42]
        await again.done(Update.de_json(raw, None))
        assert [u for u, _ in await storage.inbox_pending(box.key)] == [42]
        assert await storage.count_rows_about("telegram", "11") == 2  # ids only once done; forget removes them
        await storage.forget("telegram", "11")
        assert await storage.inbox_pending(box.key) == []
    finally:
        await storage.close()
