"""What every chat adapter needs from the core, in one object: answers (logged, in the user's
language), votes, language preferences, quizzes, rate limits and ``forget``.

Adapters hold a :class:`Service` and translate platform events into its calls.
"""
from __future__ import annotations

import os
import time

from .advisor import Advisor, Answer
from .config import ConfigError, QuizSettings
from .i18n import t
from .quizzes import QuizService, User
from .ratelimit import RateLimiter
from .record import Record


class Reply(Record):
    """An answer to show, the id of its log line (for 👍/👎 buttons) and its language."""

    __slots__ = ("answer", "log_id", "lang")


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
    def __init__(self, advisor: Advisor, storage, settings: QuizSettings | None = None, clock=time.time, env=None):
        env = os.environ if env is None else env
        self.advisor = advisor
        self.storage = storage
        self.clock = clock
        self.quizzes = QuizService(advisor, storage, settings or QuizSettings.from_env(env), clock)
        rate, burst = _rate_from_env(env)
        self.limiter = RateLimiter(rate, burst)

    async def lang_of(self, user: User) -> str | None:
        """The user's chosen answer language, or None (detect it per question)."""
        return await self.storage.get_lang(user.platform, user.user_id)

    async def set_lang(self, user: User, lang: str | None) -> str:
        lang = lang if lang in ("en", "hu") else None
        await self.storage.set_lang(user.platform, user.user_id, lang, self.clock())
        shown = lang or "auto"
        return t("cli.lang_set", lang or "en", choice=shown)

    async def ask(self, user: User, community: str | None, text: str, hint: str | None = None) -> Reply:
        """Answer and log one question. ``hint``: the platform's idea of the user's language."""
        forced = await self.lang_of(user)
        answer: Answer = self.advisor.ask(text, lang=forced, hint=hint)
        log_id = await self.storage.log_question(
            user.platform, community, user.user_id, answer.question, answer.lang, answer.topic,
            answer.confidence, answer.answered, self.clock(),
        )
        return Reply(answer, log_id, answer.lang)

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
