"""Bounds of what a user may ask for — questions in a quiz, rows of a leaderboard, the platforms —
and the message that says why a request is outside them. Light (the message catalogue only), so
a command line can check its arguments without loading the quiz engine or the storage.
"""
from __future__ import annotations

from .i18n import t

PLATFORMS = ("cli", "telegram", "discord")
COUNT_MIN, COUNT_MAX = 1, 50  # questions in one quiz
LIMIT_MIN, LIMIT_MAX = 1, 100  # rows of a leaderboard


def count_error(count: int | None, lang: str) -> str | None:
    """Why a requested number of questions cannot be used (None: it can, or none was asked for)."""
    if count is None or COUNT_MIN <= count <= COUNT_MAX:
        return None
    return t("quiz.count_range", lang, lo=COUNT_MIN, hi=COUNT_MAX, count=count)


def limit_error(limit: int, lang: str) -> str | None:
    """Why a leaderboard length cannot be used (None: it can)."""
    if LIMIT_MIN <= limit <= LIMIT_MAX:
        return None
    return t("leaderboard.limit_range", lang, lo=LIMIT_MIN, hi=LIMIT_MAX, limit=limit)
