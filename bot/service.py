"""What every chat adapter needs from the core, in one object: answers (logged, in the user's
language), votes, language preferences, quizzes, rate limits and ``forget``.

Adapters hold a :class:`Service` and translate platform events into its calls.
"""
from __future__ import annotations

import os
import time

from .advisor import Advisor, Answer
from .config import ConfigError, QuizSettings
from .handoff import Handoff, HandoffSettings
from .i18n import t
from .quizzes import QuizService, User
from .ratelimit import RateLimiter
from .record import Record


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
        self.retention = _retention(env)
        self._last_purge = 0.0

    async def purge_if_due(self) -> int:
        """Apply the log retention period (at most once an hour)."""
        now = self.clock()
        if now - self._last_purge < 3600:
            return 0
        self._last_purge = now
        return await self.storage.purge_logs(now - self.retention)

    async def lang_of(self, user: User) -> str | None:
        """The user's chosen answer language, or None (detect it per question)."""
        return await self.storage.get_lang(user.platform, user.user_id)

    async def set_lang(self, user: User, lang: str | None) -> str:
        lang = lang if lang in ("en", "hu") else None
        await self.storage.set_lang(user.platform, user.user_id, lang, self.clock())
        shown = lang or "auto"
        return t("cli.lang_set", lang or "en", choice=shown)

    async def ask(self, user: User, community: str | None, text: str, hint: str | None = None, chat_id=None) -> Reply:
        """Answer and log one question. ``hint``: the platform's idea of the user's language;
        ``chat_id``: where a moderator's answer should be delivered if a ticket is opened."""
        forced = await self.lang_of(user)
        answer: Answer = self.advisor.ask(text, lang=forced, hint=hint)
        await self.purge_if_due()
        log_id = await self.storage.log_question(
            user.platform, community, user.user_id, answer.question, answer.lang, answer.topic,
            answer.confidence, answer.answered, self.clock(),
        )
        ticket = None
        if not answer.answered and answer.question.strip() and self.handoff.enabled(user.platform):
            ticket = await self.handoff.open(user, community, chat_id, answer.question, answer.lang, log_id)
        return Reply(answer, log_id, answer.lang, ticket)

    async def escalate(self, user: User, community: str | None, log_id: int, chat_id=None):
        """The asker pressed "ask a moderator" under an answer: a ticket with that question."""
        if not self.handoff.enabled(user.platform):
            return None
        rows = await self.storage.query(
            "SELECT question, lang FROM qa_log WHERE id = ? AND platform = ? AND user_id = ?",
            (int(log_id), user.platform, str(user.user_id)),
        )
        if not rows:
            return None
        question, lang = rows[0]
        return await self.handoff.open(user, community, chat_id, question, lang, int(log_id))

    async def answer_topic(self, user: User, community: str | None, topic: str, lang: str) -> Reply:
        """A "did you mean" choice: the topic's answer, logged like a question."""
        answer = self.advisor.answer_topic(topic, lang, question=topic)
        log_id = await self.storage.log_question(
            user.platform, community, user.user_id, topic, lang, answer.topic, answer.confidence, answer.answered, self.clock()
        )
        return Reply(answer, log_id, lang)

    async def vote(self, user: User, log_id: int, up: bool) -> bool:
        return await self.storage.vote(log_id, user.platform, user.user_id, 1 if up else -1, self.clock())

    def allow(self, user: User) -> bool:
        return self.limiter.allow((user.platform, user.user_id))

    async def forget(self, user: User, lang: str) -> str:
        return await self.quizzes.forget(user, lang)
