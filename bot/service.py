"""What every chat adapter needs from the core, in one object: answers (logged, in the user's
language), votes, language preferences, quizzes, rate limits and ``forget``.

Adapters hold a :class:`Service` and translate platform events into its calls.
"""
from __future__ import annotations

import asyncio
import logging
import math
import os
import time

from . import taught as taught_mod
from .advisor import Advisor, Answer
from .dialogue import DEFAULT_TTL, Context
from .config import ConfigError, QuizSettings
from .handoff import Handoff, HandoffSettings, Outcome
from .i18n import t
from .quizzes import QuizService, User
from .ratelimit import RateLimiter
from .record import Record


class Limited(Exception):
    """Raised by a :class:`Service` action when the user is over their rate. ``notify`` is True for
    the first refusal in a while (show :meth:`text` once), False after it (stay silent: a polite
    notice per refused message would itself be a flood); ``retry_after`` in seconds."""

    def __init__(self, retry_after: float, notify: bool):
        super().__init__(f"rate limited for {retry_after:.1f} s")
        self.retry_after = retry_after
        self.notify = notify

    def text(self, lang: str) -> str:
        return t("chat.rate_limited", lang, seconds=max(1, math.ceil(self.retry_after)))


# What each action costs of the user's budget (ROLE_ADVISOR_USER_RATE): a question or a command that
# answers with a message costs one; a vote, a language choice or a quiz answer half; a leaderboard
# two (it reads the whole quiz history, and is shared for a few seconds besides).
COSTS = {"ask": 1.0, "topic": 1.0, "command": 1.0, "escalate": 1.0, "forget": 1.0, "quiz": 1.0,
         "vote": 0.5, "lang": 0.5, "quiz_answer": 0.5, "leaderboard": 2.0}
NOTICE_EVERY = 30.0  # seconds between two "you are sending messages quickly" notices to one user
LEADERBOARD_TTL = 10.0  # seconds one computed leaderboard serves every asker of the same scope


class Reply(Record):
    """An answer to show, the id of its log line (for 👍/👎 buttons), its language, and the ticket
    opened for the moderators when the advisor could not answer (hand-off enabled)."""

    __slots__ = ("answer", "log_id", "lang", "ticket")
    _defaults = {"ticket": None}


def _retention(env) -> float:
    raw = env.get("ROLE_ADVISOR_LOG_RETENTION_DAYS", "")
    try:
        days = float(raw) if raw else 90.0
        if days <= 0:
            raise ValueError
    except ValueError:
        raise ConfigError(f"ROLE_ADVISOR_LOG_RETENTION_DAYS must be a positive number of days, not {raw!r}") from None
    return days * 86400


def _context_ttl(env) -> float:
    raw = env.get("ROLE_ADVISOR_CONTEXT_MINUTES", "")
    try:
        minutes = float(raw) if raw else DEFAULT_TTL / 60
        if minutes < 0:
            raise ValueError
    except ValueError:
        raise ConfigError(f"ROLE_ADVISOR_CONTEXT_MINUTES must be a number of minutes (0 turns follow-ups off), not {raw!r}") from None
    return minutes * 60


def _taught_refresh(env) -> float:
    raw = env.get("ROLE_ADVISOR_TAUGHT_REFRESH", "")
    try:
        seconds = float(raw) if raw else 2.0
        if seconds < 0:
            raise ValueError
    except ValueError:
        raise ConfigError(f"ROLE_ADVISOR_TAUGHT_REFRESH must be a number of seconds (0: check before every question), not {raw!r}") from None
    return seconds


def _chat_key(community: str | None, chat_id) -> str:
    return str(chat_id) if chat_id is not None else (community or "")


def _rate_from_env(env) -> tuple[float, int]:
    raw = env.get("ROLE_ADVISOR_USER_RATE", "")
    if not raw:
        return 20 / 60, 8
    try:
        count, _, period = raw.partition("/")
        count_i, period_f = int(count), float(period or 60)
        if count_i < 1 or period_f <= 0:
            raise ValueError
    except ValueError:
        raise ConfigError(f"ROLE_ADVISOR_USER_RATE must look like 20/60 (messages per seconds), not {raw!r}") from None
    return count_i / period_f, max(1, min(count_i, 8))


_log = logging.getLogger("role_advisor.service")


class Service:
    def __init__(self, advisor: Advisor, storage, settings: QuizSettings | None = None, clock=time.time, env=None,
                 handoff: HandoffSettings | None = None):
        env = os.environ if env is None else env
        self.advisor = advisor
        self.storage = storage
        self.clock = clock
        self.quizzes = QuizService(advisor, storage, settings or QuizSettings.from_env(env), clock)
        self.handoff = Handoff(storage, clock, handoff or HandoffSettings.from_env(env))
        rate, burst = _rate_from_env(env)
        self.limiter = RateLimiter(rate, burst)
        self._noticed: dict[tuple[str, str], float] = {}
        self._boards: dict[tuple, tuple[float, asyncio.Future]] = {}
        self.retention = _retention(env)
        self.context_ttl = _context_ttl(env)
        self._last_purge = 0.0
        self.taught = taught_mod.EMPTY
        self.taught_every = _taught_refresh(env)
        self._taught_checked = -math.inf
        self.handoff.saver = self._save_from_ticket

    async def purge_if_due(self) -> int:
        """Apply the retention period to every table (at most once an hour); rows removed."""
        now = self.clock()
        if now - self._last_purge < 3600:
            return 0
        removed = sum((await self.storage.purge(now - self.retention)).values())
        self._last_purge = now  # only once it worked: a failed purge is tried again
        return removed

    async def maintain(self, every: float = 3600.0) -> None:
        """Apply the retention period now and then every ``every`` seconds, whether or not anyone
        asks anything (a bot runs this as a background task from its start)."""
        import asyncio
        import logging

        while True:
            try:
                self._last_purge = 0.0
                await self.purge_if_due()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a database out of reach for a while: try again next time
                logging.getLogger("role_advisor.retention").warning("retention not applied: %s", exc)
            await asyncio.sleep(every)

    async def lang_of(self, user: User) -> str | None:
        """The user's chosen answer language, or None (detect it per question)."""
        return await self.storage.get_lang(user.platform, user.user_id)

    async def _stored(self, what: str, call, default=None, retry: bool = True):
        """``await call()``, each try given at most 2 s, retried twice on an error (a dropped
        connection, a restarting server, a busy file) when ``retry`` (reads; a write that may have
        committed before its error is not repeated); then ``default``, with one warning: answering
        a question needs no database, so an outage costs the log line, the context or the language
        choice, never the answer."""
        import asyncio

        tries = 3 if retry else 1
        for attempt in range(tries):
            try:
                return await asyncio.wait_for(call(), 2.0)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if attempt < tries - 1:
                    await asyncio.sleep(0.05 * (attempt + 1) ** 2)
                    continue
                _log.warning("%s skipped, the database did not answer: %s", what, type(exc).__name__)
                return default

    async def set_lang(self, user: User, lang: str | None) -> str:
        self.admit(user, "lang")
        lang = lang if lang in ("en", "hu") else None
        await self.storage.set_lang(user.platform, user.user_id, lang, self.clock())
        shown = lang or "auto"
        return t("cli.lang_set", lang or "en", choice=shown)

    async def context(self, user: User, chat: str) -> Context | None:
        """The conversation so far in one chat, from the question log (so every instance sharing
        the database sees it): None when the user's last turn there is older than the context
        period. Small talk and declines keep the topic answered before them."""
        now = self.clock()
        rows = await self.storage.recent_turns(user.platform, user.user_id, chat, now - self.context_ttl)
        if not rows:
            return None
        lang, _, _, last = rows[0]
        ctx = Context(lang, None, "full", last)
        newer = last
        for _lang, topic, view, at in rows:
            if newer - at > self.context_ttl:
                break  # an earlier conversation
            newer = at
            if topic and not topic.startswith("smalltalk:"):
                ctx.topic, ctx.view = topic, view or "full"
                break
        return ctx

    async def ask(self, user: User, community: str | None, text: str, hint: str | None = None, chat_id=None) -> Reply:
        """Answer and log one question. ``hint``: the platform's idea of the user's language;
        ``chat_id``: where a moderator's answer should be delivered if a ticket is opened, and the
        conversation a follow-up belongs to (with the user)."""
        self.admit(user, "ask")
        forced = await self._stored("the language choice", lambda: self.lang_of(user))
        chat = _chat_key(community, chat_id)
        ctx = await self._stored("the conversation's context", lambda: self.context(user, chat))
        await self.refresh_taught()
        answer: Answer
        answer, source = taught_mod.ask(self.advisor, self.taught, text, lang=forced, hint=hint, context=ctx)
        log_id = await self._stored("the question's log line", lambda: self.storage.log_question(
            user.platform, community, user.user_id, answer.question, answer.lang, answer.topic,
            answer.confidence, answer.answered, self.clock(), chat=chat, view=answer.view, source=source,
        ), retry=False)
        ticket = None
        if not answer.answered and answer.question.strip() and self.handoff.enabled(user.platform):
            ticket = await self._stored("the hand-off ticket", lambda: self.handoff.open(
                user, community, chat_id, answer.question, answer.lang, log_id), retry=False)
            if ticket is not None and ticket.moderator_text:
                ticket.suggestions = tuple(tp for tp, _ in taught_mod.closest(self.advisor, answer.question))
        return Reply(answer, log_id, answer.lang, ticket)

    async def escalate(self, user: User, community: str | None, log_id: int, chat_id=None):
        """"Ask a moderator" pressed under an answer: a ticket with that question. The asker may press
        it, and so may anyone else in the chat where the answer was shown (one ticket per answer:
        a later press is told the moderators have it); an answer shown elsewhere is not found."""
        if not self.handoff.enabled(user.platform):
            return None
        self.admit(user, "escalate")
        rows = await self.storage.query(
            "SELECT question, lang FROM qa_log WHERE id = ? AND platform = ? AND (user_id = ? OR chat = ?)",
            (int(log_id), user.platform, str(user.user_id), _chat_key(community, chat_id)),
        )
        if not rows:
            return None
        question, lang = rows[0]
        return await self.handoff.open(user, community, chat_id, question, lang, int(log_id), once=True)

    async def answer_topic(self, user: User, community: str | None, topic: str, lang: str, chat_id=None) -> Reply:
        """A "did you mean" choice: the topic's answer, logged like a question."""
        self.admit(user, "topic")
        if topic.startswith("faq:") and self.taught.has(self.advisor, topic):
            answer = self.taught.answer(self.advisor, topic, lang, topic)
        else:
            answer = self.advisor.answer_topic(topic, lang, question=topic)
        log_id = await self._stored("the choice's log line", lambda: self.storage.log_question(
            user.platform, community, user.user_id, topic, lang, answer.topic, answer.confidence, answer.answered,
            self.clock(), chat=_chat_key(community, chat_id), view=answer.view,
        ), retry=False)
        return Reply(answer, log_id, lang)

    async def vote(self, user: User, log_id: int, up: bool) -> bool:
        self.admit(user, "vote")
        return await self.storage.vote(log_id, user.platform, user.user_id, 1 if up else -1, self.clock())

    def admit(self, user: User, action: str = "command") -> None:
        """Charge ``action`` (see :data:`COSTS`) to the user's budget, or raise :class:`Limited`.
        Every action of this service that costs work or notifies people calls it first; an adapter
        calls it for what it answers by itself (help, start, the language menu). Moderators are not
        limited: answering tickets in a row is their work."""
        if self.handoff.is_moderator(user.platform, user.user_id):
            return
        key = (user.platform, str(user.user_id))
        cost = COSTS.get(action, 1.0)
        if self.limiter.allow(key, cost):
            return
        now = self.clock()
        last = self._noticed.get(key)
        notify = last is None or now - last >= NOTICE_EVERY
        if notify:
            if len(self._noticed) >= 10_000:  # bounded: forget notices older than their period
                self._noticed = {k: v for k, v in self._noticed.items() if now - v < NOTICE_EVERY}
            self._noticed[key] = now
        raise Limited(self.limiter.wait(key, cost), notify)

    # -- quizzes, through the same limit ----------------------------------------------------------
    async def start_quiz(self, user: User, community: str, lang: str, *, onboarding: bool = False,
                         by_user: bool = True):
        """Start a quiz; ``by_user`` False when the bot starts it itself (a member joined)."""
        if by_user:
            self.admit(user, "quiz")
        return self._noted(await self.quizzes.start(user, community, lang, onboarding=onboarding))

    async def quiz_answer(self, user: User, choice, session_id: str | None = None, index: int | None = None):
        self.admit(user, "quiz_answer")
        return self._noted(await self.quizzes.answer(user, choice, session_id=session_id, index=index))

    async def stop_quiz(self, user: User):
        self.admit(user, "command")
        return self._noted(await self.quizzes.stop(user))

    @staticmethod
    def _noted(step):
        """A quiz step the data store failed to save: one line for the operator (the user's
        message says so politely)."""
        if step.unsaved:
            _log.warning("quiz step not saved, the database did not answer: %s", step.unsaved)
        return step

    async def leaderboard(self, user: User, lang: str, platform: str | None = None, community: str | None = None) -> str:
        """The leaderboard text; one computation per scope and language serves every asker for
        :data:`LEADERBOARD_TTL` seconds, and askers arriving while it runs wait for that one."""
        self.admit(user, "leaderboard")
        key = (lang, platform, community)
        now = self.clock()
        hit = self._boards.get(key)
        if hit is not None and (now - hit[0] < LEADERBOARD_TTL or not hit[1].done()):
            return await asyncio.shield(hit[1])
        fut = asyncio.ensure_future(self.quizzes.leaderboard_text(lang, platform, community))
        self._boards = {k: v for k, v in self._boards.items() if now - v[0] < LEADERBOARD_TTL}
        self._boards[key] = (now, fut)
        try:
            return await asyncio.shield(fut)
        except Exception:
            self._boards.pop(key, None)  # a failure is not shared with later askers
            raise

    async def forget(self, user: User, lang: str) -> str:
        self.admit(user, "forget")
        return await self.quizzes.forget(user, lang)

    # -- what the community teaches ---------------------------------------------------------------
    async def refresh_taught(self, force: bool = False) -> taught_mod.Taught:
        """The taught phrasings and community answers, reloaded when the database's version counter
        moved (checked at most every ``ROLE_ADVISOR_TAUGHT_REFRESH`` seconds, default 2): what a
        moderator taught on any instance reaches this one within that time, without a restart."""
        now = time.monotonic()
        if not force and now - self._taught_checked < self.taught_every:
            return self.taught
        self._taught_checked = now  # set before the await: tasks arriving meanwhile use the snapshot
        version = await self._stored("the taught phrasings' version", self.storage.taught_version)
        if version is None or (version == self.taught.version and not force):
            return self.taught
        rows = await self._stored("the taught phrasings", self.storage.taught)
        answers = await self._stored("the community answers", self.storage.community_answers)
        if rows is not None and answers is not None:
            self.taught = taught_mod.Taught(version, rows, answers, self.advisor.index)
            lost = [r for r in rows if not self.taught.has(self.advisor, r.topic)]
            if lost:  # the knowledge changed under them: said, not dropped in silence
                _log.warning("%d taught question(s) point at topics the knowledge does not have (%s); "
                             "see role-advisor taught", len(lost), ", ".join(sorted({r.topic for r in lost}))[:200])
        return self.taught

    def may_teach(self, user: User) -> bool:
        """The configured moderators of the user's platform; in the terminal, its operator (who
        can read and write the database anyway)."""
        return user.platform == "cli" or self.handoff.is_moderator(user.platform, user.user_id)

    def _moderators_only(self, user: User, lang: str) -> Outcome | None:
        """The refusal of a teaching command for anyone but a moderator (None for a moderator);
        the command is charged to the user's rate limit either way."""
        self.admit(user, "command")
        if not self.may_teach(user):
            return Outcome(False, t("ticket.not_moderator", lang))
        return None

    def _author(self, user: User) -> str:
        return f"{user.platform}:{user.user_id}"

    def topic_label(self, topic: str, lang: str) -> str:
        if topic.startswith("faq:"):
            return t("faq.label", lang, id=topic[4:])
        return self.advisor.topic_label(topic, lang)

    async def _known_topic(self, topic: str) -> bool:
        if not taught_mod.valid_topic_syntax(topic):
            return False
        if topic.startswith("faq:"):
            return await self.storage.get_answer(topic[4:]) is not None
        return self.advisor.has_topic(topic)

    async def teach(self, moderator: User, target, topic: str | None, lang: str = "en") -> Outcome:
        """Map a question to a topic: ``target`` a ticket number (int) or the phrasing itself (str).
        Without a known topic the answer lists the topics the matcher found closest
        (``suggestions``) to choose from. Taught from an open ticket, ``deliver`` is the topic's
        answer for its asker."""
        refused = self._moderators_only(moderator, lang)
        if refused is not None:
            return refused
        ticket = None
        if isinstance(target, int):
            ticket = await self.storage.get_ticket(target)
            if ticket is None or (moderator.platform != "cli" and ticket.platform != moderator.platform):
                return Outcome(False, t("ticket.not_found", lang, id=target))
            phrasing, plang = ticket.question, ticket.lang
        else:
            phrasing = " ".join(str(target or "").split())
            plang = self.advisor.detect_lang(phrasing) if phrasing else lang
        if not taught_mod.normal(phrasing, self.advisor.index):
            return Outcome(False, t("teach.usage", lang))
        if len(phrasing) > taught_mod.MAX_PHRASING:
            return Outcome(False, t("teach.too_long", lang, n=taught_mod.MAX_PHRASING))
        topic = (topic or "").strip()
        if not topic or not await self._known_topic(topic):
            near = [tp for tp, _ in taught_mod.closest(self.advisor, phrasing)]
            listed = ", ".join(f"{tp} ({self.topic_label(tp, lang)})" for tp in near) or t("report.none", lang)
            key = "teach.pick" if not topic else "teach.unknown_topic"
            return Outcome(False, t(key, lang, topic=topic[:60], topics=listed), ticket, suggestions=near)
        tid, new = await self.storage.teach(phrasing, taught_mod.normal(phrasing, self.advisor.index), topic, plang,
                                            self._author(moderator), self.clock())
        await self.refresh_taught(force=True)
        text = t("teach.done" if new else "teach.moved", lang, id=tid, phrasing=phrasing, topic=topic,
                 label=self.topic_label(topic, lang))
        deliver = None
        if ticket is not None and ticket.status == "open":
            ans = self.taught.answer(self.advisor, topic, ticket.lang, ticket.question)
            deliver = t("teach.to_user", ticket.lang, id=ticket.id, question=ticket.question, answer=ans.answer)
        return Outcome(True, text, ticket, deliver)

    async def taught_list(self, moderator: User, lang: str = "en", limit: int = 50) -> Outcome:
        refused = self._moderators_only(moderator, lang)
        if refused is not None:
            return refused
        rows = await self.storage.taught()
        if not rows:
            return Outcome(True, t("teach.list_empty", lang))
        import datetime as dt

        lines = [t("teach.list_header", lang, n=len(rows))]
        for row in rows[-limit:]:
            day = dt.datetime.fromtimestamp(row.created_at, dt.timezone.utc).date().isoformat()
            line = t("teach.list_row", lang, id=row.id, phrasing=row.phrasing[:80], topic=row.topic,
                     author=row.author or "—", date=day)
            if not row.topic.startswith("faq:") and not self.advisor.has_topic(row.topic):
                line += " " + t("taught.unknown_in_db", lang)  # reported, not dropped: the knowledge changed
            lines.append(line)
        if len(rows) > limit:
            lines.append(t("teach.list_more", lang, n=len(rows) - limit))
        return Outcome(True, "\n".join(lines))

    async def untaught(self, moderator: User, taught_id: int, lang: str = "en") -> Outcome:
        refused = self._moderators_only(moderator, lang)
        if refused is not None:
            return refused
        row = await self.storage.untaught(int(taught_id))
        if row is None:
            return Outcome(False, t("teach.not_found", lang, id=taught_id))
        await self.refresh_taught(force=True)
        return Outcome(True, t("teach.removed", lang, id=row.id, phrasing=row.phrasing, topic=row.topic))

    async def save_answer(self, moderator: User, faq_id: str | None, text: str, lang: str = "en",
                          text_lang: str | None = None, phrasing: str | None = None) -> Outcome:
        """Create or edit a community answer (topic ``faq:<id>``; a new id when None): ``text`` in
        ``text_lang`` (a text starting ``en:`` or ``hu:`` says its own; else detected when None);
        ``phrasing``, a question it answers, is taught with it."""
        refused = self._moderators_only(moderator, lang)
        if refused is not None:
            return refused
        text = (text or "").strip()
        if text[:3].lower() in ("en:", "hu:"):  # the text's language, said first: "hu: Ingyenes …"
            text_lang, text = text[:2].lower(), text[3:].strip()
        if faq_id is not None:
            faq_id = faq_id.strip().lower().removeprefix("faq:")
            if not taught_mod.FAQ_ID.match(faq_id):
                return Outcome(False, t("faq.bad_id", lang, id=faq_id[:40]))
        if not text or len(text) > 2000:
            return Outcome(False, t("faq.usage", lang))
        text_lang = text_lang if text_lang in ("en", "hu") else self.advisor.detect_lang(text)
        faq_id, new = await self.storage.save_answer(faq_id or None, text_lang, text, self._author(moderator), self.clock())
        out = t("faq.saved" if new else "faq.edited", lang, id=faq_id, lang=text_lang)
        norm = taught_mod.normal(phrasing, self.advisor.index) if phrasing else ""
        if norm:
            await self.storage.teach(phrasing[:taught_mod.MAX_PHRASING], norm, f"faq:{faq_id}",
                                     self.advisor.detect_lang(phrasing), self._author(moderator), self.clock())
            out += " " + t("faq.with_phrasing", lang, phrasing=phrasing[:80])
        await self.refresh_taught(force=True)
        return Outcome(True, out)

    async def edit_answer(self, moderator: User, faq_id: str, text: str, lang: str = "en",
                          text_lang: str | None = None) -> Outcome:
        """Set the text of an existing community answer in one language (detected when None)."""
        refused = self._moderators_only(moderator, lang)
        if refused is not None:
            return refused
        key = (faq_id or "").strip().lower().removeprefix("faq:")
        if await self.storage.get_answer(key) is None:
            return Outcome(False, t("faq.not_found", lang, id=key[:40]))
        return await self.save_answer(moderator, key, text, lang, text_lang=text_lang)

    async def answers_list(self, moderator: User, lang: str = "en") -> Outcome:
        refused = self._moderators_only(moderator, lang)
        if refused is not None:
            return refused
        rows = await self.storage.community_answers()
        if not rows:
            return Outcome(True, t("faq.list_empty", lang))
        lines = [t("faq.list_header", lang, n=len(rows))]
        for a in rows:
            for code, text in (("en", a.text_en), ("hu", a.text_hu)):
                if text:
                    short = " ".join(text.split())
                    lines.append(t("faq.list_row", lang, id=a.id, lang=code, text=short[:80] + ("…" if len(short) > 80 else "")))
        return Outcome(True, "\n".join(lines))

    async def remove_answer(self, moderator: User, faq_id: str, lang: str = "en") -> Outcome:
        refused = self._moderators_only(moderator, lang)
        if refused is not None:
            return refused
        faq_id = (faq_id or "").strip().lower().removeprefix("faq:")
        if not await self.storage.remove_answer(faq_id):
            return Outcome(False, t("faq.not_found", lang, id=faq_id[:40]))
        await self.refresh_taught(force=True)
        return Outcome(True, t("faq.removed", lang, id=faq_id))

    async def _save_from_ticket(self, moderator: User, ticket, text: str, faq_id: str | None, lang: str) -> str:
        """``/reply 42 --save …``: the reply becomes a community answer, the ticket's question its
        first phrasing (called by :class:`Handoff` once the reply is recorded)."""
        if not self.may_teach(moderator):
            return t("ticket.not_moderator", lang)
        out = await self.save_answer(moderator, faq_id, text, lang, text_lang=ticket.lang, phrasing=ticket.question)
        return out.text
