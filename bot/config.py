"""Settings from the environment (and their defaults), read once at start-up.

Every variable is listed in the README's configuration reference. Bad values raise
:class:`ConfigError` naming the variable; secrets are never echoed.
"""
from __future__ import annotations

import os

from .limits import COUNT_MAX, COUNT_MIN
from .quiz import KINDS
from .record import Record


class ConfigError(ValueError):
    pass


def _int(env, name, default, lo, hi) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        v = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if not lo <= v <= hi:
        raise ConfigError(f"{name} must be between {lo} and {hi}, not {v}")
    return v


def _float(env, name, default, lo, hi) -> float:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        v = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from None
    if not lo <= v <= hi:
        raise ConfigError(f"{name} must be between {lo} and {hi}, not {v}")
    return v


def _kinds(env, name, default) -> tuple[str, ...]:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    kinds = tuple(k.strip() for k in raw.split(",") if k.strip())
    bad = [k for k in kinds if k not in KINDS]
    if bad or not kinds:
        raise ConfigError(f"{name}: unknown quiz kind(s) {', '.join(bad) or '(none given)'}; known: {', '.join(KINDS)}")
    return kinds


class QuizSettings(Record):
    """Quiz and onboarding settings.

    quiz_count / quiz_kinds / pass_mark: an ordinary quiz; onboarding_*: the onboarding quiz;
    onboarding_cooldown: seconds before a failed onboarding may be retried; session_timeout:
    seconds without an answer after which a quiz session ends."""

    __slots__ = (
        "quiz_count", "quiz_kinds", "pass_mark", "onboarding_count", "onboarding_kinds",
        "onboarding_pass_mark", "onboarding_cooldown", "session_timeout",
    )
    _defaults = {
        "quiz_count": 5, "quiz_kinds": KINDS, "pass_mark": 0.6, "onboarding_count": 5,
        "onboarding_kinds": ("competence_title", "competence_level", "skill_meaning", "kpi", "task"),
        "onboarding_pass_mark": 0.8, "onboarding_cooldown": 3600, "session_timeout": 900,
    }

    @classmethod
    def from_env(cls, env=None) -> "QuizSettings":
        env = os.environ if env is None else env
        d = cls._defaults
        return cls(
            quiz_count=_int(env, "ROLE_ADVISOR_QUIZ_COUNT", d["quiz_count"], COUNT_MIN, COUNT_MAX),
            quiz_kinds=_kinds(env, "ROLE_ADVISOR_QUIZ_KINDS", d["quiz_kinds"]),
            pass_mark=_float(env, "ROLE_ADVISOR_QUIZ_PASS_MARK", d["pass_mark"], 0.0, 1.0),
            onboarding_count=_int(env, "ROLE_ADVISOR_ONBOARDING_COUNT", d["onboarding_count"], COUNT_MIN, COUNT_MAX),
            onboarding_kinds=_kinds(env, "ROLE_ADVISOR_ONBOARDING_KINDS", d["onboarding_kinds"]),
            onboarding_pass_mark=_float(env, "ROLE_ADVISOR_ONBOARDING_PASS_MARK", d["onboarding_pass_mark"], 0.0, 1.0),
            onboarding_cooldown=_int(env, "ROLE_ADVISOR_ONBOARDING_COOLDOWN", d["onboarding_cooldown"], 0, 30 * 86400),
            session_timeout=_int(env, "ROLE_ADVISOR_QUIZ_TIMEOUT", d["session_timeout"], 30, 7 * 86400),
        )
