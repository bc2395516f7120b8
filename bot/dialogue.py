"""Dialogue context: follow-ups resolved against the conversation's previous turn.

A :class:`Context` is what a conversation remembers between turns: its language, the last topic
answered (small talk and declines leave it as it was) and the kind of answer given ("level",
"ks" or "full"). It is small and plain, so a platform can rebuild it from its question log and
every instance of a bot shares it.

:func:`follow_up` decides whether a turn leans on that context ("what level?", "and the skills for
it?", "what does that mean?", "which competences need it?", "és a szintje?", "tell me more") and
what it then asks for. A turn that names its own topic stands on its own.
"""
from __future__ import annotations

from .record import Record
from .text import stem

#: A conversation ends after this many seconds without a message (ROLE_ADVISOR_CONTEXT_MINUTES).
DEFAULT_TTL = 15 * 60

# Words that ask for more of the same ("tell me more", "mondj többet", "bővebben").
MORE = frozenset({
    "more", "tell", "mondj", "mondd", "mesélj", "meselj", "explain", "magyarazd", "magyarázd", "go", "elaborate", "details", "detail", "detailed", "expand", "continue", "further", "longer",
    "tobbet", "tobb", "bovebben", "bovebb", "reszletesebben", "reszletesen", "reszletek", "reszleteket",
    "folytasd", "kifejtenéd", "kifejtened", "kifejted",
})
# "What does that mean?", "mit jelent?"
MEANING = frozenset({"mean", "means", "meaning", "jelent", "jelentes", "jelentese", "jelentenek", "define", "definition"})
# "Which competences need it?", "where else?", "hol kell?", "melyikhez?"
REVERSE = frozenset({
    "which", "where", "else", "other", "others", "another", "any",
    "melyik", "melyek", "mely", "hol", "mihez", "melyikhez", "melyekhez", "mas", "masik", "meg",
    "hova", "elsewhere", "mashol", "mashoz", "masnal", "used", "igenylik", "igenyli",
})
# "What is that?", "az mi?", "what is that one?": the thing the last answer named.
ANAPHORA = frozenset({"that", "this", "it", "one", "az", "ez", "azt", "ezt"})
# "the first one", "az utolsóról": an item of the list the last answer showed.
ORDINALS = {
    "first": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4, "last": -1, "1st": 0, "2nd": 1, "3rd": 2,
    "elso": 0, "elsot": 0, "elsorol": 0, "elsore": 0, "elsonek": 0, "masodik": 1, "masodikat": 1,
    "masodikrol": 1, "harmadik": 2, "harmadikat": 2, "harmadikrol": 2, "negyedik": 3, "otodik": 4,
    "utolso": -1, "utolsot": -1, "utolsorol": -1, "utolsonak": -1, "utolsora": -1,
}
# "és magyarul?", "in English please": the last answer again, in that language.
LANGS = {"english": "en", "angolul": "en", "angol": "en", "hungarian": "hu", "magyarul": "hu", "magyar": "hu"}
SKILL_ONE = frozenset({"skill", "keszseg", "kepesseg", "code", "kod", "tudas", "keszsegrol", "keszseget"})
COMPETENCE_ONE = frozenset({"competence", "competency", "kompetencia", "kompetencianak", "kompetenciat",
                            "kompetenciarol", "kompetenciaja"})
DEMONSTRATIVES = frozenset({"that", "this", "the", "az", "ez", "annak", "ennek", "azt", "ezt", "arrol", "errol"})


def _pointed(words: list[str], nouns: frozenset) -> bool:
    """ "that skill", "az a készség", "annak a kompetenciának": a noun pointed at, in the singular."""
    for i, w in enumerate(words):
        if w in nouns:
            before = words[max(0, i - 2):i]
            if any(b in DEMONSTRATIVES for b in before):
                return True
    return False


NEED = frozenset(stem(w) for w in (
    "need", "needs", "needed", "needing", "require", "requires", "required", "use", "uses", "used",
    "competence", "competences", "competency", "competencies", "kell", "kellenek", "szukseges", "kompetencia",
    "kompetenciak", "kompetenciakhoz", "kompetenciahoz", "hasznal", "igenyel", "igenyli",
))


class Context(Record):
    """What a conversation remembers: language, last topic answered, the kind of that answer, and
    when the conversation last heard from the user (seconds, the clock of whoever keeps it)."""

    __slots__ = ("lang", "topic", "view", "at")
    _defaults = {"topic": None, "view": "full", "at": 0.0}


def follow_up(m, ctx: Context | None, skills_of, needing=None, listed=None) -> tuple[str, str] | None:
    """(topic, view) when the turn ``m`` (a :class:`bot.understand.Match`) is a follow-up of
    ``ctx``; None when it stands on its own. ``skills_of(code)`` lists a competence's skill codes,
    ``needing(code)`` the competences that need a skill, ``listed(topic)`` the topics an answer
    lists in order (for "the first one")."""
    if ctx is None or not ctx.topic:
        return None
    if m.codes.competences or m.codes.skills or m.content:
        return None  # names its own topic, or asks about something else
    words = set(m.words)
    prev = ctx.topic
    kind, _, key = prev.partition(":")
    if not words.isdisjoint(LANGS):
        return prev, ctx.view  # the same answer in the other language (the caller sets it)
    ordinal = next((ORDINALS[w] for w in m.words if w in ORDINALS), None)
    if ordinal is not None and listed is not None:
        items = listed(prev)
        if items and -len(items) <= ordinal < len(items):
            topic = items[ordinal]
            view = "level" if m.want_level and not m.want_ks else "ks" if m.want_ks and not m.want_level else "full"
            return topic, view
    more = not words.isdisjoint(MORE)
    meaning = not words.isdisjoint(MEANING)
    anaphoric = not words.isdisjoint(ANAPHORA)
    reverse = not words.isdisjoint(REVERSE) or any(stem(w) in NEED for w in words)
    if kind == "competence":
        skills = skills_of(key)
        if len(skills) == 1 and (
            ctx.view == "ks" and (meaning or (anaphoric and not m.want_level) or (reverse and not m.want_ks and not m.want_level))
        ):
            return f"skill:{skills[0]}", "full"  # "what does that mean?" after its one skill
        if len(skills) == 1 and not m.want_level and _pointed(m.words, SKILL_ONE):
            return f"skill:{skills[0]}", "full"  # "what's that skill?": the one it lists
        if m.want_level and not m.want_ks:
            return prev, "level"
        if m.want_ks and not m.want_level:
            return prev, "ks"
        if meaning or anaphoric or more:
            return prev, "full"
        return None
    if kind == "skill":
        comps = needing(key) if needing else ()
        if len(comps) == 1 and (m.want_level or _pointed(m.words, COMPETENCE_ONE)):
            # "what level is that competence?" after a skill only one competence needs
            return f"competence:{comps[0]}", "level" if m.want_level else "full"
        if meaning or more or reverse or anaphoric or m.want_ks:
            return prev, "full"  # its answer lists the competences that need it
        return None
    if more or meaning or anaphoric:
        return prev, "full"
    return None


def keeps_view(m, ctx: Context | None) -> str | None:
    """The view an elliptical turn with a code keeps ("and E.2?" after a level answer)."""
    if ctx is None or ctx.view not in ("level", "ks") or not (ctx.topic or "").startswith("competence:"):
        return None
    if m.content or m.want_level or m.want_ks or len(m.codes.competences) != 1:
        return None
    return ctx.view


def requested_lang(m) -> str | None:
    """The language a follow-up asks for ("és magyarul?", "in English?"), if any."""
    for w in m.words:
        if w in LANGS:
            return LANGS[w]
    return None
