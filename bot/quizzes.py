"""Quiz sessions and onboarding over the storage: one engine for the terminal, Telegram and Discord.

Adapters call :class:`QuizService` with a platform user and a community (chat, guild, "local") and
render what it returns; every sentence in the results comes from the message catalogue.
"""
from __future__ import annotations

import random
import secrets
import time

from rapidfuzz import fuzz, process

from .config import QuizSettings
from .i18n import join_list, t
from .limits import count_error, limit_error
from .quiz import QuizError, QuizGenerator, QuizItem
from .record import Record
from .storage import Session, store_failed
from .text import clean, fold


class User(Record):
    """A platform user: ("telegram", "12345"), ("discord", "998877"), ("cli", "alice")."""

    __slots__ = ("platform", "user_id", "name")
    _defaults = {"name": None}


class QuizView(Record):
    """The question to show now."""

    __slots__ = ("session_id", "index", "total", "item", "lang", "onboarding")

    def progress(self) -> str:
        return t("quiz.progress", self.lang, n=self.index + 1, total=self.total)

    def text(self) -> str:
        """Plain-text form: progress, question and numbered options."""
        lines = [self.progress(), self.item.question]
        lines += [f"{i}. {opt}" for i, opt in enumerate(self.item.options, start=1)]
        return "\n".join(lines)


class Final(Record):
    """The result of a finished quiz. retry_after: for a failed onboarding, seconds until it may be
    taken again (0: at once); None otherwise."""

    __slots__ = ("score", "total", "passed", "pass_mark", "onboarding", "newly_passed", "weak_topics", "text", "retry_after")
    _defaults = {"retry_after": None}


class Step(Record):
    """The outcome of a start or an answer.

    accepted: False when nothing happened (no quiz, bad choice, timed out, cooldown);
    message: what to tell the user in that case (or an intro when starting);
    correct / feedback: for an accepted answer (feedback includes the explanation);
    next: the following question; final: the result once the last one is answered;
    unsaved: the data store's error when it failed (a full disk, a lost connection; else False):
    nothing changed, ``message`` says so politely and ``next`` is the question to answer again
    (when known)."""

    __slots__ = ("accepted", "message", "correct", "feedback", "next", "final", "unsaved")
    _defaults = {"message": None, "correct": None, "feedback": None, "next": None, "final": None, "unsaved": False}


OPTION_LETTERS = "abcd"


def option_letter(n: int) -> str:
    """The letter of the ``n``-th option (1-based): 1 → a, 4 → d."""
    return OPTION_LETTERS[n - 1]


def option_key(item: QuizItem, key: str) -> int | None:
    """An option index from one key pressed: its number (1-4) or its letter (a-d); else None."""
    key = key.lower()
    if len(key) == 1 and key.isdigit() and 1 <= int(key) <= len(item.options):
        return int(key) - 1
    if len(key) == 1 and key in OPTION_LETTERS[: len(item.options)]:
        return OPTION_LETTERS.index(key)
    return None


def parse_choice(item: QuizItem, choice) -> int | None:
    """An option index from a button (int, 0-based), a typed number (1-based), letter or option text."""
    if isinstance(choice, bool):
        return None
    if isinstance(choice, int):
        return choice if 0 <= choice < len(item.options) else None
    text = clean(choice, 300).strip().strip(".)")
    if text.isdigit():
        n = int(text)
        return n - 1 if 1 <= n <= len(item.options) else None
    if len(text) == 1 and text.lower() in OPTION_LETTERS[: len(item.options)]:
        return OPTION_LETTERS.index(text.lower())
    if not text:
        return None
    folded = [fold(o) for o in item.options]
    if fold(text) in folded:
        return folded.index(fold(text))
    best = process.extractOne(fold(text), folded, scorer=fuzz.WRatio, score_cutoff=88)
    return best[2] if best else None


def _minutes(seconds: float) -> int:
    """Whole minutes to wait, rounded up, at least 1."""
    return max(1, -(-int(seconds) // 60))


class QuizService:
    def __init__(self, advisor, storage, settings: QuizSettings | None = None, clock=time.time):
        self.advisor = advisor
        self.storage = storage
        self.settings = settings or QuizSettings.from_env()
        self.clock = clock
        self.generator = QuizGenerator(advisor.profile)

    # -- the data store failing ------------------------------------------------------------------
    # Starting, answering and stopping write to the store; when it fails (a disk fills mid-quiz, a
    # connection drops) the user is told politely that nothing changed, and may try again: the
    # transaction was rolled back, so no answer is half-recorded.
    def _unsaved(self, exc: BaseException, lang: str, view: "QuizView | None" = None) -> Step:
        return Step(False, t("quiz.not_saved", lang), next=view, unsaved=f"{type(exc).__name__}: {exc}")

    async def start(self, user: User, community: str, lang: str, **kw) -> Step:
        try:
            return await self._start(user, community, lang, **kw)
        except Exception as exc:
            if not store_failed(exc):
                raise
            return self._unsaved(exc, lang)

    async def answer(self, user: User, choice, session_id: str | None = None, index: int | None = None) -> Step:
        """Answer the current question of the user's quiz. ``index`` (the question shown) guards
        against a stale button; ``session_id`` against a button of an older quiz."""
        seen: list = []  # the session, once read: its language and question for the notice
        try:
            return await self._answer(user, choice, session_id, index, seen)
        except Exception as exc:
            if not store_failed(exc):
                raise
            sess = seen[0] if seen else None
            view = self._view(sess) if sess is not None and sess.answered < sess.total else None
            return self._unsaved(exc, sess.lang if sess is not None else "en", view)

    async def stop(self, user: User) -> Step:
        """End the user's quiz before its last question: the partial score, and what to review."""
        try:
            return await self._stop(user)
        except Exception as exc:
            if not store_failed(exc):
                raise
            return self._unsaved(exc, "en")

    # -- starting -------------------------------------------------------------------------------
    async def _start(
        self, user: User, community: str, lang: str, *, onboarding: bool = False, count: int | None = None,
        kinds: list[str] | None = None, seed: int | None = None,
    ) -> Step:
        s = self.settings
        now = self.clock()
        role = self.advisor.profile.title.get(lang)
        await self.storage.touch_user(user.platform, user.user_id, now, user.name)
        problem = count_error(count, lang)
        if problem:
            return Step(False, problem)
        if onboarding:
            if await self.storage.has_passed(user.platform, community, user.user_id):
                return Step(False, t("quiz.onboarding_done", lang))
            last = await self.storage.last_onboarding(user.platform, community, user.user_id)
            if last is not None and not last.passed and s.onboarding_cooldown:
                wait = last.finished_at + s.onboarding_cooldown - now
                if wait > 0:
                    return Step(False, t("quiz.cooldown", lang, minutes=_minutes(wait)))
            # the community's settings decide what passing onboarding takes: a caller cannot make it
            # shorter or easier (``quiz --onboarding --count 1``)
            if (count is not None and count != s.onboarding_count) or (kinds and set(kinds) != set(s.onboarding_kinds)):
                return Step(False, t("quiz.onboarding_fixed", lang, count=s.onboarding_count))
            count, kinds = s.onboarding_count, list(s.onboarding_kinds)
        else:
            count = count if count is not None else s.quiz_count
            kinds = kinds or list(s.quiz_kinds)
        rng = random.Random(seed if seed is not None else secrets.randbits(64))
        try:
            items = self.generator.generate(rng, lang, count, kinds)
        except QuizError as exc:
            return Step(False, t("cli.quiz_error", lang, error=exc))
        sid = secrets.token_hex(8)
        session = Session(
            sid, user.platform, str(user.user_id), community, lang, onboarding, [i.to_dict() for i in items],
            len(items), 0, 0, "active", None, now, now, None,
        )
        await self.storage.create_session(session)
        mark = round(100 * (s.onboarding_pass_mark if onboarding else s.pass_mark))
        intro = (t("quiz.onboarding_intro", lang, count=len(items), role=role, mark=mark) if onboarding
                 else t("quiz.intro", lang, count=len(items), role=role))
        return Step(True, intro, next=QuizView(sid, 0, len(items), items[0], lang, onboarding))

    # -- answering ------------------------------------------------------------------------------
    async def current(self, user: User) -> QuizView | None:
        sess = await self._live_session(user)
        if sess is None or isinstance(sess, str):
            return None
        return self._view(sess)

    async def _answer(self, user: User, choice, session_id, index, seen: list) -> Step:
        sess = await self._live_session(user)
        if sess is not None and not isinstance(sess, str):
            seen.append(sess)
        if isinstance(sess, str):  # it just timed out: the message says so
            return Step(False, sess)
        if sess is None:
            return Step(False, t("quiz.none_active", "en"))
        if session_id is not None and sess.id != session_id:  # a question of an older quiz
            return Step(False, t("quiz.old_question", sess.lang))
        lang = sess.lang
        if index is not None and index != sess.answered:
            return Step(False, t("quiz.already_answered", lang))
        item = QuizItem.from_dict(sess.items[sess.answered])
        chosen = parse_choice(item, choice)
        if chosen is None:
            return Step(False, t("quiz.bad_choice", lang, n=len(item.options), letter=option_letter(len(item.options))), next=self._view(sess))
        correct = chosen == item.answer
        now = self.clock()
        done = sess.answered + 1
        if done < sess.total:
            if not await self.storage.record_answer(sess.id, sess.answered, chosen, correct, now):
                return Step(False, t("quiz.already_answered", lang))
        else:  # the last answer, the outcome and an onboarding pass: one transaction
            stored, passed, newly = await self.storage.record_final_answer(
                sess.id, sess.answered, chosen, correct, now, self._mark(sess))
            if not stored:
                return Step(False, t("quiz.already_answered", lang))
        head = t("quiz.right", lang) if correct else t("quiz.wrong", lang, answer=item.options[item.answer])
        feedback = f"{head}\n{item.explanation}"
        if done < sess.total:
            nxt = QuizView(sess.id, done, sess.total, QuizItem.from_dict(sess.items[done]), lang, sess.onboarding)
            return Step(True, correct=correct, feedback=feedback, next=nxt)
        final = await self._final(sess, passed, newly)
        return Step(True, correct=correct, feedback=feedback, final=final)

    def _mark(self, sess: Session) -> float:
        s = self.settings
        return s.onboarding_pass_mark if sess.onboarding else s.pass_mark

    async def _final(self, sess: Session, passed: bool, newly: bool) -> Final:
        """The result text of a finished session (its outcome is stored already)."""
        s = self.settings
        answers = await self.storage.answers(sess.id)
        score = sum(1 for _, _, ok in answers if ok)
        mark = self._mark(sess)
        weak = list(dict.fromkeys(sess.items[i]["topic"] for i, _, ok in answers if not ok))
        lang = sess.lang
        lines = [t("quiz.final", lang, score=score, total=sess.total, percent=round(100 * score / sess.total))]
        lines.append(t("quiz.passed" if passed else "quiz.failed", lang, mark=round(100 * mark)))
        if sess.onboarding and newly:
            lines.append(t("quiz.onboarding_passed", lang))
        retry_after = None
        if sess.onboarding and not passed:
            retry_after = s.onboarding_cooldown
            lines.append(t("quiz.cooldown", lang, minutes=_minutes(retry_after)) if retry_after
                         else t("quiz.retry_now", lang))
        lines.append(self._review(weak, lang) if weak else t("quiz.perfect", lang))
        return Final(score, sess.total, passed, mark, sess.onboarding, newly, weak, "\n".join(lines), retry_after)

    async def _stop(self, user: User) -> Step:
        sess = await self._live_session(user)
        if isinstance(sess, str):  # it had timed out already: the message says so
            return Step(False, sess)
        if sess is None:
            return Step(False, t("quiz.none_active", "en"))
        answers = await self.storage.answers(sess.id)
        await self.storage.finish_session(sess.id, "stopped", None, self.clock())
        lang = sess.lang
        if not answers:
            return Step(True, t("quiz.stopped_none", lang, total=sess.total))
        score = sum(1 for _, _, ok in answers if ok)
        lines = [t("quiz.stopped", lang, score=score, answered=len(answers), total=sess.total,
                   percent=round(100 * score / len(answers)))]
        weak = list(dict.fromkeys(sess.items[i]["topic"] for i, _, ok in answers if not ok))
        if weak:
            lines.append(self._review(weak, lang))
        return Step(True, "\n".join(lines))

    def _review(self, weak: list[str], lang: str) -> str:
        labels = [self.advisor.topic_label(tp, lang) for tp in weak]
        return t("quiz.review", lang, topics=join_list(labels, lang), example=self._example(weak[0], lang))

    def _example(self, topic: str, lang: str) -> str:
        kind, _, key = topic.partition(":")
        if kind in ("competence", "skill"):
            return t("quiz.review_example_competence", lang, code=key)
        return t("quiz.review_example_role", lang, label=self.advisor.topic_label(topic, lang))

    async def _live_session(self, user: User):
        """The active session, or a message string if it just timed out, or None. A session left
        active with every question answered (a kill under older code) is settled here: its
        outcome and pass are stored, and there is no live session."""
        sess = await self.storage.active_session(user.platform, user.user_id)
        if sess is None:
            return None
        now = self.clock()
        if sess.answered >= sess.total:
            await self.storage.settle_session(sess.id, self._mark(sess), now)
            return None
        timeout = self.settings.session_timeout
        if now - sess.updated_at > timeout:
            await self.storage.finish_session(sess.id, "expired", None, now)
            return t("quiz.expired", sess.lang, minutes=max(1, round(timeout / 60)))
        return sess

    def _view(self, sess: Session) -> QuizView:
        return QuizView(sess.id, sess.answered, sess.total, QuizItem.from_dict(sess.items[sess.answered]), sess.lang, sess.onboarding)

    async def expire_stale(self) -> int:
        now = self.clock()
        return await self.storage.expire_sessions(now - self.settings.session_timeout, now)

    # -- leaderboards and privacy ---------------------------------------------------------------
    async def leaderboard_text(self, lang: str, platform: str | None = None, community: str | None = None,
                               limit: int = 10, names: dict | None = None) -> str:
        if limit_error(limit, lang):
            raise ValueError(limit_error(limit, lang))
        rows = await self.storage.leaderboard(platform, community, limit)
        scope = community if community is not None else t("leaderboard.overall", lang)
        lines = [t("leaderboard.title", lang, scope=scope)]
        if not rows:
            lines.append(t("leaderboard.empty", lang))
        for rank, r in enumerate(rows, start=1):
            name = (names or {}).get(r.user_id) or r.name or f"{r.platform}:{r.user_id}"
            lines.append(t("leaderboard.row", lang, rank=rank, name=name, points=r.points, quizzes=r.quizzes))
        return "\n".join(lines)

    async def forget(self, user: User, lang: str) -> str:
        n = await self.storage.forget(user.platform, user.user_id)
        return t("forget.done", lang, rows=n)
