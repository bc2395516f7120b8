"""What the community teaches the advisor, beside the profile's matcher (``bot.understand``, which
this module only imports from): phrasings a moderator mapped to a topic, and the community's own
answers (topic ``faq:<id>``) for questions the profile does not cover.

A :class:`Taught` snapshot is immutable and built from the database's rows; a :class:`bot.service.Service`
swaps in a new one when the database's version counter changes (polled every few seconds), so every
instance sharing the database picks a change up without a restart.

How a question meets a taught phrasing: both are reduced to the same normal form (folded — case and
accents gone —, tokenised and stemmed like the matcher's words, articles left out). The same normal
form answers with the taught topic before the profile's matcher is asked (the moderator's word
wins); a close variant (a typo or two: rapidfuzz ratio at least :data:`CLOSE_RATIO` on the normal
form, with about as many words) answers only a question the matcher declined, so a taught phrasing
can never take an answered question away from its topic.
"""
from __future__ import annotations

import re

from .advisor import Answer
from .i18n import t
from .text import clean, stem, strip_markup, tokens

CLOSE_RATIO = 88  # rapidfuzz ratio on the normal forms for a close variant
CLOSE_MIN_CHARS = 12  # a normal form shorter than this is matched exactly only
MAX_PHRASING = 500  # characters of a taught phrasing (a question is cut there before matching anyway)
FAQ_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_ARTICLES = frozenset({"a", "an", "the", "az"})


def normal(text: object, index=None) -> str:
    """The normal form a question and a taught phrasing are compared in; with the profile's
    ``index``, short misspelled words are read as the word meant first ("teh", "waht"), as the
    matcher reads them."""
    if index is not None:
        # the matcher's memoised word records: the word with its typo fixed (field 4) and its
        # stem (field 0), looked up once per word, as a question is read by the advisor anyway
        from .understand import words

        return " ".join([r[0] for r in words(index, strip_markup(clean(text))) if r[4] not in _ARTICLES])
    return " ".join(stem(w) for w in tokens(strip_markup(clean(text))) if w not in _ARTICLES)


def valid_topic_syntax(topic: str) -> bool:
    kind, _, key = topic.partition(":")
    if kind == "faq":
        return bool(FAQ_ID.match(key))
    return kind in ("role", "competence", "skill") and bool(key)


def community_text(text_en: str | None, text_hu: str | None, lang: str) -> str:
    """A community answer in ``lang`` where that text exists, else the other one, marked either way
    as the community's (not the profile's)."""
    own = text_hu if lang == "hu" else text_en
    if own:
        return t("faq.marked", lang, text=own)
    other = text_en if lang == "hu" else text_hu
    return t("faq.marked_other", lang, text=other or "")


def _close_window(la: int) -> tuple[float, float]:
    """The lengths of a key that allow a ratio of CLOSE_RATIO with a question ``la`` long
    (2 * shorter / both >= CLOSE_RATIO, with a margin)."""
    c = CLOSE_RATIO / 100
    return la * c / (2 - c) - 1, la * (2 - c) / c + 1


class Taught:
    """One immutable snapshot of the taught phrasings and community answers."""

    __slots__ = ("version", "exact", "keys", "answers", "rows", "index", "_sieve")

    def __init__(self, version: int = 0, phrasings=(), answers=(), index=None):
        self.version = version
        self.index = index
        self.rows = list(phrasings)
        self.answers = {a.id: (a.text_en, a.text_hu) for a in answers}
        self.exact: dict[str, str] = {}
        for row in self.rows:
            norm = normal(row.phrasing, index)
            if norm:
                self.exact[norm] = row.topic
        self.keys = [k for k in self.exact if len(k) >= CLOSE_MIN_CHARS]
        self._sieve = None  # the keys' characters as bit sets, built when first needed

    def __bool__(self) -> bool:
        return bool(self.exact)

    def find_exact(self, norm: str) -> str | None:
        return self.exact.get(norm) if norm else None

    def find_close(self, norm: str) -> str | None:
        if len(norm) < CLOSE_MIN_CHARS or not self.keys:
            return None
        from .understand import _char_sieve, _near

        # only the keys whose length and characters allow the ratio (as in the matcher's fuzzy
        # steps: the ratio is 2 * LCS / both lengths, and the LCS is at most the characters they
        # share), in their order (ties go to the first, as over all of them)
        if self._sieve is None:
            self._sieve = _char_sieve(self.keys)
        keys = self.keys
        near = [keys[i] for i in _near(norm, self._sieve, CLOSE_RATIO, _close_window)]
        if not near:
            return None
        from rapidfuzz import fuzz, process

        n = norm.count(" ") + 1
        best = None
        for key, score, _ in process.extract(norm, near, scorer=fuzz.ratio, score_cutoff=CLOSE_RATIO, limit=3):
            if abs(key.count(" ") + 1 - n) <= 1 and (best is None or score > best[1]):
                best = (key, score)
        return self.exact[best[0]] if best else None

    def has(self, advisor, topic: str) -> bool:
        if topic.startswith("faq:"):
            en, hu = self.answers.get(topic[4:], (None, None))
            return bool(en or hu)
        return advisor.has_topic(topic)

    def answer(self, advisor, topic: str, lang: str, question: str, verbose: bool = False) -> Answer:
        if topic.startswith("faq:"):
            en, hu = self.answers.get(topic[4:], (None, None))
            return Answer(question, lang, True, topic, 1.0, community_text(en, hu, lang))
        return advisor.answer_topic(topic, lang, question=question, verbose=verbose)


EMPTY = Taught()


def ask(advisor, taught: Taught | None, text: object, lang: str | None = None, hint: str | None = None,
        context=None, *, verbose: bool = False) -> tuple[Answer, str | None]:
    """``advisor.ask`` with what the community taught: (the answer, ``"taught"`` when a taught
    phrasing or a community answer gave it, else None)."""
    if not taught:
        return advisor.ask(text, lang=lang, hint=hint, context=context, verbose=verbose), None
    norm = normal(text, advisor.index)
    topic = taught.find_exact(norm)
    if topic is not None and taught.has(advisor, topic):
        question = clean(text)
        if lang not in ("en", "hu"):
            lang = advisor.detect_lang(question, context.lang if context is not None and context.lang else hint)
        return taught.answer(advisor, topic, lang, question, verbose), "taught"
    ans = advisor.ask(text, lang=lang, hint=hint, context=context, verbose=verbose)
    if ans.answered:
        return ans, None
    topic = taught.find_close(norm)
    if topic is not None and taught.has(advisor, topic):
        return taught.answer(advisor, topic, ans.lang, ans.question, verbose), "taught"
    return ans, None


def closest(advisor, text: str, n: int = 3) -> list[tuple[str, float]]:
    """The topics the profile's matcher found closest to ``text`` (below its threshold, for a
    question it declined): what a moderator most likely wants to teach it as."""
    from .understand import match

    m = match(advisor.index, strip_markup(clean(text)))
    scores = dict(m.scores or {})
    if m.topic and m.topic not in scores:
        scores[m.topic] = m.score
    ranked = sorted(((tp, s) for tp, s in scores.items() if s > 0 and advisor.has_topic(tp)), key=lambda x: -x[1])
    return [(tp, round(s, 2)) for tp, s in ranked[:n]]


def looks_like_topic(word: str) -> bool:
    return valid_topic_syntax(word) or (":" in word and not word.endswith(":") and " " not in word
                                        and word.split(":", 1)[0].isalpha() and len(word) < 60)


def parse_teach(text: str) -> tuple[int | str | None, str | None]:
    """The arguments of ``/teach``: ``42 role:kpis`` (a ticket and a topic), ``42`` (a ticket:
    the closest topics are offered), ``role:kpis how are we judged`` or ``how are we judged =
    role:kpis`` (a phrasing and its topic). (target, topic); target None when nothing is given."""
    words = (text or "").split()
    if not words:
        return None, None
    first = words[0].lstrip("#")
    if first.isdigit() and len(first) < 12:
        return int(first), (words[1] if len(words) > 1 else None)
    if looks_like_topic(words[0]):
        return " ".join(words[1:]) or None, words[0]
    if len(words) > 1 and looks_like_topic(words[-1]):
        rest = words[:-1]
        if rest and rest[-1] in ("=", "->", "→"):
            rest = rest[:-1]
        return " ".join(rest) or None, words[-1]
    return " ".join(words), None


class _Row:
    __slots__ = ("phrasing", "topic")

    def __init__(self, phrasing, topic):
        self.phrasing, self.topic = phrasing, topic


class _Answer:
    __slots__ = ("id", "text_en", "text_hu")

    def __init__(self, id_, text_en, text_hu):
        self.id, self.text_en, self.text_hu = id_, text_en, text_hu


def read_sqlite(path: str, index=None) -> Taught | None:
    """A snapshot read straight from an SQLite file, read-only, without setting it up (for a
    one-shot terminal question: no event loop, no storage layer); None for a database from before
    taught questions. sqlite3 errors are the caller's."""
    import sqlite3
    from urllib.parse import quote

    import os

    db = sqlite3.connect(f"file:{quote(os.path.abspath(path))}?mode=ro", uri=True, timeout=2)
    try:
        if db.execute("PRAGMA user_version").fetchone()[0] < 5:
            return None
        version = db.execute("SELECT version FROM taught_state WHERE id = 1").fetchone()[0]
        rows = [_Row(*r) for r in db.execute("SELECT phrasing, topic FROM taught_phrasings ORDER BY id")]
        answers = [_Answer(*r) for r in db.execute("SELECT id, text_en, text_hu FROM community_answers ORDER BY id")]
    finally:
        db.close()
    return Taught(version, rows, answers, index)
