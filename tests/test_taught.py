"""The community teaches the advisor: taught phrasings and community answers in the core, on SQLite
and PostgreSQL, picked up by a second instance sharing the database; rights; the property that a
taught phrasing does not take unrelated questions."""
import json
import pathlib

import pytest

from bot.i18n import t

from bot.quizzes import User
from bot.service import Service
from bot.storage import PostgresStorage, SQLiteStorage
from bot.taught import Taught, normal

ENV = {"TELEGRAM_MODERATOR_CHAT": "-100", "TELEGRAM_MODERATORS": "9", "ROLE_ADVISOR_TAUGHT_REFRESH": "0"}
MOD = User("telegram", "9", "Mia")
ANN = User("telegram", "1", "Ann")
BEN = User("telegram", "2", "Ben")
SHARED = pathlib.Path(__file__).resolve().parents[2] / "shared" / "eval"


async def _second(store):
    """Another store on the same database: a second instance."""
    other = SQLiteStorage(store.path) if isinstance(store, SQLiteStorage) else PostgresStorage(store.url)
    await other.open()
    return other


async def test_teach_from_ticket_reaches_a_second_instance(store, advisor):
    one = Service(advisor, store, env=ENV)
    store2 = await _second(store)
    try:
        two = Service(advisor, store2, env=ENV)
        r = await two.ask(ANN, "dm", "is there a certification exam for this?", chat_id=1)
        assert not r.answer.answered and r.ticket is not None
        out = await one.teach(MOD, r.ticket.id, None)  # no topic: the closest ones are offered
        assert not out.ok and out.suggestions and all(tp in out.text for tp in out.suggestions)
        out = await one.teach(MOD, r.ticket.id, "role:kpis")
        assert out.ok, out.text
        assert out.deliver and "KPI" in out.deliver  # the asker gets the topic's answer
        for q in ("is there a certification exam for this?", "Is there a certifcation exam for ths??",
                  "is there certification exams for this"):
            a = await two.ask(BEN, "dm", q, chat_id=2)
            assert a.answer.answered and a.answer.topic == "role:kpis", q
        rows = await store.query("SELECT source FROM qa_log WHERE user_id = '2'")
        assert {r[0] for r in rows} == {"taught"}
        # the asker's id is not in the taught row; the moderator's is, as author
        (row,) = await store.query("SELECT phrasing, author FROM taught_phrasings")
        assert row[1] == "telegram:9" and "1" not in row[1].split(":")[1:]
        # listed and removed
        listing = await two.taught_list(MOD)
        assert "certification" in listing.text and "role:kpis" in listing.text
        tid = int(listing.text.split("\n")[1].split()[0].lstrip("#"))
        assert (await two.untaught(MOD, tid)).ok
        a = await one.ask(BEN, "dm", "is there a certification exam for this?", chat_id=2)
        assert not a.answer.answered
    finally:
        await store2.close()


async def test_free_text_teaching_and_accents_and_suffixes(store, advisor):
    svc = Service(advisor, store, env=ENV)
    out = await svc.teach(MOD, "hol tudom letölteni az ecf pdf-et?", "role:summary")
    assert out.ok
    for q in ("hol tudom letolteni az ecf pdf-et", "Hol tudom letölteni az eCF PDF-et??", "hol tudnám letölteni az ecf pdf-et"):
        a = await svc.ask(ANN, "dm", q)
        assert a.answer.topic == "role:summary" and a.answer.lang == "hu", q


async def test_community_answer_saved_from_a_reply(store, advisor):
    one = Service(advisor, store, env=ENV)
    store2 = await _second(store)
    try:
        two = Service(advisor, store2, env=ENV)
        r = await one.ask(ANN, "dm", "where can i download the ecf pdf?", chat_id=1)
        assert r.ticket is not None
        out = await one.handoff.reply(MOD, r.ticket.id, "--save It is free at itprofiles.eu, under Downloads.")
        assert out.ok and "faq:1" in out.text
        assert "--save" not in out.deliver and "itprofiles.eu" in out.deliver
        assert "faq:1" in await one.handoff.delivered(r.ticket.id, True)
        a = await two.ask(BEN, "dm", "where can i download the ecf pdf?")
        assert a.answer.topic == "faq:1" and "Community answer" in a.answer.answer and "itprofiles.eu" in a.answer.answer
        # a Hungarian asker gets the English text, marked as the only one
        a = await two.ask(BEN, "dm", "hol tudom letölteni az ecf pdf-et?")
        assert a.answer.topic is None  # not taught in Hungarian yet
        assert (await two.teach(MOD, "hol tudom letölteni az ecf pdf-et?", "faq:1")).ok
        a = await one.ask(BEN, "dm", "hol tudom letölteni az ecf pdf-et?")
        assert a.answer.topic == "faq:1" and "Közösségi válasz" in a.answer.answer and "csak angolul" in a.answer.answer
        # the Hungarian text added: now in the asker's language, unmarked by "only"
        assert (await one.save_answer(MOD, "1", "Ingyenes, az itprofiles.eu oldalon, a Letöltések alatt.", text_lang="hu")).ok
        a = await two.ask(BEN, "dm", "hol tudom letölteni az ecf pdf-et?")
        assert "Letöltések" in a.answer.answer and "csak angolul" not in a.answer.answer
        listing = await two.answers_list(MOD)
        assert "faq:1 [en]" in listing.text and "faq:1 [hu]" in listing.text
        assert (await two.remove_answer(MOD, "faq:1")).ok
        a = await one.ask(BEN, "dm", "where can i download the ecf pdf?")
        assert not a.answer.answered
    finally:
        await store2.close()


async def test_only_moderators_teach(store, advisor):
    svc = Service(advisor, store, env=ENV)
    for call in (svc.teach(ANN, "is there an exam", "role:kpis"), svc.taught_list(ANN), svc.untaught(ANN, 1),
                 svc.save_answer(ANN, None, "text"), svc.answers_list(ANN), svc.remove_answer(ANN, "1")):
        out = await call
        assert not out.ok and "moderators" in out.text
    r = await svc.ask(ANN, "dm", "where can i download the ecf pdf?", chat_id=1)
    out = await svc.handoff.reply(ANN, r.ticket.id, "--save nope")
    assert not out.ok
    assert await store.query("SELECT COUNT(*) FROM taught_phrasings") == [(0,)]
    # unknown topics are refused, with the closest ones offered
    out = await svc.teach(MOD, "is there an exam", "role:nothing")
    assert not out.ok and "role:nothing" in out.text
    out = await svc.save_answer(MOD, "Bad Id!", "text")
    assert not out.ok


async def test_forget_keeps_what_a_moderator_taught_without_their_id(store, advisor):
    svc = Service(advisor, store, env=ENV)
    await svc.teach(MOD, "is there a certification exam for this?", "role:kpis")
    assert await store.count_rows_about("telegram", "9") == 1
    await store.forget("telegram", "9")
    assert await store.count_rows_about("telegram", "9") == 0
    assert await store.query("SELECT author FROM taught_phrasings") == [(None,)]


def _eval_questions():
    """The shared public and dev2 sets (CI has them beside the checkout), else the copy of the
    public set and our own casual set kept in tests/data: the property is always checked."""
    data = pathlib.Path(__file__).resolve().parent / "data"
    files = [SHARED / "questions.public.jsonl", SHARED / "questions.dev2.jsonl"]
    if not all(f.exists() for f in files):
        files = [data / "questions.public.jsonl", data / "questions.casual.jsonl"]
    out = []
    for f in files:
        out += [json.loads(line)["q"] for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    return out


# Our own phrasings (none copied from the evaluation sets), to topics and to community answers.
OWN_PHRASINGS = [
    ("is there a certification exam for this?", "role:kpis"),
    ("where can i download the ecf pdf?", "faq:pdf"),
    ("how do I get the moderator role on this server?", "faq:modrole"),
    ("van vizsga ehhez a szerephez?", "role:summary"),
    ("who wrote the e-cf framework", "role:title"),
    ("what does this job pay in budapest", "role:environment"),
]


def test_teaching_does_not_change_unrelated_answers(advisor):
    """Property: with taught phrasings loaded, every question of the shared sets gets the same
    answer as without them, unless it is the taught phrasing itself (it then gets the taught topic)."""
    from bot import taught as tm

    questions = _eval_questions()

    class Row:
        def __init__(self, phrasing, topic):
            self.phrasing, self.topic = phrasing, topic

    class Ans:
        def __init__(self, id_):
            self.id, self.text_en, self.text_hu = id_, "Our answer.", None

    snap = Taught(1, [Row(p, tp) for p, tp in OWN_PHRASINGS], [Ans("pdf"), Ans("modrole")], advisor.index)
    own = {normal(p, advisor.index) for p, _ in OWN_PHRASINGS}
    changed = []
    for q in questions:
        plain = advisor.ask(q)
        taught, source = tm.ask(advisor, snap, q)
        if normal(q, advisor.index) in own:
            continue
        if (plain.topic, plain.answered, plain.answer) != (taught.topic, taught.answered, taught.answer):
            changed.append((q, plain.topic, taught.topic))
    assert len(questions) > 250
    assert not changed, changed


async def test_a_topic_the_knowledge_lost_is_reported_not_dropped(store, advisor, caplog):
    svc = Service(advisor, store, env=ENV)
    await store.teach("is there a certification exam for this?", "x", "competence:Z.9", "en", "telegram:9", 1.0)
    with caplog.at_level("WARNING", logger="role_advisor.service"):
        await svc.refresh_taught(force=True)
    assert "competence:Z.9" in caplog.text
    a = await svc.ask(ANN, "dm", "is there a certification exam for this?")
    assert not a.answer.answered  # not answered with a topic that does not exist
    listed = (await svc.taught_list(MOD)).text  # still listed, to be removed, and marked on every platform
    assert "competence:Z.9 (telegram:9" in listed and t("taught.unknown_in_db", "en") in listed
    assert t("taught.unknown_in_db", "hu") in (await svc.taught_list(MOD, "hu")).text


from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

# Our own vocabulary for generated taught wordings (community life, none of the evaluation lines).
_NOUNS = ("meetup", "hackathon", "podcast", "newsletter", "sticker", "badge", "picnic", "raffle", "mentor", "webinar",
          "wiki", "emoji", "server", "channel", "pizza", "parking", "wifi", "dog", "conference", "coffee",
          "találkozó", "matrica", "kitűző", "piknik", "hírlevél")
_FRAMES = ("is there a {a} for the {b}", "where do i find the {a} {b}", "who brings the {a} to the {b}",
           "can i win a {a} at the {b}", "hol lesz a {a} és a {b}", "kell {a} a {b} előtt")


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(_FRAMES), st.sampled_from(_NOUNS), st.sampled_from(_NOUNS),
                          st.sampled_from(("role:kpis", "role:tasks", "competence:C.4", "skill:B11", "faq:x"))),
                min_size=1, max_size=20))
def test_generated_taught_wordings_take_no_other_question(advisor, taught):
    """Property, over generated taught wordings: every question of the shared sets keeps its answer
    unless its normal form is one of them."""
    from bot import taught as tm

    questions = _EVAL

    class Row:
        def __init__(self, phrasing, topic):
            self.phrasing, self.topic = phrasing, topic

    class Ans:
        id, text_en, text_hu = "x", "Ours.", None

    rows = [Row(frame.format(a=a, b=b), topic) for frame, a, b, topic in taught]
    snap = Taught(1, rows, [Ans()], advisor.index)
    own = {normal(r.phrasing, advisor.index) for r in rows}
    for q, plain in zip(questions, _PLAIN(advisor)):
        if normal(q, advisor.index) in own:
            continue
        got, _ = tm.ask(advisor, snap, q)
        assert (got.topic, got.answer) == (plain.topic, plain.answer), (q, rows)


_EVAL = _eval_questions()
_PLAIN_CACHE: list = []


def _PLAIN(advisor):
    if not _PLAIN_CACHE:
        _PLAIN_CACHE.extend(advisor.ask(q) for q in _EVAL)
    return _PLAIN_CACHE


async def test_moderators_saving_at_once_get_one_answer_each(store, advisor):
    import asyncio

    store2 = await _second(store)
    try:
        one, two = Service(advisor, store, env=ENV), Service(advisor, store2, env=ENV)
        outs = await asyncio.gather(*(svc.save_answer(MOD, None, f"Answer {i}.", text_lang="en")
                                      for i, svc in enumerate([one, two] * 5)))
        assert all(o.ok for o in outs)
        rows = await store.community_answers()
        assert sorted(int(a.id) for a in rows) == list(range(1, 11))
        assert sorted(a.text_en for a in rows) == sorted(f"Answer {i}." for i in range(10))
    finally:
        await store2.close()
