"""The real `role-advisor telegram` process (its main(), logging and signal handling) against the
stand-in Bot API (tests/telegram_stub.py), which answers Telegram's real errors. One test per thing a
busy group hit (issue 14): mentions after emoji, the question's language on buttons, edits, deleted
questions, one chat's flood wait, someone else's /forget, forum topics, an update the library cannot
parse, a token revoked and restored, and updates acknowledged before a crash. Every address is
127.0.0.1."""
import os
import re
import signal
import subprocess
import time

import pytest

pytest.importorskip("telegram", reason="the telegram extra is part of the dev install")

from conftest import cli_cmd  # noqa: E402
from telegram_stub import BOT, ThreadedStub, group_chat, private_chat, user  # noqa: E402

TOKEN = "123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr"
MOD_CHAT = -100999
MODERATOR = user(77, "Mona", "en")
LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (DEBUG|INFO|WARNING|ERROR|CRITICAL) \S+: ")


def _env(stub, tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DISCORD_", "ROLE_ADVISOR_DATABASE"))}
    env.update(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=stub.api.base_url, ROLE_ADVISOR_DATA_DIR=str(tmp_path),
               TELEGRAM_MODERATOR_CHAT=str(MOD_CHAT), TELEGRAM_MODERATORS="77", NO_PROXY="127.0.0.1", no_proxy="127.0.0.1")
    env.update(extra)
    return env


class Bot:
    """One `role-advisor telegram` process; its stderr goes to a file (read with :meth:`log`)."""

    def __init__(self, stub, tmp_path, **env):
        self.stub = stub
        self.err_path = tmp_path / f"stderr-{time.monotonic_ns()}.log"
        self._err = open(self.err_path, "w")
        n, polls = len(stub.api.sent("setMyCommands")), len(stub.api.offsets)
        self.p = subprocess.Popen(cli_cmd() + ["telegram"], env=_env(stub, tmp_path, **env), stdout=subprocess.PIPE,
                                  stderr=self._err, text=True)
        stub.wait_for(lambda s: len(s.sent("setMyCommands")) >= n + 4 and len(s.offsets) > polls, timeout=60)

    def log(self) -> str:
        return self.err_path.read_text()

    def stop(self, sig=signal.SIGTERM, timeout: float = 10.0) -> tuple[int, float]:
        sent = time.monotonic()
        self.p.send_signal(sig)
        try:
            self.p.wait(timeout)
        finally:
            if self.p.poll() is None:
                self.p.kill()
                self.p.wait()
            self._err.close()
        return self.p.returncode, time.monotonic() - sent


@pytest.fixture
def stub():
    s = ThreadedStub(token=TOKEN)
    yield s
    s.close()


@pytest.fixture
def bot(stub, tmp_path):
    b = Bot(stub, tmp_path)
    yield b
    if b.p.poll() is None:
        code, took = b.stop()
        assert code == 0 and took < 5, (code, took, b.log())
    log = b.log()
    assert TOKEN not in log and TOKEN.split(":")[1] not in log
    assert "Traceback" not in log, log
    assert all(LINE.match(line) for line in log.splitlines() if line.strip()), log


def _mention(text: str) -> list[dict]:
    """A mention entity of the bot in ``text``, its offset and length in UTF-16 code units as Telegram sends them."""
    at = f"@{BOT['username']}"
    start = text.index(at)
    return [{"type": "mention", "offset": len(text[:start].encode("utf-16-le")) // 2, "length": len(at)}]


def _texts(api, chat_id) -> list[str]:
    return [m["text"] for m in api.sent(chat_id=chat_id)]


# -- 1. an emoji before the mention -------------------------------------------------------------------
def test_an_emoji_before_the_mention_leaves_the_question_whole(stub, bot):
    g = group_chat(-100601)
    text = f"🙏🙏🙏🙏🙏🙏 @{BOT['username']} KPIs?"  # cut in Python indexes: "🙏🙏🙏🙏🙏🙏 @advis"
    stub.call(stub.api.message, g, user(601, "Ann"), text, entities=_mention(text))
    got = stub.wait_for(lambda s: s.sent(chat_id=g["id"]))
    assert "Customer satisfaction" in got[0]["text"], got[0]["text"]


# -- 2. the question's language on "did you mean" -------------------------------------------------------
def test_did_you_mean_answers_in_the_questions_language_not_the_clients(stub, bot):
    ann = user(602, "Ann", "en")  # an English client asking in Hungarian
    stub.call(stub.api.message, private_chat(602), ann, "Mely kompetenciákhoz kell a B11 és az M01?")
    first = stub.wait_for(lambda s: s.sent(chat_id=602))[0]
    data = [b["callback_data"] for row in first["reply_markup"]["inline_keyboard"] for b in row if b.get("callback_data", "").startswith("t:")]
    assert data == ["t:hu:skill:M01"]
    stub.call(stub.api.callback, ann, data[0])
    second = stub.wait_for(lambda s: len(s.sent(chat_id=602)) >= 2 and s.sent(chat_id=602))[1]
    assert "M01" in second["text"] and "kompetenci" in second["text"].lower(), second["text"]
    assert "competence" not in second["text"].lower()


# -- 3. edits ----------------------------------------------------------------------------------------
def test_an_edited_question_is_not_answered_again(stub, bot):
    g = group_chat(-100603)
    text = f"@{BOT['username']} what are the KPIs"
    stub.call(stub.api.message, private_chat(603), user(603), "What are the KPIs")
    stub.call(stub.api.message, g, user(603), text, entities=_mention(text))
    stub.wait_for(lambda s: s.sent(chat_id=603) and s.sent(chat_id=g["id"]))
    for chat in (private_chat(603), g):
        edited = {"message_id": 5, "date": 0, "edit_date": 1, "chat": chat, "from": user(603), "text": text + "?",
                  "entities": _mention(text)}
        stub.call(stub.api.push, edited_message=edited)
    stub.settle()
    assert len(stub.api.sent(chat_id=603)) == 1 and len(stub.api.sent(chat_id=g["id"])) == 1


# -- 4. a deleted question ---------------------------------------------------------------------------
def test_the_answer_arrives_when_the_question_was_deleted_first(stub, bot):
    g = group_chat(-100604)
    text = f"@{BOT['username']} what is the mission?"

    def ask_then_delete():
        stub.api.message(g, user(604), text, entities=_mention(text))
        stub.api.deleted.add(stub.api.pending[-1]["message"]["message_id"])

    stub.call(ask_then_delete)
    got = stub.wait_for(lambda s: [p for m, p in s.delivered if str(p.get("chat_id")) == str(g["id"])])
    assert "Mission" in got[0]["text"] and got[0]["reply_parameters"]["allow_sending_without_reply"] is True
    assert not [e for e in stub.api.errors if e[1] == 400]


# -- 5. one chat's flood wait ------------------------------------------------------------------------
def test_a_group_in_flood_wait_does_not_delay_a_direct_message(stub, bot):
    g = group_chat(-100605)
    stub.call(stub.api.hold_chat, g["id"], 8)
    for i in range(20):  # more questions than the bot handles at once
        text = f"@{BOT['username']} what are the KPIs? {i}"
        stub.call(stub.api.message, g, user(6050 + i), text, entities=_mention(text))
    stub.wait_for(lambda s: any(m == "429" for m, _ in s.calls))
    asked = time.monotonic()
    stub.call(stub.api.message, private_chat(606), user(606), "What is the mission?")
    stub.wait_for(lambda s: [p for m, p in s.delivered if str(p.get("chat_id")) == "606"], timeout=30)
    took = time.monotonic() - asked
    assert took < 4.0, took  # near-immediate, not after the group's 8 s
    group = stub.wait_for(lambda s: [p for m, p in s.delivered if str(p.get("chat_id")) == str(g["id"])], timeout=60)
    assert group  # the group is answered once its wait is over


# -- 6. someone else's /forget -------------------------------------------------------------------------
def test_only_the_requester_can_confirm_forget_in_a_group(stub, bot, tmp_path):
    g = group_chat(-100606)
    ann, eve = user(6061, "Ann"), user(6062, "Eve")
    stub.call(stub.api.message, private_chat(6061), ann, "What are the KPIs?")  # Ann has a logged question
    stub.wait_for(lambda s: s.sent(chat_id=6061))
    stub.call(stub.api.command, g, ann, "/forget")
    prompt = stub.wait_for(lambda s: s.sent(chat_id=g["id"]))[0]
    yes = prompt["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    assert yes == "f:yes:6061"
    stub.call(stub.api.callback, eve, yes, chat=g)
    refusal = stub.wait_for(lambda s: s.sent("answerCallbackQuery"))[0]
    assert "/forget" in refusal["text"] and refusal["show_alert"] is True
    assert stub.api.sent("editMessageText") == []
    stub.call(stub.api.callback, ann, yes, chat=g)
    done = stub.wait_for(lambda s: s.sent("editMessageText"))[0]
    assert "Deleted" in done["text"] or "deleted" in done["text"], done["text"]


# -- 7. forum topics -----------------------------------------------------------------------------------
def test_forum_topics_keep_replies_notices_and_moderator_answers_in_the_topic(stub, bot):
    forum = {"id": -100607, "type": "supergroup", "title": "Forum", "is_forum": True}
    ann = user(607, "Ann", "en", last_name="Smith")
    topic = {"message_thread_id": 7, "is_topic_message": True}
    text = f"@{BOT['username']} what are the KPIs?"
    stub.call(stub.api.message, forum, ann, text, entities=_mention(text), **topic)
    answer = stub.wait_for(lambda s: s.sent(chat_id=forum["id"]))[0]
    assert answer["message_thread_id"] == 7
    handoff = [b["callback_data"] for row in answer["reply_markup"]["inline_keyboard"] for b in row
               if b.get("callback_data", "").startswith("h:")][0]
    stub.call(stub.api.callback, ann, handoff, chat=forum, **topic)
    notice = stub.wait_for(lambda s: len(s.sent(chat_id=forum["id"])) >= 2 and s.sent(chat_id=forum["id"]))[1]
    assert notice["message_thread_id"] == 7 and "#" in notice["text"]
    ticket = re.search(r"#(\d+)", notice["text"]).group(1)
    stub.call(stub.api.command, group_chat(MOD_CHAT, "Mods"), MODERATOR, "/tickets")
    listing = stub.wait_for(lambda s: [m for m in s.sent(chat_id=MOD_CHAT) if "Open tickets" in m["text"]])[0]
    assert "Ann Smith" in listing["text"] and " 607 " not in listing["text"]
    stub.call(stub.api.command, group_chat(MOD_CHAT, "Mods"), MODERATOR, f"/reply {ticket} Look at the KPI list.")
    delivered = stub.wait_for(lambda s: len(s.sent(chat_id=forum["id"])) >= 3 and s.sent(chat_id=forum["id"]))[2]
    assert delivered["message_thread_id"] == 7
    assert '<a href="tg://user?id=607">Ann Smith</a>' in delivered["text"] and "Look at the KPI list." in delivered["text"]
    for command in ("/help", "/leaderboard", "/quiz"):  # commands asked in a topic are answered there too
        n = len(stub.api.sent(chat_id=forum["id"]))
        stub.call(stub.api.message, forum, ann, command, entities=[{"type": "bot_command", "offset": 0, "length": len(command)}],
                  **topic)
        reply = stub.wait_for(lambda s, n=n: len(s.sent(chat_id=forum["id"])) > n and s.sent(chat_id=forum["id"]))[n]
        assert reply.get("message_thread_id") == 7, (command, reply)


# -- 8. an update the library cannot parse ---------------------------------------------------------------
def test_an_unparseable_update_is_skipped_and_logged_once(stub, bot):
    stub.call(stub.api.push, message={"message_id": 1, "date": 0, "chat": "not a chat", "from": user(608)})
    stub.call(stub.api.message, private_chat(608), user(608), "What is the mission?")
    stub.wait_for(lambda s: s.sent(chat_id=608))
    time.sleep(1.0)
    log = bot.log()
    assert log.count("cannot be parsed") == 1, log
    assert len(log) < 20_000
    assert len(stub.api.offsets) < 50  # not thousands of getUpdates for the same batch


def test_a_poll_answer_from_an_older_bot_api_server_still_counts(stub, bot):
    """Servers before Bot API 9.6 send no option_persistent_ids: PTB 22.8 cannot parse the answer."""
    ann = user(609, "Ann")
    stub.call(stub.api.command, private_chat(609), ann, "/quiz")
    poll = stub.wait_for(lambda s: s.sent("sendPoll", chat_id=609))[0]
    stub.call(stub.api.push, poll_answer={"poll_id": "1", "user": ann, "option_ids": [poll["correct_option_ids"][0]]})
    stub.wait_for(lambda s: len(s.sent("sendPoll", chat_id=609)) >= 2)
    assert "cannot be parsed" not in bot.log()


# -- 9. a token revoked and restored ---------------------------------------------------------------------
def test_polling_recovers_after_the_token_is_revoked_and_restored(stub, bot):
    stub.api.revoked = True
    stub.wait_for(lambda s: "refuses the token" in bot.log(), timeout=30)
    time.sleep(2.0)
    assert bot.p.poll() is None
    stub.api.revoked = False
    stub.call(stub.api.message, private_chat(610), user(610), "What is the mission?")
    stub.wait_for(lambda s: s.sent(chat_id=610), timeout=40)
    log = bot.log()
    assert log.count("refuses the token") == 1 and "polling resumed" in log


def test_sigterm_while_the_token_is_refused_exits_cleanly(stub, bot):
    stub.api.revoked = True
    stub.wait_for(lambda s: "refuses the token" in bot.log(), timeout=30)
    code, took = bot.stop()
    log = bot.log()
    assert code == 0 and took < 5, (code, took, log)
    assert "refused to start" not in log and "Traceback" not in log and "stopping (signal received)" in log


# -- 10. updates acknowledged before a crash ----------------------------------------------------------------
def _answers(tmp_path) -> int:
    import sqlite3

    db = sqlite3.connect(tmp_path / "role-advisor.sqlite3", timeout=10)
    try:
        return db.execute("SELECT COUNT(*) FROM quiz_answers").fetchone()[0]
    finally:
        db.close()


def test_updates_acknowledged_before_a_crash_are_handled_after_the_restart(tmp_path):
    """SIGKILL while 60 quiz answers arrive: Telegram counts all 60 as delivered (the next getUpdates
    offset is past them), so the restarted bot must still score every one."""
    stub = ThreadedStub(token=TOKEN, latency=0.05)
    try:
        first = Bot(stub, tmp_path)
        users = [user(7000 + i, f"U{i}") for i in range(60)]
        for u in users:
            stub.call(stub.api.command, private_chat(u["id"]), u, "/quiz")
        stub.wait_for(lambda s: len(s.polls) >= 60, timeout=120)
        time.sleep(0.5)  # every poll's record stored
        by_chat = {int(p["chat_id"]): (pid, p["correct_option_ids"][0]) for pid, p in stub.api.polls.items()}

        def answer_all():
            return [stub.api.poll_answer(by_chat[u["id"]][0], u, by_chat[u["id"]][1]) for u in users]

        ids = stub.call(answer_all)
        stub.wait_for(lambda s: s.offsets[-1] > ids[-1], timeout=30)  # acknowledged to "Telegram"
        first.p.kill()
        first.p.wait(10)
        first._err.close()
        before = _answers(tmp_path)
        assert before < 60  # the crash came before they were all handled (else this test proves nothing)
        second = Bot(stub, tmp_path)
        deadline = time.monotonic() + 60
        while _answers(tmp_path) < 60 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _answers(tmp_path) == 60, (before, second.log())
        assert "handling" in second.log() and "updates received before the last stop" in second.log()
        code, _ = second.stop()
        assert code == 0
    finally:
        stub.close()


# -- 11. the minor items -------------------------------------------------------------------------------------
def _quiz_through(stub, chat_id, frm, start: str) -> str:
    """Start a quiz with ``start`` and answer every poll right; returns the final message."""
    n0 = len(stub.api.sent("sendPoll", chat_id=chat_id))
    stub.call(stub.api.command, private_chat(chat_id), frm, start)
    answered = 0
    while True:
        def progress(s):
            done = [m for m in s.sent(chat_id=chat_id) if "Quiz finished" in m["text"] or "Onboarding" in m["text"] and "passed" in m["text"]]
            polls = s.sent("sendPoll", chat_id=chat_id)[n0:]
            return ("done", done[-1]["text"]) if done else (("poll", polls[answered]) if len(polls) > answered else None)

        kind, value = stub.wait_for(progress)
        if kind == "done":
            return value
        pid = next(pid for pid, p in stub.api.polls.items() if p is value)
        stub.call(stub.api.poll_answer, pid, frm, value["correct_option_ids"][0])
        answered += 1


def test_a_poll_of_an_earlier_quiz_says_so_while_another_runs(stub, bot):
    ann = user(611, "Ann")
    stub.call(stub.api.command, private_chat(611), ann, "/quiz")
    stub.wait_for(lambda s: s.sent("sendPoll", chat_id=611))
    old = next(pid for pid, p in stub.api.polls.items() if str(p["chat_id"]) == "611")
    stub.call(stub.api.command, private_chat(611), ann, "/quiz")  # a new quiz replaces it
    stub.wait_for(lambda s: len(s.sent("sendPoll", chat_id=611)) >= 2)
    stub.call(stub.api.poll_answer, old, ann, 0)
    said = stub.wait_for(lambda s: [m["text"] for m in s.sent(chat_id=611) if "earlier quiz" in m["text"]])
    assert "no quiz running" not in " ".join(_texts(stub.api, 611)).lower(), said


def test_a_member_who_passed_onboarding_is_welcomed_back_without_the_quiz(stub, bot):
    g = group_chat(-100612)
    ann = user(612, "Ann")
    stub.call(stub.api.push, message={"message_id": 1, "date": 0, "chat": g, "from": ann, "new_chat_members": [ann]})
    welcome = stub.wait_for(lambda s: s.sent(chat_id=g["id"]))[0]
    link = welcome["reply_markup"]["inline_keyboard"][0][0]["url"]
    final = _quiz_through(stub, 612, ann, "/start " + link.split("start=")[1])
    assert "passed" in final.lower(), final
    stub.call(stub.api.push, message={"message_id": 2, "date": 0, "chat": g, "from": ann, "new_chat_members": [ann]})
    again = stub.wait_for(lambda s: len(s.sent(chat_id=g["id"])) >= 2 and s.sent(chat_id=g["id"]))[1]
    assert "Welcome back, Ann" in again["text"] and "reply_markup" not in again, again


def test_the_bot_does_not_welcome_itself(stub, bot):
    g = group_chat(-100613)
    stub.call(stub.api.push, message={"message_id": 1, "date": 0, "chat": g, "from": user(613), "new_chat_members": [BOT]})
    stub.call(stub.api.command, private_chat(613), user(613), "/help")
    stub.wait_for(lambda s: s.sent(chat_id=613))
    stub.settle()
    assert stub.api.sent(chat_id=g["id"]) == []


def test_inline_results_are_personal(stub, bot):
    stub.call(stub.api.inline, user(614, "Béla", "hu"), "kockázatkezelés")
    res = stub.wait_for(lambda s: s.sent("answerInlineQuery"))[0]
    assert res["is_personal"] is True and res["results"]


def test_photo_captions_addressed_to_the_bot_are_answered(stub, bot):
    g = group_chat(-100615)
    photo = [{"file_id": "f", "file_unique_id": "u", "width": 10, "height": 10}]
    caption = f"📷 @{BOT['username']} what are the KPIs?"
    stub.call(stub.api.push, message={"message_id": 1, "date": 0, "chat": g, "from": user(615), "photo": photo,
                                      "caption": caption, "caption_entities": _mention(caption)})
    stub.call(stub.api.push, message={"message_id": 2, "date": 0, "chat": private_chat(616), "from": user(616),
                                      "photo": photo, "caption": "What is the mission?"})
    stub.call(stub.api.push, message={"message_id": 3, "date": 0, "chat": g, "from": user(617), "photo": photo,
                                      "caption": "our meetup, what are the KPIs?"})  # not addressed: silence
    group = stub.wait_for(lambda s: s.sent(chat_id=g["id"]))
    dm = stub.wait_for(lambda s: s.sent(chat_id=616))
    assert "Customer satisfaction" in group[0]["text"] and "Mission" in dm[0]["text"]
    stub.settle()
    assert len(stub.api.sent(chat_id=g["id"])) == 1


def test_unknown_commands_are_answered_in_private_and_in_groups_when_they_name_the_bot(stub, bot):
    stub.call(stub.api.command, private_chat(618), user(618, "Béla", "hu"), "/foo")
    stub.call(stub.api.command, group_chat(-100618), user(618), "/foo")  # perhaps another bot's: silence
    dm = stub.wait_for(lambda s: s.sent(chat_id=618))[0]
    assert "Ezt a parancsot nem ismerem" in dm["text"] and "/help" in dm["text"]
    stub.settle()
    assert stub.api.sent(chat_id=-100618) == []
    stub.call(stub.api.command, group_chat(-100618), user(618, "Béla", "hu"), f"/foo@{BOT['username']}")
    reply = stub.wait_for(lambda s: s.sent(chat_id=-100618))[0]
    assert "Ezt a parancsot nem ismerem" in reply["text"] and reply["reply_parameters"]["message_id"]  # a reply
    stub.call(stub.api.command, group_chat(-100618), user(618), "/foo@some_other_bot")
    stub.settle()
    assert len(stub.api.sent(chat_id=-100618)) == 1


def test_a_user_who_blocked_the_bot_does_not_stop_it(stub, bot):
    """403 "bot was blocked by the user": one log line, the others are still answered; a moderator's
    answer that cannot be delivered leaves the ticket open and says so."""
    stub.api.blocked.add(619)
    stub.call(stub.api.message, private_chat(619), user(619), "What is the mission?")
    stub.wait_for(lambda s: [e for e in s.errors if e[1] == 403])
    stub.call(stub.api.message, private_chat(620), user(620), "What is the mission?")
    stub.wait_for(lambda s: s.sent(chat_id=620))
    stub.api.blocked.discard(619)
    stub.call(stub.api.message, private_chat(619), user(619), "What are the KPIs?")
    ans = stub.wait_for(lambda s: [p for m, p in s.delivered if str(p.get("chat_id")) == "619"])[0]
    handoff = [b["callback_data"] for row in ans["reply_markup"]["inline_keyboard"] for b in row
               if b.get("callback_data", "").startswith("h:")][0]
    stub.call(stub.api.callback, user(619), handoff)
    notice = stub.wait_for(lambda s: [m for m in s.sent(chat_id=619) if "#" in m["text"]])[0]
    ticket = re.search(r"#(\d+)", notice["text"]).group(1)
    stub.api.blocked.add(619)
    stub.call(stub.api.command, group_chat(MOD_CHAT, "Mods"), MODERATOR, f"/reply {ticket} Here you go.")
    said = stub.wait_for(lambda s: [m["text"] for m in s.sent(chat_id=MOD_CHAT) if f"#{ticket}" in m["text"]
                                    and "could not be delivered" in m["text"]])
    assert said
    assert bot.p.poll() is None
    assert "Forbidden" in bot.log() and "Traceback" not in bot.log()


def test_flood_waits_per_chat_drop_nothing_from_a_busy_group(stub, bot):
    """Telegram's per-chat limit modelled (3 messages per 2 s in one chat): a burst of mentions in one
    group is answered in full, every 429 waited out for that chat only."""
    stub.api.chat_limit = (3, 2.0)
    g = group_chat(-100621)
    for i in range(8):
        text = f"@{BOT['username']} what are the KPIs? {i}"
        stub.call(stub.api.message, g, user(6210 + i), text, entities=_mention(text))
    stub.wait_for(lambda s: len([p for m, p in s.delivered if str(p.get("chat_id")) == str(g["id"])]) >= 8, timeout=60)
    assert any(m == "429" for m, _ in stub.api.calls)
    assert "message dropped" not in bot.log()


# -- webhook mode ----------------------------------------------------------------------------------------------
def test_webhook_mode_refuses_requests_without_the_secret(stub, tmp_path):
    import json
    import socket
    import urllib.error
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    err = open(tmp_path / "webhook.log", "w")
    env = _env(stub, tmp_path, TELEGRAM_WEBHOOK_SECRET="hook-Secret_123")
    p = subprocess.Popen(cli_cmd() + ["telegram", "--webhook", f"http://127.0.0.1:{port}/telegram", "--listen", "127.0.0.1",
                                      "--port", str(port), "--url-path", "telegram"],
                         env=env, stdout=subprocess.PIPE, stderr=err, text=True)
    try:
        hook = stub.wait_for(lambda s: s.sent("setWebhook"), timeout=60)[0]
        assert hook["secret_token"] == "hook-Secret_123"
        update = {"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": private_chat(622), "from": user(622),
                                              "text": "What is the mission?"}}

        def post(secret):
            headers = {"Content-Type": "application/json"}
            if secret is not None:
                headers["X-Telegram-Bot-Api-Secret-Token"] = secret
            req = urllib.request.Request(f"http://127.0.0.1:{port}/telegram", json.dumps(update).encode(), headers)
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            try:
                deadline = time.monotonic() + 30
                while True:
                    try:
                        return opener.open(req, timeout=10).status
                    except urllib.error.URLError as exc:
                        if isinstance(exc, urllib.error.HTTPError) or time.monotonic() > deadline:
                            raise
                        time.sleep(0.1)  # the server is starting
            except urllib.error.HTTPError as exc:
                return exc.code

        assert post(None) == 403 and post("wrong") == 403
        assert stub.api.sent(chat_id=622) == []
        assert post("hook-Secret_123") == 200
        stub.wait_for(lambda s: s.sent(chat_id=622))
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(10)
        err.close()
    assert p.returncode == 0


def test_small_talk_is_answered_and_never_a_ticket(stub, bot):
    for i, text in enumerate(["hi!", "thanks a lot", "köszi", "szia"]):
        stub.call(stub.api.message, private_chat(623 + i), user(623 + i), text)
    stub.wait_for(lambda s: all(s.sent(chat_id=623 + i) for i in range(4)))
    stub.settle()
    assert stub.api.sent(chat_id=MOD_CHAT) == []
    assert not [t for i in range(4) for t in _texts(stub.api, 623 + i) if "#" in t]


def test_a_spammers_replies_within_the_limit_are_not_dropped_by_the_per_chat_flood_limit(stub, bot):
    """150 × /help from one user got 150 replies, and with Telegram's per-chat limit modelled 20 were
    dropped after three retries: now the core's limit answers the burst and one notice, and the
    per-chat flood waits are waited out for that chat alone, so none of those is dropped."""
    stub.api.chat_limit = (3, 2.0)
    for _ in range(150):
        stub.call(stub.api.command, private_chat(624), user(624, "Spam"), "/help")
    stub.call(stub.api.message, private_chat(625), user(625, "Calm"), "What are the KPIs?")
    stub.wait_for(lambda s: [p for m, p in s.delivered if str(p.get("chat_id")) == "625"], timeout=10)
    stub.wait_for(lambda s: [p for m, p in s.delivered if str(p.get("chat_id")) == "624" and "quickly" in p["text"]],
                  timeout=60)
    stub.settle(3.0)  # longer than a flood wait of this chat
    spam = [p for m, p in stub.api.delivered if str(p.get("chat_id")) == "624"]
    assert 1 < len(spam) <= 14 and sum("quickly" in p["text"] for p in spam) == 1, len(spam)  # the burst, a refill, one notice
    assert any(m == "429" for m, _ in stub.api.calls) and "message dropped" not in bot.log()


def test_sigterm_during_a_long_flood_wait_is_prompt_and_the_reply_comes_after_the_restart(stub, tmp_path):
    """A group's 30-second flood wait kept SIGTERM waiting for it (a container is killed after 10 s):
    the reply is given up at once and, still in the inbox, sent after the restart."""
    first = Bot(stub, tmp_path)
    g = group_chat(-100626)
    stub.call(stub.api.hold_chat, g["id"], 30)
    text = f"@{BOT['username']} what are the KPIs?"
    stub.call(stub.api.message, g, user(626), text, entities=_mention(text))
    stub.wait_for(lambda s: any(m == "429" for m, _ in s.calls))
    code, took = first.stop()
    assert code == 0 and took < 5, (code, took, first.log())
    assert "Traceback" not in first.log()
    stub.api.held.clear()  # the wait is over by the time the bot is back
    second = Bot(stub, tmp_path)
    got = stub.wait_for(lambda s: [p for m, p in s.delivered if str(p.get("chat_id")) == str(g["id"])], timeout=30)
    assert "Customer satisfaction" in got[0]["text"]
    code, _ = second.stop()
    assert code == 0
