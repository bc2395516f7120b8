"""Feedback, hand-off and the community KPI report: a scripted stream of questions, votes and
tickets through both adapters' harnesses gives exactly the expected figures."""
import asyncio
import json
import os
import shutil
import subprocess

import pytest

pytest.importorskip("telegram")
discord = pytest.importorskip("discord")

from adapters.discord_bot import create_bot  # noqa: E402
from bot import report  # noqa: E402
from bot.config import QuizSettings  # noqa: E402
from bot.handoff import HandoffSettings  # noqa: E402
from bot.service import Service  # noqa: E402
from bot.storage import SQLiteStorage  # noqa: E402
from conftest import cli_cmd  # noqa: E402
from telegram_stub import private_chat, user  # noqa: E402
from discord_stub import MODS, FakeDiscord  # noqa: E402
from test_discord import TOKEN, buttons, embed  # noqa: E402
from test_telegram import Harness  # noqa: E402

T0 = 1_793_491_200.0  # 2026-11-01 00:00 UTC
MOD_CHAT = -100999
HOUR, DAY = 3600.0, 86400.0


class Clock:
    def __init__(self, t):
        self.t = t

    def __call__(self):
        return self.t


ANN = user(11, "Ann", "en")
MOD = user(500, "Mia", "en")


@pytest.fixture
async def world(advisor, tmp_path, monkeypatch):
    """A Telegram harness and a Discord bot sharing one database and one clock."""
    clock = Clock(T0)
    db = tmp_path / "shared.sqlite3"
    h = await Harness(advisor, db).start(
        QuizSettings(), clock=clock,
        handoff=HandoffSettings({"telegram": str(MOD_CHAT), "discord": None}, {"telegram": {"500"}, "discord": set()}))

    dstore = SQLiteStorage(db)
    fake = await FakeDiscord().start()
    fake.add_member(77, "Dora")
    fake.add_member(78, "Max")
    with fake.pointed():
        dbot = create_bot(Service(advisor, dstore, QuizSettings(), clock=clock, env={}), env={})
        dbot.service.handoff.settings.places["discord"] = str(MODS)
        dbot._connection.guild_ready_timeout = 0.05
        task = asyncio.create_task(dbot.start(TOKEN))
        await asyncio.wait_for(dbot.wait_until_ready(), 15)
        dbot.fake = fake
        yield clock, h, dbot
        await dbot.close()
        await asyncio.gather(task, return_exceptions=True)
    await fake.stop()
    await h.stop()


async def _answered(fake, iid):
    await fake.wait_for(lambda: fake.interactions[iid]["initial"] is not None)
    await fake.settle(0.1)
    return fake.replies(iid)


async def tg_ask(h, text, n_before):
    h.stub.message(private_chat(11), ANN, text)
    return await h.stub.wait_for(lambda s: len(s.sent(chat_id=11)) > n_before and s.sent(chat_id=11))


async def test_scripted_stream_gives_exact_report(world):
    clock, h, dbot = world
    s = h.stub
    # day 1 on Telegram: two answered, two declined (each opens a ticket)
    await tg_ask(h, "What are the KPIs?", 0)
    await tg_ask(h, "What is the mission?", 1)
    await tg_ask(h, "What is the weather?", 2)
    await s.wait_for(lambda s: s.sent(chat_id=MOD_CHAT))
    await tg_ask(h, "what is the weather today?", 4)
    mod_posts = await s.wait_for(lambda s: len(s.sent(chat_id=MOD_CHAT)) >= 2 and s.sent(chat_id=MOD_CHAT))
    assert "Ticket #1" in mod_posts[0]["text"] and "What is the weather?" in mod_posts[0]["text"]
    asker = s.sent(chat_id=11)
    assert any("ticket #1" in m["text"] for m in asker)
    # votes: 👍 on the KPIs and the mission, 👎 on the first weather answer
    for log_id, up in ((1, 1), (2, 1), (3, 0)):
        s.callback(ANN, f"v:{log_id}:{up}")
    await s.wait_for(lambda s: len(s.sent("answerCallbackQuery")) >= 3)

    # a non-moderator cannot reply; the moderator answers ticket 1 two hours later
    s.command(private_chat(11), ANN, "/reply 1 not me")
    await s.wait_for(lambda s: any("Only the configured moderators" in m["text"] for m in s.sent(chat_id=11)))
    clock.t = T0 + 2 * HOUR
    s.command({"id": MOD_CHAT, "type": "supergroup", "title": "Mods"}, MOD, "/reply 1 Sunny, probably.\nTake a hat.")
    delivered = await s.wait_for(lambda s: [m for m in s.sent(chat_id=11) if "A moderator answered" in m["text"]])
    assert "Sunny, probably.\nTake a hat." in delivered[0]["text"]
    await s.wait_for(lambda s: any("answered and closed" in m["text"] for m in s.sent(chat_id=MOD_CHAT)))
    s.command({"id": MOD_CHAT, "type": "supergroup", "title": "Mods"}, MOD, "/reply 1 again")
    await s.wait_for(lambda s: any("already" in m["text"] for m in s.sent(chat_id=MOD_CHAT)))

    # day 2 on Discord: one answered (voted 👍), one declined (ticket posted to the moderator channel)
    clock.t = T0 + DAY + HOUR
    fake = dbot.fake
    answer = (await _answered(fake, await fake.slash(77, "ask", question="risk management")))[0]
    assert "E.3" in embed(answer)["title"]
    up = next(b for b in buttons(answer) if b.startswith("ra:v:") and b.endswith(":1"))
    await _answered(fake, await fake.press(77, answer, up))
    replies = await _answered(fake, await fake.slash(77, "ask", question="Recommend me a good movie"))
    assert any("ticket #3" in (m["content"] or "") for m in replies)
    posted = (await fake.wait_for(lambda: fake.in_channel(MODS)))[0]["content"]
    assert "Ticket #3" in posted and "Recommend me a good movie" in posted
    # Discord has no configured moderators: nobody there may reply
    refused = (await _answered(fake, await fake.slash(78, "reply", ticket=3, answer="x")))[0]
    assert "Only the configured moderators" in refused["content"]

    now = T0 + 2 * DAY
    r = await report.compute(h.storage, now)
    assert r["questions"] == 6 and r["answered_share"] == 0.5
    assert r["questions_per_day"] == {"2026-11-01": 4, "2026-11-02": 2}
    assert r["answered_share_per_day"] == {"2026-11-01": 0.5, "2026-11-02": 0.5}
    assert (r["votes_up"], r["votes_down"], r["satisfaction"]) == (3, 1, 0.75)
    assert (r["tickets_total"], r["tickets_closed"], r["open_tickets"]) == (3, 1, 2)
    assert r["closure_rate"] == pytest.approx(1 / 3) and r["median_time_to_close_seconds"] == 2 * HOUR
    assert r["open_ticket_oldest_seconds"] == 2 * DAY and r["open_ticket_median_age_seconds"] == pytest.approx(1.5 * DAY - HOUR / 2)
    assert [(g["count"], g["example"]) for g in r["unanswered_groups"]] == [(2, "What is the weather?"), (1, "Recommend me a good movie")]
    text = report.to_text(r, "en")
    assert "Customer satisfaction: 75%" in text and "2 open" in text and "33% (1 of 3)" in text
    hu = report.to_text(r, "hu")
    assert "Ügyfél elégedettség: 75%" in hu
    only_tg = await report.compute(h.storage, now, community="dm", platform="telegram")
    assert only_tg["questions"] == 4

    # moderators see the open tickets; /report gives them the short text
    s.command({"id": MOD_CHAT, "type": "supergroup", "title": "Mods"}, MOD, "/tickets")
    lst = await s.wait_for(lambda s: [m for m in s.sent(chat_id=MOD_CHAT) if "Open tickets" in m["text"]])
    assert "#2" in lst[0]["text"] and "#1" not in lst[0]["text"].split("\n", 1)[1]
    s.command({"id": MOD_CHAT, "type": "supergroup", "title": "Mods"}, MOD, "/report")
    await s.wait_for(lambda s: [m for m in s.sent(chat_id=MOD_CHAT) if "Community KPIs" in m["text"]])


async def test_tickets_survive_restart_and_forget_removes_log_lines(advisor, tmp_path):
    clock = Clock(T0)
    path = tmp_path / "t.sqlite3"
    ho = HandoffSettings({"telegram": "-1", "discord": None}, {"telegram": {"9"}, "discord": set()})
    s1 = SQLiteStorage(path)
    await s1.open()
    svc = Service(advisor, s1, clock=clock, handoff=ho)
    from bot.quizzes import User

    ann = User("telegram", "11", "Ann")
    reply = await svc.ask(ann, "dm", "Tell me a joke", chat_id=11)
    assert reply.ticket is not None and reply.ticket.place == "-1"
    await svc.ask(ann, "dm", "What are the KPIs?", chat_id=11)
    await s1.close()

    s2 = SQLiteStorage(path)
    await s2.open()
    svc2 = Service(advisor, s2, clock=clock, handoff=ho)
    mod = User("telegram", "9", "Mod")
    listing = await svc2.handoff.list_open(mod)
    assert "#1" in listing.text and "Tell me a joke" in listing.text
    assert not (await svc2.handoff.close(User("telegram", "11"), 1)).ok  # not a moderator
    out = await svc2.handoff.close(mod, 1)
    assert out.ok and (await s2.get_ticket(1)).status == "closed"
    assert await s2.count_rows_about("telegram", "11") > 0
    await svc2.forget(ann, "en")
    assert await s2.count_rows_about("telegram", "11") == 0
    assert (await s2.query("SELECT COUNT(*) FROM qa_log"))[0][0] == 0
    await s2.close()


async def test_retention_purges_old_log_lines(advisor, tmp_path):
    clock = Clock(T0)
    st = SQLiteStorage(tmp_path / "r.sqlite3")
    await st.open()
    from bot.quizzes import User

    svc = Service(advisor, st, clock=clock, env={"ROLE_ADVISOR_LOG_RETENTION_DAYS": "30"})
    await svc.ask(User("telegram", "1"), "dm", "What are the KPIs?")
    clock.t = T0 + 31 * DAY
    await svc.ask(User("telegram", "1"), "dm", "What is the mission?")
    await svc.purge_if_due()  # the bots run it at start and hourly (Service.maintain), not per question
    rows = await st.query("SELECT question FROM qa_log")
    assert rows == [("What is the mission?",)]
    await st.close()


def test_report_cli_formats(tmp_path):
    env = {**os.environ, "ROLE_ADVISOR_DATA_DIR": str(tmp_path)}
    j = subprocess.run(cli_cmd() + ["report", "--format", "json"], capture_output=True, text=True, timeout=60, env=env)
    assert j.returncode == 0, j.stderr
    data = json.loads(j.stdout)
    assert data["questions"] == 0 and data["satisfaction"] is None
    txt = subprocess.run(cli_cmd() + ["report", "--lang", "hu", "--since", "2026-11-01"], capture_output=True, text=True,
                         timeout=60, env=env)
    assert txt.returncode == 0 and "A közösség KPI-jai" in txt.stdout and "2026-11-01 óta" in txt.stdout
    bad = subprocess.run(cli_cmd() + ["report", "--since", "yesterday"], capture_output=True, text=True, timeout=60, env=env)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise AssertionError("headless Chromium is needed for this test: apt-get install chromium (make test does as root)")


async def test_html_report_renders_charts_in_headless_chromium(advisor, tmp_path):
    clock = Clock(T0)
    st = SQLiteStorage(tmp_path / "h.sqlite3")
    await st.open()
    from bot.quizzes import User

    svc = Service(advisor, st, clock=clock, env={})
    for day in range(3):
        clock.t = T0 + day * DAY
        for q in ("What are the KPIs?", "<script>alert(1)</script> weather?", "b11"):
            r = await svc.ask(User("discord", str(day)), "g1", q)
            await svc.vote(User("discord", str(day)), r.log_id, day != 1)
    r = await report.compute(st, T0 + 3 * DAY)
    await st.close()
    page = tmp_path / "report.html"
    page.write_text(report.to_html(r, "en"), encoding="utf-8")
    assert "<script>alert" not in page.read_text(encoding="utf-8")
    shot = tmp_path / "report.png"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--window-size=900,1400"]
    chrome = _chromium()
    done = subprocess.run([chrome, *flags, f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120)
    assert done.returncode == 0 and shot.exists() and shot.stat().st_size > 10_000
    dom = subprocess.run([chrome, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0
    # four charts on one date axis: questions, answered share, votes (up and down bars), satisfaction
    assert dom.stdout.count('<figure class="chart">') == 4 and dom.stdout.count('class="bar"') == 3 + 3 + 2 * 3 + 3
    assert dom.stdout.count('class="value"') == 15  # every bar's value written (a day's 0 down votes too)
    assert "Questions per day" in dom.stdout and "Satisfaction per day" in dom.stdout and "Votes per day" in dom.stdout


async def test_ask_a_moderator_pressed_many_times_is_one_ticket(world):
    """200 presses of "ask a moderator" under one answer made 200 tickets and 200 posts; now one
    ticket, one post, and the presser's rate limit (in the core) stops the replies after a burst,
    every press still acknowledged and the first refused one told why."""
    clock, h, dbot = world
    s = h.stub
    await tg_ask(h, "What are the KPIs?", 0)  # answered: its keyboard has the "ask a moderator" button
    for _ in range(40):
        s.callback(ANN, "h:1")
    await s.wait_for(lambda s: len(s.sent("answerCallbackQuery")) >= 40, timeout=30)
    await asyncio.sleep(0.3)
    assert len(s.sent(chat_id=MOD_CHAT)) == 1
    assert (await h.storage.query("SELECT COUNT(*) FROM tickets"))[0][0] == 1
    told = [m for m in s.sent(chat_id=11) if "ticket #1" in m["text"]]
    assert 1 <= len(told) <= 8  # the burst, then nothing more in the chat
    assert sum("already" in m["text"] for m in told) == len(told) - 1
    notices = [c for c in s.sent("answerCallbackQuery") if "wait" in (c.get("text") or "")]
    assert len(notices) == 1
