"""The answering core: ``Advisor.load()`` once, then ``advisor.ask(text)`` as often as you like.

``ask`` does no I/O and keeps no per-question state (only a memo of word similarities, which any
thread may fill), so one advisor can be shared by threads and asyncio tasks.
"""
from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path

from . import answers
from .i18n import t
from .kb import Profile
from .record import Record
from .loader import DEFAULT_PROFILE, KnowledgeError, load_each
from .text import clean, strip_markup
from .dialogue import DEFAULT_TTL, Context, follow_up, keeps_view, requested_lang
from .understand import ANSWER_THRESHOLD, Index, build_index, detect_lang, match, other_role, read_signs, request, smalltalk, words
from .understand import _FIXED  # a field of a record of words()


__all__ = ["Advisor", "Answer", "Context", "Conversation", "KnowledgeError", "next_context"]

ENV_CACHE = "ROLE_ADVISOR_CACHE_DIR"
_CACHE_FORMAT = 1
_CODE_FILES = ("kb.py", "understand.py", "text.py", "vocab.py", "schema.py", "loader.py")


class Answer(Record):
    """One answer; ``to_dict()`` is the JSON contract of ``role-advisor ask --json``."""

    __slots__ = ("question", "lang", "answered", "topic", "confidence", "answer", "alternatives", "view")

    def __init__(self, question, lang, answered, topic, confidence, answer, alternatives=None, view="full"):
        # written out: this runs once per question, and Record's generic __init__ is slower
        self.question, self.lang, self.answered, self.topic = question, lang, answered, topic
        self.confidence, self.answer = confidence, answer
        self.alternatives = list(alternatives) if alternatives else []
        self.view = view  # "full", "level" or "ks": what part of a competence was shown

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "lang": self.lang,
            "answered": self.answered,
            "topic": self.topic,
            "confidence": round(float(self.confidence), 3),
            "answer": self.answer,
            "alternatives": list(self.alternatives),
        }


# -- loading with a validated cache ------------------------------------------------------------
def _cache_dir() -> Path | None:
    env = os.environ.get(ENV_CACHE)
    if env is not None:
        return None if env.strip().lower() in ("", "off", "0", "none") else Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "role-advisor"


def _fingerprint() -> bytes:
    h = hashlib.sha256(f"format{_CACHE_FORMAT}".encode())
    here = Path(__file__).parent
    for name in _CODE_FILES:
        try:
            h.update((here / name).read_bytes())
        except OSError:
            h.update(name.encode())
    return h.digest()


def _compile(raw: bytes, name: str, lexicon: tuple[bytes, str] | None = None) -> tuple[Profile, Index]:
    """Validate (pydantic schema), convert to the runtime model and index it, with the
    conversation lexicon (small talk, other roles) when given as (bytes, file name)."""
    from .kb import from_schema, lexicon_from_schema
    from .loader import decode, parse_lexicon, parse_profile

    profile = from_schema(parse_profile(decode(raw, name), name))
    lex = None
    if lexicon is not None:
        lex = lexicon_from_schema(parse_lexicon(decode(lexicon[0], lexicon[1]), lexicon[1]))
    return profile, build_index(profile, lex)


def read_lexicon(path=None) -> tuple[bytes, str]:
    from .loader import lexicon_file, read_file

    f = lexicon_file(path)
    return read_file(f), str(f)


_MAGIC = b"role-advisor cache 2\n"


def _private_dir(cdir: Path) -> Path | None:
    """The directory to keep the cache in: ``cdir`` itself when it is a real directory of this user
    that nobody else can read or write (made 0700 when missing), else a subdirectory of it made
    that way — a directory the operator chose is never re-moded. None when neither can be had,
    or when ``cdir`` is a symbolic link."""
    import stat

    def private(d: Path) -> bool:
        st = os.lstat(d)
        return stat.S_ISDIR(st.st_mode) and not st.st_mode & 0o077 and \
            (not hasattr(os, "getuid") or st.st_uid == os.getuid())

    try:
        try:
            cdir.mkdir(parents=True, mode=0o700)
        except FileExistsError:
            pass
        if private(cdir):
            return cdir
        if not stat.S_ISDIR(os.lstat(cdir).st_mode):
            return None  # a link or a file: nothing is written through it
        sub = cdir / (f"role-advisor-{os.getuid()}" if hasattr(os, "getuid") else "role-advisor")
        try:
            sub.mkdir(mode=0o700)
        except FileExistsError:
            pass
        return sub if private(sub) else None
    except OSError:
        return None


def _read_private(f: Path) -> bytes | None:
    """The bytes of ``f`` when it is a regular file of this user that nobody else can write (not
    a link); else None."""
    import stat

    try:
        fd = os.open(f, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode) or st.st_mode & 0o022 or \
                (hasattr(os, "getuid") and st.st_uid != os.getuid()):
            return None
        return fh.read()


def _cache_secret(cdir: Path) -> bytes | None:
    """The key that authenticates this user's cache files: 32 random bytes kept in the cache
    directory (mode 0600), made on first use. Two processes starting together agree on one key:
    it is written whole to a temporary file and linked into place, and the one that finds it
    there already uses that one."""
    f = cdir / "key"
    key = _read_private(f)
    if key is not None and len(key) == 32:
        return key
    import secrets
    import tempfile

    try:
        if os.path.lexists(f):
            # read again first: another process starting together may have linked its key into
            # place since (a key is linked whole, so a valid one is never seen half-written);
            # only a file that is still not ours, too open or not a key is replaced
            key = _read_private(f)
            if key is not None and len(key) == 32:
                return key
            f.unlink()
        fd, tmp = tempfile.mkstemp(dir=cdir, prefix=".key-")  # mode 0600
        try:
            key = secrets.token_bytes(32)
            with os.fdopen(fd, "wb") as fh:
                fh.write(key)
            try:
                os.link(tmp, f)
            except FileExistsError:  # another process made it first: use that one
                key = _read_private(f)
                return key if key is not None and len(key) == 32 else None
            return key
        finally:
            os.unlink(tmp)
    except OSError:
        return None


def _seal(key: bytes, payload: bytes) -> bytes:
    import hmac

    return _MAGIC + hmac.new(key, payload, "sha256").digest() + payload


def _unseal(key: bytes, data: bytes) -> bytes | None:
    import hmac

    if not data.startswith(_MAGIC):
        return None
    mac, payload = data[len(_MAGIC):len(_MAGIC) + 32], data[len(_MAGIC) + 32:]
    return payload if hmac.compare_digest(mac, hmac.new(key, payload, "sha256").digest()) else None


def load_compiled(path: Path, fingerprint: bytes | None = None,
                  lexicon: tuple[bytes, str] | None = None) -> tuple[Profile, Index]:
    """A profile and its index. A file is validated the first time its exact bytes are seen with
    this version of the code; the result is kept in the cache directory so later starts skip
    the schema (importing pydantic alone costs more than a whole cached start).

    The cache can never run code that this process did not write: its directory must be this
    user's and closed to others (0700), each file this user's and writable by nobody else, and
    each file carries an HMAC-SHA256 under a random key kept in that directory; only a file whose
    MAC checks is unpickled. Anything else is ignored and rebuilt."""
    from .loader import read_file

    raw = read_file(path)
    cdir = _cache_dir()
    cdir = _private_dir(cdir) if cdir is not None else None
    secret = _cache_secret(cdir) if cdir is not None else None
    if secret is None:
        return _compile(raw, str(path), lexicon)
    lex_raw = lexicon[0] if lexicon else b""
    key = hashlib.sha256((fingerprint or _fingerprint()) + hashlib.sha256(lex_raw).digest() + raw).hexdigest()[:32]
    cfile = cdir / f"{path.stem}-{key}.cache"
    data = _read_private(cfile)
    payload = _unseal(secret, data) if data is not None else None
    if payload is not None:
        try:
            fmt, profile, index = pickle.loads(payload)
            if fmt == _CACHE_FORMAT and isinstance(profile, Profile) and isinstance(index, Index):
                return profile, index
        except Exception:  # stale (another version of the code): rebuild
            pass
    profile, index = _compile(raw, str(path), lexicon)
    try:
        import tempfile

        for old in [*cdir.glob(f"{path.stem}-*.cache"), *cdir.glob(f"{path.stem}-*.pickle")]:
            if old != cfile:  # this version's may be another process's, just written
                old.unlink(missing_ok=True)  # earlier versions of this file (and the unsealed format)
        fd, tmp = tempfile.mkstemp(dir=cdir, prefix=".tmp-", suffix=".cache")  # mode 0600
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(_seal(secret, pickle.dumps((_CACHE_FORMAT, profile, index), protocol=pickle.HIGHEST_PROTOCOL)))
            os.replace(tmp, cfile)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError:
        pass  # a read-only home is fine: we just validate on every start
    return profile, index


class Advisor:
    """Answers questions about one profile; knows every profile found at load."""

    def __init__(self, profiles: dict[str, tuple[Profile, Index]], profile_id: str | None = None):
        if not profiles:
            raise KnowledgeError("no profile loaded")
        if profile_id is None:
            profile_id = DEFAULT_PROFILE if DEFAULT_PROFILE in profiles else next(iter(profiles))
        if profile_id not in profiles:
            raise KnowledgeError(
                t("cli.unknown_profile", "en", profile=profile_id, available=", ".join(sorted(profiles)))
            )
        self.profiles = profiles
        self.profile_id = profile_id
        self.profile, self.index = profiles[profile_id]
        self._rendered: dict[tuple, str] = {}
        self._said: dict[tuple[str, str], str] = {}
        self._topic_set = frozenset(self.topics())

    @classmethod
    def load(cls, path: str | Path | None = None, profile: str | None = None) -> "Advisor":
        fp = _fingerprint()
        lex = read_lexicon(path)
        loaded = load_each(path, lambda f: load_compiled(f, fp, lex), lambda pair: pair[0].id)
        return cls(loaded, profile)

    def with_profile(self, profile_id: str) -> "Advisor":
        return Advisor(self.profiles, profile_id)

    # -- asking ---------------------------------------------------------------------------------
    def detect_lang(self, text: str, hint: str | None = None) -> str:
        return detect_lang(clean(text), self.index, hint)

    def ask(self, text: object, lang: str | None = None, hint: str | None = None,
            context: Context | None = None, *, verbose: bool = False) -> Answer:
        """Answer one question. ``lang`` ('en'/'hu') forces the answer language; otherwise it is
        detected from the question, with the conversation's language (``context``), else ``hint``
        (e.g. the platform's language), breaking ties. ``context`` is the conversation so far
        (see :class:`Conversation`): follow-ups such as "what level?" resolve against it.
        ``verbose`` adds the editorial notes on where a text comes from ("[Hungarian edition
        only]", "The English edition is cut off here …"), which answers leave out by default."""
        question = clean(text)
        probe = strip_markup(question)
        forced = lang in ("en", "hu")
        ix = self.index
        recs = words(ix, probe)  # each word, its typo fixed, with what every step asks of it
        toks = list(map(_FIXED, recs))
        # what the steps below look at in each word, counted in one pass over them
        st_blocks, roleish, requests, votes = read_signs(recs)
        if not forced:
            lang = detect_lang(probe, ix, context.lang if context is not None and context.lang else hint, toks, recs, votes)
        prof = self.profile
        if not probe.strip(" ?!.,;:-"):
            return Answer(question, lang, False, None, 0.0, self._say("decline.empty", lang))
        # a word small talk never uses, no word that starts a request, no word of another role's
        # name: the common answers of those three steps, read from the words without calling them
        chat = None if len(toks) > 1 and st_blocks else smalltalk(ix, probe, toks, recs)
        if chat is not None:
            intent, own = chat
            if own and not forced:
                lang = own
            return Answer(question, lang, True, f"smalltalk:{intent}", 1.0, self._say(f"smalltalk.{intent}", lang))

        if requests and request(ix, probe, toks):
            return Answer(question, lang, False, None, 0.0, self._say("decline.request", lang))
        m = match(ix, probe, light=True, toks=toks, recs=recs)  # a code of the profile decides: no scoring needed
        rest = other_role(ix, probe, toks, recs) if roleish else None
        if rest is not None:
            m = match(ix, rest) if not (m.codes.competences or m.codes.skills) else m
            if m.topic is not None or m.codes.competences or m.codes.skills:
                topic = self._code_topic(m) or m.topic
                if topic and self.has_topic(topic):
                    what = self.topic_label(topic, lang)
                    return Answer(question, lang, False, None, 0.0,
                                  t("decline.other_role", lang, title=prof.title.get(lang), what=what), [topic])
            return Answer(question, lang, False, None, 0.0, self._say("decline.other_role_any", lang))

        codes = m.codes
        if codes.competences or codes.skills:
            comps = [c for c in codes.competences if prof.competence(c)]
            absent = [c for c in codes.competences if not prof.competence(c)]
            skills = [s for s in codes.skills if prof.skill(s)]
            bad_skills = [s for s in codes.skills if not prof.skill(s)]

            if comps:
                topic = f"competence:{comps[0]}"
                alts = [f"competence:{c}" for c in comps[1:]] + [f"skill:{s}" for s in skills]
                return self._answer(question, lang, topic, 1.0, alts, m, keeps_view(m, context), verbose)
            if skills and not absent:
                topic = f"skill:{skills[0]}"
                alts = [f"skill:{s}" for s in skills[1:]]
                return self._answer(question, lang, topic, 1.0, alts, m, None, verbose)
            if absent:
                return Answer(question, lang, False, None, 0.0, self._absent_text(absent[0], lang))
            if bad_skills and m.topic is None:
                codes = ", ".join(s.code for s in prof.skills)
                return Answer(question, lang, False, None, 0.0, t("decline.ks_unknown", lang, code=bad_skills[0], codes=codes))
        turn = follow_up(m, context, self._skills_of, self._needing, self._listed) if context is not None else None
        if turn is not None:
            topic, view = turn
            wanted = requested_lang(m)
            if wanted and not forced:
                lang = wanted
            if self.has_topic(topic):
                return self._answer(question, lang, topic, 1.0, [], m, view, verbose)
        if m.topic is None and not m.content and (m.want_level or m.want_ks):
            # "what skills do I need?", "milyen szintek?": the competences with levels and codes
            return self._answer(question, lang, "role:competences", ANSWER_THRESHOLD, [], m, None, verbose)
        if m.topic is None:
            return Answer(question, lang, False, None, min(m.score, 0.99), self._say("decline.generic", lang))
        return self._answer(question, lang, m.topic, min(m.score, 1.0), m.alternatives, m, None, verbose)

    def _say(self, key: str, lang: str) -> str:
        """A message whose only value is the profile's title, formatted once per language."""
        text = self._said.get((key, lang))
        if text is None:
            text = self._said[(key, lang)] = t(key, lang, title=self.profile.title.get(lang))
        return text

    def conversation(self, ttl: float = DEFAULT_TTL, clock=None) -> "Conversation":
        """A conversation: its ``ask`` keeps the dialogue context between turns."""
        return Conversation(self, ttl, clock)

    @staticmethod
    def _code_topic(m) -> str | None:
        if m.codes.competences:
            return f"competence:{m.codes.competences[0]}"
        if m.codes.skills:
            return f"skill:{m.codes.skills[0]}"
        return None

    def _needing(self, code: str) -> tuple[str, ...]:
        return tuple(c.code for c in self.profile.competences_needing(code))

    def _listed(self, topic: str) -> list[str]:
        """The topics an answer lists, in its order ("tell me about the first one")."""
        kind, _, key = topic.partition(":")
        if topic == "role:competences":
            return [f"competence:{c.code}" for c in self.profile.competences]
        if kind == "skill":
            return [f"competence:{c}" for c in self._needing(key)]
        if kind == "competence":
            return [f"skill:{c}" for c in self._skills_of(key)]
        return []

    def _skills_of(self, code: str) -> tuple[str, ...]:
        comp = self.profile.competence(code)
        return comp.ks_codes if comp else ()

    def answer_topic(self, topic: str, lang: str = "en", question: str = "", *, verbose: bool = False) -> Answer:
        """The answer for a topic id, e.g. when a "did you mean" button is pressed."""
        if not self.has_topic(topic):
            return Answer(question, lang, False, None, 0.0, t("decline.generic", lang, title=self.profile.title.get(lang)))
        return Answer(question, lang, True, topic, 1.0, self.render(topic, lang, notes=verbose), [])

    def _answer(self, question: str, lang: str, topic: str, conf: float, alts: list[str], m,
                view: str | None = None, verbose: bool = False) -> Answer:
        if view is None:
            view = "level" if m.want_level and not m.want_ks else "ks" if m.want_ks and not m.want_level else "full"
        level, ks = view == "level", view == "ks"
        text = self._rendered.get((topic, lang, level, ks, m.want_matrix, verbose))  # as render() keeps them
        if text is None:
            text = self.render(topic, lang, level=level, ks=ks, matrix=m.want_matrix, notes=verbose)
        if alts:
            has = self._topic_set
            alts = [a for a in dict.fromkeys(alts) if a != topic and a in has]
        # round() of a float to 3 places goes through its decimal digits: skipped for the sure answers
        return Answer(question, lang, True, topic, conf if conf == 1.0 else round(conf, 3), text, alts, view)

    def has_topic(self, topic: str) -> bool:
        return topic in self._topic_set  # every topic of topics()

    def render(self, topic: str, lang: str, *, level: bool = False, ks: bool = False, matrix: bool = False,
               notes: bool = False) -> str:
        """The answer text of a topic (memoised: it depends on nothing but its arguments); ``notes``
        adds the editorial notes on where each text comes from."""
        key = (topic, lang, level, ks, matrix, notes)
        text = self._rendered.get(key)
        if text is None:
            text = self._render(topic, lang, level=level, ks=ks, matrix=matrix, notes=notes)
            if len(self._rendered) < 20000:
                self._rendered[key] = text
        return text

    def _render(self, topic: str, lang: str, *, level: bool, ks: bool, matrix: bool, notes: bool) -> str:
        kind, _, key = topic.partition(":")
        if kind == "role":
            return answers.role_answer(self.profile, key, lang, notes=notes)
        if kind == "competence":
            comp = self.profile.competence(key)
            return answers.competence_answer(self.profile, comp, lang, level=level, ks=ks, matrix=matrix, notes=notes)
        return answers.skill_answer(self.profile, key, lang)

    def topic_label(self, topic: str, lang: str) -> str:
        return answers.topic_label(self.profile, topic, lang)

    def topics(self) -> list[str]:
        """Every topic id this profile can answer."""
        out = [f"role:{f}" for f in _ROLE_FIELDS]
        out += [f"competence:{c.code}" for c in self.profile.competences]
        out += [f"skill:{s.code}" for s in self.profile.skills]
        return out

    def _absent_text(self, code: str, lang: str) -> str:
        """Why a competence code the profile does not list has no answer (once per code and
        language: a code has a letter A-E and at most two digits)."""
        text = self._said.get((code, lang))
        if text is None:
            text = self._said[(code, lang)] = self._absent(code, lang)
        return text

    def _absent(self, code: str, lang: str) -> str:
        prof = self.profile
        codes = ", ".join(c.code for c in prof.competences)
        row = prof.matrix_row(code)
        if row is None:
            return t("decline.comp_unknown", lang, code=code, codes=codes)
        if row.marks:
            return t("decline.comp_matrix_only", lang, code=code, name=row.get(lang), marks=", ".join(row.marks), codes=codes)
        return t("decline.comp_absent", lang, code=code, name=row.get(lang), title=prof.title.get(lang), codes=codes)


_ROLE_FIELDS = (
    "title", "summary", "mission", "responsibility", "deliverables", "tasks", "environment", "kpis",
    "competences", "matrix",
)


def next_context(ctx: Context | None, ans: Answer, now: float) -> Context:
    """The context after ``ans``: its language; its topic when it answered about the profile (small
    talk and declines keep the topic before them, so "thanks! and the level?" still works)."""
    if ans.answered and ans.topic and not ans.topic.startswith("smalltalk:"):
        return Context(ans.lang, ans.topic, ans.view, now)
    return Context(ans.lang, ctx.topic if ctx else None, ctx.view if ctx else "full", now)


class Conversation:
    """One conversation with the advisor (a terminal chat, one line of ``ask --json`` input with a
    ``conversation`` id): each ``ask`` sees the turns before it. The context ends after ``ttl``
    seconds without a message."""

    def __init__(self, advisor: Advisor, ttl: float = DEFAULT_TTL, clock=None):
        import time

        self.advisor = advisor
        self.ttl = ttl
        self.clock = clock or time.monotonic
        self.context: Context | None = None

    def ask(self, text: object, lang: str | None = None, hint: str | None = None, *, verbose: bool = False) -> Answer:
        now = self.clock()
        ctx = self.context
        if ctx is not None and now - ctx.at > self.ttl:
            ctx = None
        ans = self.advisor.ask(text, lang=lang, hint=hint, context=ctx, verbose=verbose)
        if ans.question.strip():
            self.context = next_context(ctx, ans, now)
        return ans
