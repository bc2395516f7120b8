"""The report that leads to action: clusters with the closest topics and how many people asked,
small talk and taught answers counted apart, open tickets with age and platform, figures per
platform; the HTML page rendered in headless Chromium with every character of its text in a font
the machine has (no missing-glyph boxes: 👍/👎 are drawn, not left to an emoji font)."""
import html.parser
import subprocess

from bot import report
from bot.quizzes import User
from bot.service import Service
from bot.storage import SQLiteStorage
from test_handoff_report import _chromium

T0 = 1_793_491_200.0  # 2026-11-01 00:00 UTC
DAY = 86400.0
ENV = {"TELEGRAM_MODERATOR_CHAT": "-1", "TELEGRAM_MODERATORS": "9", "DISCORD_MODERATOR_CHANNEL": "5",
       "ROLE_ADVISOR_TAUGHT_REFRESH": "0"}


class Clock:
    def __init__(self, t):
        self.t = t

    def __call__(self):
        return self.t


async def _community(advisor, path):
    clock = Clock(T0)
    st = SQLiteStorage(path)
    await st.open()
    svc = Service(advisor, st, clock=clock, env=ENV)
    exam = "is there a certification exam for this?"
    for i in range(3):  # three people, four times, on two platforms
        await svc.ask(User("telegram", f"t{i}"), "dm", exam, chat_id=i)
    await svc.ask(User("discord", "d1"), "g", "is there a certification exam for this", chat_id=7)
    await svc.ask(User("telegram", "t0"), "dm", "hi")
    clock.t = T0 + DAY
    r = await svc.ask(User("discord", "d1"), "g", "What are the KPIs?", chat_id=7)
    await svc.vote(User("discord", "d1"), r.log_id, True)
    r = await svc.ask(User("telegram", "t1"), "dm", "What is the mission?", chat_id=1)
    await svc.vote(User("telegram", "t1"), r.log_id, False)
    await svc.teach(User("telegram", "9"), exam, "role:kpis")
    await svc.save_answer(User("telegram", "9"), "pdf", "It is free at itprofiles.eu.", phrasing="where can i download the ecf pdf?")
    clock.t = T0 + 3 * DAY  # a day with nothing between: the shared axis still shows it
    await svc.ask(User("telegram", "t2"), "dm", exam, chat_id=2)
    await svc.ask(User("discord", "d2"), "g", "where can I download the ecf pdf", chat_id=7)
    return st, clock


async def test_report_figures_that_lead_to_action(advisor, tmp_path):
    st, clock = await _community(advisor, tmp_path / "r.sqlite3")
    r = await report.compute(st, T0 + 4 * DAY, advisor=advisor)
    assert r["questions"] == 8 and r["smalltalk"] == 1 and r["taught"] == 2 and r["community_answers"] == 1
    g = r["unanswered_groups"][0]
    assert g["count"] == 4 and g["people"] == 4 and g["closest"]  # three on Telegram, one on Discord
    assert all(advisor.has_topic(c["topic"]) for c in g["closest"])
    assert [tk["platform"] for tk in r["open_ticket_list"]] == ["telegram"] * 3 + ["discord"]
    assert r["open_ticket_list"][0]["age_seconds"] == 4 * DAY
    assert r["platforms"]["telegram"]["questions"] == 5 and r["platforms"]["discord"]["questions"] == 3
    assert r["platforms"]["discord"]["taught"] == 1 and r["platforms"]["telegram"]["smalltalk"] == 1
    assert r["days_axis"] == ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"]
    assert r["votes_per_day"] == {"2026-11-02": {"up": 1, "down": 1}}
    text = report.to_text(r, "en")
    assert "4× by 4 people" in text and "/teach " + g["closest"][0]["topic"] in text
    assert "Answered through taught questions: 2 (of them community answers: 1)" in text
    assert "Forum activity:" not in text and "Questions asked of the advisor" in text
    assert "#1 · telegram · 4.0 d old" in text and "discord:" in text
    hu = report.to_text(r, "hu")
    assert "4× (4 ember kérdezte)" in hu and "Platformonként" in hu
    await st.close()


class _Text(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.chars, self._skip = set(), 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "script", "title")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script", "title")

    def handle_data(self, data):
        if not self._skip:
            self.chars |= {c for c in data if not c.isspace()}


def _uncovered(chars) -> list[str]:
    """Characters no installed font has (fontconfig, which Chromium on Linux uses to find fonts)."""
    out = []
    for c in sorted(chars):
        r = subprocess.run(["fc-list", f":charset={ord(c):x}", "family"], capture_output=True, text=True, timeout=30)
        if not r.stdout.strip():
            out.append(c)
    return out


async def test_html_report_has_no_missing_glyphs_in_chromium(advisor, tmp_path):
    st, _ = await _community(advisor, tmp_path / "h.sqlite3")
    r = await report.compute(st, T0 + 4 * DAY, advisor=advisor)
    await st.close()
    chrome = _chromium()
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1100,2200"]
    for lang in ("en", "hu"):
        page = tmp_path / f"report-{lang}.html"
        page.write_text(report.to_html(r, lang), encoding="utf-8")
        shot = tmp_path / f"report-{lang}.png"
        done = subprocess.run([chrome, *flags, f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=120)
        assert done.returncode == 0 and shot.exists() and shot.stat().st_size > 20_000
        dom = subprocess.run([chrome, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
        assert dom.returncode == 0
        parser = _Text()
        parser.feed(dom.stdout)
        assert "👍" not in parser.chars and "👎" not in parser.chars
        assert dom.stdout.count('aria-label="thumbs up"') >= 2
        assert not _uncovered(parser.chars), f"characters without a font ({lang}): {_uncovered(parser.chars)}"
    # the check is not vacuous: an emoji is caught when the machine has no emoji font
    if not subprocess.run(["fc-list", ":charset=1f44d", "family"], capture_output=True, text=True).stdout.strip():
        assert _uncovered({"👍"}) == ["👍"]
