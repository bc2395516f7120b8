"""Understanding people as they chat: small talk, other roles, follow-ups in a conversation (as
data: transcripts of turns with the expected topics), the conversation contract of ``ask --json``
and of the chat platforms' service (context from the database, shared by instances)."""
import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DATA, ROOT, cli_cmd

sys.path.insert(0, str(DATA.parent))
import grade  # noqa: E402

SHARED = ROOT.parent / "shared" / "eval"


def _conversations(path):
    convs: dict[str, list[dict]] = {}
    for line in open(path, encoding="utf-8"):
        q = json.loads(line)
        convs.setdefault(q["conversation"], []).append(q)
    return convs


def _run_conversations(advisor, path):
    qs, answers = [], []
    for turns in _conversations(path).values():
        conv = advisor.conversation()
        for q in turns:
            qs.append(q)
            answers.append(conv.ask(q["q"]).to_dict())
    per, lang_acc, fails = grade.grade(qs, answers)
    return per, lang_acc, fails


# -- transcripts ---------------------------------------------------------------------------------
def test_dialogue_transcripts_pass_turn_by_turn(advisor):
    """Our transcripts in both languages: greetings, level/skills follow-ups, "what's that one?"
    after an answer with one skill, "where else is it needed?", "and E.2?" keeping the level view,
    a turn with no language of its own keeping the conversation's, "és magyarul?", off-topic and
    other-role follow-ups declined."""
    per, lang_acc, fails = _run_conversations(advisor, DATA / "dialogues.jsonl")
    assert not fails, fails
    assert lang_acc == 1.0


def test_our_independent_conversation_set(advisor):
    per, lang_acc, fails = _run_conversations(advisor, DATA / "conversations.own.jsonl")
    assert per["followup"][0] / per["followup"][1] >= 0.95, fails
    assert per["all"][0] / per["all"][1] >= 0.95, fails
    assert lang_acc >= 0.97


@pytest.mark.parametrize("name", ["questions.fresh1.jsonl", "questions.fresh2.jsonl", "questions.fresh3.jsonl"])
def test_fresh_question_sets(advisor, name):
    """Sets written from the sources alone, apart from the matcher's data (fresh3 after every
    change but the last, which it measured): the estimate for questions nobody wrote down."""
    qs = [json.loads(l) for l in open(DATA / name, encoding="utf-8")]
    per, lang_acc, fails = grade.grade(qs, [advisor.ask(q["q"]).to_dict() for q in qs])
    assert per["all"][0] / per["all"][1] >= 0.95, fails
    assert lang_acc >= 0.97
    assert per["none"][0] / per["none"][1] >= 0.95, fails  # answering more must not mean declining less


@pytest.mark.parametrize("name", ["conversations.fresh1.jsonl", "conversations.fresh3.jsonl"])
def test_fresh_conversation_sets(advisor, name):
    per, lang_acc, fails = _run_conversations(advisor, DATA / name)
    assert per["followup"][0] / per["followup"][1] >= 0.95, fails
    assert per["all"][0] / per["all"][1] >= 0.95, fails


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/eval is not beside this checkout")
def test_shared_conversations(advisor):
    per, lang_acc, fails = _run_conversations(advisor, SHARED / "conversations.jsonl")
    assert per["followup"][0] / per["followup"][1] >= 0.95, fails
    assert per["all"][0] / per["all"][1] >= 0.95, fails


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/eval is not beside this checkout")
def test_shared_realistic_questions(advisor):
    qs = [json.loads(l) for l in open(SHARED / "questions.dev2.jsonl", encoding="utf-8")]
    per, lang_acc, fails = grade.grade(qs, [advisor.ask(q["q"]).to_dict() for q in qs])
    assert per["all"][0] / per["all"][1] >= 0.95, fails
    assert lang_acc >= 0.97
    assert per["smalltalk"][0] == per["smalltalk"][1], fails


def test_a_standalone_question_is_never_bent_by_context(advisor):
    conv = advisor.conversation()
    assert conv.ask("what level is C.4?").topic == "competence:C.4"
    for q, topic in (("what are the KPIs?", "role:kpis"), ("B10", "skill:B10"), ("risk management", "competence:E.3")):
        assert conv.ask(q).topic == topic
    assert conv.ask("what's the weather tomorrow?").answered is False


def test_context_ends_after_its_period(advisor):
    now = [0.0]
    conv = advisor.conversation(ttl=900, clock=lambda: now[0])
    conv.ask("tell me about E.4")
    now[0] = 600
    assert conv.ask("what level?").topic == "competence:E.4"
    now[0] = 600 + 901
    assert conv.ask("what level?").topic != "competence:E.4"


def test_generic_skills_question_answers_the_competence_list(advisor):
    for q in ("what skills do I need?", "skills", "soft skills", "milyen készségek kellenek ehhez?"):
        a = advisor.ask(q)
        assert a.topic == "role:competences", (q, a.topic)
        assert "E.7" in a.answer


# -- small talk ------------------------------------------------------------------------------------
SMALLTALK = {
    "greeting": (["hey", "good evening everyone", "hi there!"], ["szia", "jó reggelt", "sziasztok!"]),
    "thanks": (["thank you!", "thx a lot", "much appreciated"], ["köszi", "köszönöm szépen", "nagyon köszi!"]),
    "help": (["help", "what can you do?", "how does this work?"], ["segíts", "mit tudsz?", "hogy működsz?"]),
    "bye": (["bye", "see you later", "good night"], ["viszlát", "jó éjt", "szép napot!"]),
}


@pytest.mark.parametrize("intent", list(SMALLTALK))
def test_small_talk_in_both_languages(advisor, intent):
    en, hu = SMALLTALK[intent]
    for lang, phrases in (("en", en), ("hu", hu)):
        for q in phrases:
            a = advisor.ask(q)
            assert (a.answered, a.topic, a.lang) == (True, f"smalltalk:{intent}", lang), q
            assert advisor.profile.title.get(lang) in a.answer


def test_small_talk_in_words_the_lexicon_does_not_list(advisor):
    """No phrase of the lexicon matches as a whole: the words vote for the intent whose phrases
    use them."""
    a = advisor.ask("mit kérdezhetnék tőled?")
    assert (a.answered, a.topic, a.lang) == (True, "smalltalk:help", "hu")


def test_help_says_what_the_advisor_knows_with_examples(advisor):
    for lang, q in (("en", "what can you do?"), ("hu", "mit tudsz?")):
        text = advisor.ask(q).answer
        assert text.count("“") + text.count("„") >= 2 and "E.4" in text and ("KPI" in text)
        assert "a(z)" not in text


def test_a_greeting_with_a_question_answers_the_question(advisor):
    assert advisor.ask("hi, what are the KPIs?").topic == "role:kpis"
    assert advisor.ask("szia! mik a fő feladatok?").topic == "role:tasks"
    assert advisor.ask("thanks! and the mission?").topic == "role:mission"
    assert advisor.ask("help me with E.4").topic == "competence:E.4"


# -- other roles -------------------------------------------------------------------------------
@pytest.mark.parametrize("q,lang,topic", [
    ("what are the KPIs of a network engineer?", "en", "role:kpis"),
    ("what does a scrum master do all day", "en", "role:tasks"),
    ("mik egy webfejlesztő feladatai?", "hu", "role:tasks"),
    ("milyen kompetenciák kellenek egy adatbázis-adminisztrátornak?", "hu", "role:competences"),
    ("what level of E.2 does a project manager need?", "en", "competence:E.2"),
])
def test_another_role_is_declined_with_this_roles_answer_offered(advisor, q, lang, topic):
    a = advisor.ask(q)
    assert (a.answered, a.topic, a.lang) == (False, None, lang), q
    assert advisor.profile.title.get(lang) in a.answer
    assert a.alternatives == [topic]


def test_roles_this_one_works_with_are_not_other_roles(advisor):
    assert advisor.ask("what is hotline operator support?").topic == "role:deliverables"
    assert advisor.ask("does the community manager work with hotline operators?").answered
    assert advisor.ask("mit csinál egy közösségi menedzser?").topic in ("role:tasks", "role:summary")
    assert advisor.ask("how will I be judged?").topic == "role:kpis"


def test_requests_for_other_services_are_declined(advisor):
    for q in ("write me a cover letter for a community manager job", "írj egy verset a moderálásról",
              "could you help me write a cover letter for this role?", "segítesz megírni a motivációs levelem?"):
        assert advisor.ask(q).answered is False, q


@pytest.mark.parametrize("q,topic", [
    # a question that says it is about the profile ("competence", "profil", "role", "munka") gets
    # its best topic though the score is a little under the threshold
    ("mit mond a profil az ügyfelekkel tartott kapcsolatról?", "competence:E.4"),
    ("melyik kompetencia foglalkozik a kockázatok felmérésével?", "competence:E.3"),
    # phrases made of common words that still name a topic ("mire jó", "miért van szükség")
    ("egyáltalán mire jó ez a munkakör?", "role:mission"),
    ("miért van szükség ilyen pozícióra?", "role:mission"),
    # "egy mondatban" is not every word beginning with "mond"
    ("mit mond a profil a marketingről?", "skill:M04"),
])
def test_questions_about_the_profile_in_own_words(advisor, q, topic):
    a = advisor.ask(q)
    assert (a.answered, a.topic) == (True, topic), (q, a.topic, a.confidence)


@pytest.mark.parametrize("q,topic", [
    # several of the question's own words point to one topic, a little under the threshold
    ("figuring out why the service went down and getting it back up with minimal interruption, "
     "where is that covered?", "competence:C.4"),
    ("szolgáltatáskiesés okainak felderítése és gyors helyreállítás minimális leállással, erről mit tudsz?",
     "competence:C.4"),
    # a question about people is answered with the people the role works with, not the task list
    ("who do they work with on a typical day?", "role:environment"),
])
def test_questions_describing_a_topic_in_other_words(advisor, q, topic):
    a = advisor.ask(q)
    assert (a.answered, a.topic) == (True, topic), (q, a.topic, a.confidence)


@pytest.mark.parametrize("q,topic", [
    ("Jó napot! Egy hirdetést írok, nagyon sok jelentkezőnk volt tavaly. Mit kell leszállítania a végén?",
     "role:deliverables"),
    ("I'm from HR and we're writing a job ad. Which e-CF competences does this profile list?", "role:competences"),
])
def test_a_preamble_does_not_drown_the_question(advisor, q, topic):
    a = advisor.ask(q)
    assert (a.answered, a.topic) == (True, topic), (q, a.topic, a.confidence)


@pytest.mark.parametrize("q", ["How much does it pay per month? I mean the online community manager job.",
                               "Is this a remote job? I mean the online community manager role."])
def test_a_sentence_that_only_names_the_role_does_not_answer_the_message(advisor, q):
    assert advisor.ask(q).answered is False, (q, advisor.ask(q).topic)


def test_a_question_about_a_skill_with_people_words_keeps_the_skill(advisor):
    assert advisor.ask("which competences need working together in a team?").topic == "skill:B09"


@pytest.mark.parametrize("q", ["what's the best pizza in town?", "mennyit keres egy ilyen pozícióban?",
                               "which laptop should I buy for gaming?", "how do i test my wifi speed",
                               "tips for reducing risk in my stock portfolio"])
def test_questions_about_nothing_in_the_profile_stay_declined(advisor, q):
    assert advisor.ask(q).answered is False, q


@pytest.mark.parametrize("q,topic,view", [
    ("waht does teh roel do", "role:summary", "full"),     # swapped letters of stop words, the role
    ("what are teh taks", "role:tasks", "full"),           # ... and of the profile's key words
    ("levle of E.4?", "competence:E.4", "level"),
    ("wich competences does it need", "role:competences", "full"),  # a letter missing from "which"
])
def test_short_typos_are_read_as_the_word_meant(advisor, q, topic, view):
    a = advisor.ask(q)
    assert (a.answered, a.topic, a.view, a.lang) == (True, topic, view, "en"), (q, a.topic)


def test_real_words_are_never_taken_for_typos(advisor):
    from bot.understand import fix_typos
    words = ["vissza", "ennyi", "won", "tester", "estet", "mennyi", "sziasztok"]
    assert fix_typos(advisor.index, words) == words


@pytest.mark.parametrize("q", ["thanks, really helpful", "köszi, hasznos volt", "jó tudni, köszi"])
def test_praise_is_thanks(advisor, q):
    assert advisor.ask(q).topic == "smalltalk:thanks", q


# -- the ask --json contract -----------------------------------------------------------------------
def _ask_json(lines: list[str | bytes]) -> list[dict]:
    data = b"".join((x if isinstance(x, bytes) else x.encode("utf-8")) + b"\n" for x in lines)
    out = subprocess.run(cli_cmd() + ["ask", "--json"], input=data, capture_output=True, timeout=120)
    assert out.returncode == 0, out.stderr.decode()
    assert b"Traceback" not in out.stderr
    return [json.loads(x) for x in out.stdout.decode("utf-8").splitlines()]


def test_json_lines_share_context_by_conversation_and_plain_lines_stand_alone():
    answers = _ask_json([
        json.dumps({"q": "tell me about C.4", "conversation": "a"}),
        json.dumps({"q": "mit jelent az E.4?", "conversation": "b"}),
        "what level?",
        json.dumps({"q": "what level?", "conversation": "a"}),
        json.dumps({"q": "és a szintje?", "conversation": "b"}),
        json.dumps({"q": "what level?"}),
        json.dumps({"q": "E.5?", "conversation": "b"}),
    ])
    assert [a["topic"] for a in answers] == [
        "competence:C.4", "competence:E.4", "role:competences", "competence:C.4", "competence:E.4",
        "role:competences", "competence:E.5",
    ]
    assert answers[6]["lang"] == "hu"  # no language of its own: the conversation's
    assert "Level 3:" in answers[3]["answer"]


def test_bad_lines_each_get_one_valid_answer():
    lines = [
        "{not json", '{"q": 5}', '{"conversation": "x"}', "[1, 2]", '"just a string"', "{}",
        json.dumps({"q": "x" * 200_000, "conversation": "big"}), b"\xff\xfe\x00binary\x80", "",
        "{" * 5000, json.dumps({"q": "KPIs?", "conversation": {"nested": True}}),
    ]
    answers = _ask_json(lines)
    assert len(answers) == len(lines)
    for a in answers:
        assert set(a) >= {"question", "lang", "answered", "topic", "answer"}
    assert answers[-1]["topic"] == "role:kpis"


# -- chat platforms: context from the database ------------------------------------------------------
async def test_service_context_is_per_user_and_chat_and_shared_by_instances(advisor, tmp_path):
    from bot.handoff import HandoffSettings
    from bot.quizzes import User
    from bot.service import Service
    from bot.storage import SQLiteStorage

    now = [1_000_000.0]
    clock = lambda: now[0]  # noqa: E731
    handoff = HandoffSettings.from_env({"TELEGRAM_MODERATOR_CHAT": "-100999"})
    s1, s2 = SQLiteStorage(tmp_path / "a.db"), SQLiteStorage(tmp_path / "a.db")
    await s1.open()
    await s2.open()
    try:
        one = Service(advisor, s1, clock=clock, env={}, handoff=handoff)
        two = Service(advisor, s2, clock=clock, env={}, handoff=handoff)
        ann, bob = User("telegram", "1", "Ann"), User("telegram", "2", "Bob")
        assert (await one.ask(ann, "dm", "tell me about E.4", chat_id=1)).answer.topic == "competence:E.4"
        now[0] += 5
        assert (await two.ask(ann, "dm", "thanks!", chat_id=1)).answer.topic == "smalltalk:thanks"
        now[0] += 5
        r = await two.ask(ann, "dm", "what level?", chat_id=1)  # the other instance knows the context
        assert r.answer.topic == "competence:E.4" and r.ticket is None
        assert (await one.ask(ann, "dm", "how do I bake bread?", chat_id=1)).ticket is not None  # hand-off is on
        assert (await one.ask(bob, "dm", "what level?", chat_id=2)).answer.topic != "competence:E.4"
        assert (await one.ask(ann, "-100", "what level?", chat_id=-100)).answer.topic != "competence:E.4"
        now[0] += 16 * 60
        assert (await one.ask(ann, "dm", "what level?", chat_id=1)).answer.topic != "competence:E.4"
        for q in ("hi", "köszi", "bye"):  # small talk never opens a ticket
            assert (await one.ask(ann, "dm", q, chat_id=1)).ticket is None
    finally:
        await s1.close()
        await s2.close()


async def test_report_counts_small_talk_apart(advisor, tmp_path):
    from bot import report
    from bot.quizzes import User
    from bot.service import Service
    from bot.storage import SQLiteStorage

    store = SQLiteStorage(tmp_path / "r.db")
    await store.open()
    try:
        svc = Service(advisor, store, clock=lambda: 1_000_000.0, env={})
        u = User("discord", "7", "Cy")
        for q in ("hi", "thanks", "what are the KPIs?", "bye", "how do I bake bread?"):
            await svc.ask(u, "g1", q, chat_id=3)
        r = await report.compute(store, 1_000_100.0)
        assert (r["questions"], r["smalltalk"], r["answered_share"]) == (2, 3, 0.5)
        assert [c["example"] for c in r["unanswered_groups"]] == ["how do I bake bread?"]
        assert "Small talk" in report.to_text(r, "en")
    finally:
        await store.close()


# -- bad input -------------------------------------------------------------------------------------
TURN = st.one_of(
    st.text(max_size=200),
    st.sampled_from(["what level?", "és a szintje?", "and E.2?", "what does that mean?", "tell me more", "ok", "E.4?",
                     "which competences need it?", "hi", "thanks", "and the skills for it?", "és magyarul?", "C.9?"]),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(TURN, min_size=1, max_size=6), st.sampled_from([None, "en", "hu"]))
def test_conversations_never_raise(advisor, turns, lang):
    conv = advisor.conversation()
    for text in turns:
        d = conv.ask(text, lang=lang).to_dict()
        assert d["lang"] in ("en", "hu") and d["answer"]
        assert (d["topic"] is None) == (not d["answered"])
        if lang:
            assert d["lang"] == lang
