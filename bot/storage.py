"""Durable state behind a small async interface: users, quiz sessions and answers, onboarding
passes, leaderboards, logged questions and votes, tickets, and ``forget``.

SQLite is the default: one file under ``ROLE_ADVISOR_DATA_DIR``, WAL journal, versioned schema
migrations (``PRAGMA user_version``). Every write is one transaction; an answer is committed before
the call returns, so killing the process at any moment loses no acknowledged answer. One connection
is shared by the event loop's tasks and a lock keeps their transactions apart. PostgreSQL
(``ROLE_ADVISOR_DATABASE_URL=postgresql://…``) runs the same migrations and queries for several
instances sharing one database.
"""
from __future__ import annotations

import asyncio
import json
import os
import re
import threading
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from .record import Record

ENV_DATA_DIR = "ROLE_ADVISOR_DATA_DIR"
ENV_DATABASE_URL = "ROLE_ADVISOR_DATABASE_URL"
PASSWORD_ENV = "ROLE_ADVISOR_DATABASE_PASSWORD"  # the password apart from the URL: any character, no encoding
DB_FILE = "role-advisor.sqlite3"

# Each migration is applied once, in order, in one transaction; never edit a released one. The same
# scripts serve SQLite and PostgreSQL: {ID} and {REAL} are replaced by each dialect's types.
MIGRATIONS: list[str] = [
    # 1: users, quizzes, onboarding
    """
    CREATE TABLE users (
        platform TEXT NOT NULL,
        user_id TEXT NOT NULL,
        display_name TEXT,
        lang TEXT,
        created_at {REAL} NOT NULL,
        PRIMARY KEY (platform, user_id)
    );
    CREATE TABLE quiz_sessions (
        id TEXT PRIMARY KEY,
        platform TEXT NOT NULL,
        user_id TEXT NOT NULL,
        community TEXT NOT NULL,
        lang TEXT NOT NULL,
        onboarding INTEGER NOT NULL DEFAULT 0,
        items TEXT NOT NULL,
        total INTEGER NOT NULL,
        answered INTEGER NOT NULL DEFAULT 0,
        score INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'active',
        passed INTEGER,
        started_at {REAL} NOT NULL,
        updated_at {REAL} NOT NULL,
        finished_at {REAL}
    );
    CREATE INDEX quiz_sessions_user ON quiz_sessions (platform, user_id, status);
    CREATE INDEX quiz_sessions_community ON quiz_sessions (platform, community);
    CREATE TABLE quiz_answers (
        session_id TEXT NOT NULL REFERENCES quiz_sessions(id) ON DELETE CASCADE,
        item_index INTEGER NOT NULL,
        chosen INTEGER NOT NULL,
        correct INTEGER NOT NULL,
        answered_at {REAL} NOT NULL,
        PRIMARY KEY (session_id, item_index)
    );
    CREATE TABLE onboarding_passes (
        platform TEXT NOT NULL,
        community TEXT NOT NULL,
        user_id TEXT NOT NULL,
        score {REAL} NOT NULL,
        passed_at {REAL} NOT NULL,
        PRIMARY KEY (platform, community, user_id)
    );
    """,
    # 2: questions asked and their votes; quiz prompts shown on a platform (polls, button messages)
    """
    CREATE TABLE qa_log (
        id {ID},
        platform TEXT NOT NULL,
        community TEXT,
        user_id TEXT,
        question TEXT NOT NULL,
        lang TEXT NOT NULL,
        topic TEXT,
        confidence {REAL} NOT NULL,
        answered INTEGER NOT NULL,
        created_at {REAL} NOT NULL
    );
    CREATE INDEX qa_log_time ON qa_log (created_at);
    CREATE INDEX qa_log_user ON qa_log (platform, user_id);
    CREATE TABLE votes (
        log_id INTEGER NOT NULL REFERENCES qa_log(id) ON DELETE CASCADE,
        platform TEXT NOT NULL,
        user_id TEXT NOT NULL,
        vote INTEGER NOT NULL,
        created_at {REAL} NOT NULL,
        PRIMARY KEY (log_id, platform, user_id)
    );
    CREATE TABLE prompts (
        platform TEXT NOT NULL,
        prompt_id TEXT NOT NULL,
        session_id TEXT NOT NULL REFERENCES quiz_sessions(id) ON DELETE CASCADE,
        item_index INTEGER NOT NULL,
        user_id TEXT NOT NULL,
        chat_id TEXT,
        created_at {REAL} NOT NULL,
        PRIMARY KEY (platform, prompt_id)
    );
    """,
    # 3: hand-off tickets to moderators
    """
    CREATE TABLE tickets (
        id {ID},
        platform TEXT NOT NULL,
        community TEXT,
        user_id TEXT NOT NULL,
        chat_id TEXT,
        question TEXT NOT NULL,
        lang TEXT NOT NULL,
        log_id INTEGER,
        status TEXT NOT NULL DEFAULT 'open',
        answer TEXT,
        moderator_id TEXT,
        created_at {REAL} NOT NULL,
        answered_at {REAL},
        closed_at {REAL}
    );
    CREATE INDEX tickets_status ON tickets (status, platform);
    CREATE INDEX tickets_user ON tickets (platform, user_id);
    """,
    # 4: dialogue context: the chat a question came from and the kind of answer it got, so a
    # follow-up ("what level?") resolves against the user's last turn in that chat, on any instance
    """
    ALTER TABLE qa_log ADD COLUMN chat TEXT;
    ALTER TABLE qa_log ADD COLUMN view TEXT;
    CREATE INDEX qa_log_conversation ON qa_log (platform, user_id, chat, created_at);
    """,
    # 5: what the community teaches the advisor: phrasings mapped to a topic by a moderator (who and
    # when, never the asker), the community's own answers (faq:<id>, English and/or Hungarian), and
    # one version counter every instance polls to pick changes up; where a logged answer came from
    """
    CREATE TABLE taught_phrasings (
        id {ID},
        phrasing TEXT NOT NULL,
        norm TEXT NOT NULL UNIQUE,
        topic TEXT NOT NULL,
        lang TEXT,
        author TEXT,
        created_at {REAL} NOT NULL
    );
    CREATE INDEX taught_topic ON taught_phrasings (topic);
    CREATE TABLE community_answers (
        id TEXT PRIMARY KEY,
        text_en TEXT,
        text_hu TEXT,
        author TEXT,
        created_at {REAL} NOT NULL,
        updated_at {REAL} NOT NULL
    );
    CREATE TABLE taught_state (
        id INTEGER PRIMARY KEY,
        version INTEGER NOT NULL
    );
    INSERT INTO taught_state (id, version) VALUES (1, 0);
    ALTER TABLE qa_log ADD COLUMN source TEXT;
    """,
    # 6: the inbox: updates a platform handed over (Telegram's getUpdates), recorded before they
    # are confirmed to it and marked done once handled, so a crash loses none of them. A handled
    # update keeps only its id (for a day, to recognise it if it comes again), never its content.
    """
    CREATE TABLE inbox (
        platform TEXT NOT NULL,
        update_id BIGINT NOT NULL,
        user_id TEXT,
        payload TEXT,
        received_at {REAL} NOT NULL,
        done_at {REAL},
        PRIMARY KEY (platform, update_id)
    );
    CREATE INDEX inbox_pending ON inbox (platform, done_at);
    """,
]


class StorageError(Exception):
    """The data store cannot be opened or used; the message is for people."""


def store_failed(exc: BaseException) -> bool:
    """True for an error of the data store itself — a full disk, an I/O error, a read-only or
    locked file, a dropped connection, a timeout — as opposed to a bug."""
    if isinstance(exc, (StorageError, OSError, TimeoutError, asyncio.TimeoutError)):
        return True
    mod = type(exc).__module__ or ""
    return mod == "sqlite3" or mod.startswith("asyncpg")


class Session(Record):
    """A stored quiz session (items as plain dicts)."""

    __slots__ = (
        "id", "platform", "user_id", "community", "lang", "onboarding", "items", "total", "answered",
        "score", "status", "passed", "started_at", "updated_at", "finished_at",
    )


class LeaderRow(Record):
    __slots__ = ("platform", "user_id", "name", "points", "quizzes")


class Taught(Record):
    """A phrasing a moderator mapped to a topic (``author`` is ``platform:id`` of the moderator)."""

    __slots__ = ("id", "phrasing", "norm", "topic", "lang", "author", "created_at")


class CommunityAnswer(Record):
    """The community's own answer to a question the profile does not cover: topic ``faq:<id>``."""

    __slots__ = ("id", "text_en", "text_hu", "author", "created_at", "updated_at")


class Ticket(Record):
    """A question handed to moderators: open -> answered (a reply is recorded) -> closed."""

    __slots__ = ("id", "platform", "community", "user_id", "chat_id", "question", "lang", "log_id", "status",
                 "answer", "moderator_id", "created_at", "answered_at", "closed_at")


_SESSION_COLS = ", ".join(Session.__slots__)
_TICKET_COLS = ", ".join(Ticket.__slots__)
_TAUGHT_COLS = ", ".join(Taught.__slots__)
_ANSWER_COLS = ", ".join(CommunityAnswer.__slots__)
_BUMP = ("UPDATE taught_state SET version = version + 1 WHERE id = 1", ())


def _session(row) -> Session:
    d = dict(zip(Session.__slots__, row))
    d["items"] = json.loads(d["items"])
    d["onboarding"] = bool(d["onboarding"])
    d["passed"] = None if d["passed"] is None else bool(d["passed"])
    return Session(**d)


def default_sqlite_path() -> Path:
    base = os.environ.get(ENV_DATA_DIR) or os.path.join(os.path.expanduser("~"), ".local", "share", "role-advisor")
    return Path(base) / DB_FILE


class _Tx:
    """A transaction's statements: ``execute`` returns the changed-row count, ``fetchone`` a tuple."""

    async def execute(self, sql: str, args: tuple = ()) -> int:  # pragma: no cover - interface
        raise NotImplementedError

    async def fetchone(self, sql: str, args: tuple = ()):  # pragma: no cover - interface
        raise NotImplementedError


class BaseStorage:
    """Every query of the application, written once in portable SQL with ``?`` placeholders; the
    backends supply connections, transactions and the dialect's types."""

    dialect = "sqlite"

    async def __aenter__(self):
        await self.open()
        return self

    async def __aexit__(self, *exc):
        await self.close()

    @classmethod
    def migration_sql(cls, script: str) -> str:
        types = {"sqlite": ("INTEGER PRIMARY KEY AUTOINCREMENT", "REAL"),
                 "postgresql": ("SERIAL PRIMARY KEY", "DOUBLE PRECISION")}[cls.dialect]
        return script.replace("{ID}", types[0]).replace("{REAL}", types[1])

    async def _write(self, statements: list[tuple[str, tuple]]) -> list[int]:
        """Run statements in one transaction; returns each statement's changed-row count."""
        async with self._tx() as tx:
            return [await tx.execute(sql, args) for sql, args in statements]

    # -- users ----------------------------------------------------------------------------------
    async def touch_user(self, platform: str, user_id: str, now: float, display_name: str | None = None) -> None:
        await self._write([(
            "INSERT INTO users (platform, user_id, display_name, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (platform, user_id) DO UPDATE SET display_name = COALESCE(excluded.display_name, users.display_name)",
            (platform, str(user_id), display_name, now),
        )])

    async def set_lang(self, platform: str, user_id: str, lang: str | None, now: float) -> None:
        await self._write([(
            "INSERT INTO users (platform, user_id, lang, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (platform, user_id) DO UPDATE SET lang = excluded.lang",
            (platform, str(user_id), lang, now),
        )])

    async def get_lang(self, platform: str, user_id: str) -> str | None:
        row = await self._one("SELECT lang FROM users WHERE platform = ? AND user_id = ?", (platform, str(user_id)))
        return row[0] if row else None

    # -- quiz sessions --------------------------------------------------------------------------
    async def create_session(self, s: Session, replace_active: bool = True) -> None:
        stmts = []
        if replace_active:
            stmts.append((
                "UPDATE quiz_sessions SET status = 'abandoned', updated_at = ? "
                "WHERE platform = ? AND user_id = ? AND status = 'active'",
                (s.started_at, s.platform, str(s.user_id)),
            ))
        stmts.append((
            f"INSERT INTO quiz_sessions ({_SESSION_COLS}) VALUES ({', '.join('?' * len(Session.__slots__))})",
            (s.id, s.platform, str(s.user_id), s.community, s.lang, int(s.onboarding), json.dumps(s.items, ensure_ascii=False),
             s.total, s.answered, s.score, s.status, s.passed, s.started_at, s.updated_at, s.finished_at),
        ))
        await self._write(stmts)

    async def get_session(self, session_id: str) -> Session | None:
        row = await self._one(f"SELECT {_SESSION_COLS} FROM quiz_sessions WHERE id = ?", (session_id,))
        return _session(row) if row else None

    async def active_session(self, platform: str, user_id: str) -> Session | None:
        row = await self._one(
            f"SELECT {_SESSION_COLS} FROM quiz_sessions WHERE platform = ? AND user_id = ? AND status = 'active' "
            "ORDER BY started_at DESC LIMIT 1",
            (platform, str(user_id)),
        )
        return _session(row) if row else None

    async def record_answer(self, session_id: str, item_index: int, chosen: int, correct: bool, now: float) -> bool:
        """Store one answer and update the session's tally, atomically. False when that item of
        that session was already answered (a double click) or the session is not active."""
        async with self._tx() as tx:
            return await self._add_answer(tx, session_id, item_index, chosen, correct, now)

    async def record_final_answer(self, session_id: str, item_index: int, chosen: int, correct: bool, now: float,
                                  pass_mark: float) -> tuple[bool, bool, bool]:
        """Store the last answer of a session and its outcome in one transaction: the answer, the
        session finished with passed or not, and for an onboarding quiz passed, the pass. A kill at
        any moment leaves either none of it or all of it. Returns (stored, passed, newly passed);
        stored is False as for :meth:`record_answer`."""
        async with self._tx() as tx:
            if not await self._add_answer(tx, session_id, item_index, chosen, correct, now):
                return False, False, False
            passed, newly = await self._settle(tx, session_id, pass_mark, now)
            return True, passed, newly

    async def _add_answer(self, tx, session_id: str, item_index: int, chosen: int, correct: bool, now: float) -> bool:
        n = await tx.execute(
            "INSERT INTO quiz_answers (session_id, item_index, chosen, correct, answered_at) "
            "SELECT CAST(? AS TEXT), CAST(? AS INTEGER), CAST(? AS INTEGER), CAST(? AS INTEGER), CAST(? AS {REAL}) "
            "WHERE EXISTS (SELECT 1 FROM quiz_sessions WHERE id = ? AND status = 'active') "
            "ON CONFLICT (session_id, item_index) DO NOTHING".replace("{REAL}", self._real),
            (session_id, item_index, chosen, int(correct), now, session_id),
        )
        if n != 1:
            return False
        await tx.execute(
            "UPDATE quiz_sessions SET answered = answered + 1, score = score + ?, updated_at = ? WHERE id = ?",
            (int(correct), now, session_id),
        )
        return True

    async def settle_session(self, session_id: str, pass_mark: float, now: float) -> tuple[bool, bool] | None:
        """Finish a session left active with every question answered (by code older than
        :meth:`record_final_answer`): its outcome and pass, in one transaction. None when it is
        not such a session."""
        async with self._tx() as tx:
            row = await tx.fetchone("SELECT answered, total, status FROM quiz_sessions WHERE id = ?", (session_id,))
            if row is None or row[2] != "active" or row[0] < row[1]:
                return None
            return await self._settle(tx, session_id, pass_mark, now)

    async def _settle(self, tx, session_id: str, pass_mark: float, now: float) -> tuple[bool, bool]:
        """Inside a transaction: finish the session when every question is answered; (passed,
        newly passed onboarding)."""
        platform, community, user_id, onboarding, answered, total, score = await tx.fetchone(
            "SELECT platform, community, user_id, onboarding, answered, total, score FROM quiz_sessions WHERE id = ?",
            (session_id,),
        )
        if answered < total:
            return False, False
        passed = total > 0 and score / total >= pass_mark - 1e-9
        await tx.execute(
            "UPDATE quiz_sessions SET status = 'finished', passed = ?, finished_at = ?, updated_at = ? "
            "WHERE id = ? AND status = 'active'",
            (int(passed), now, now, session_id),
        )
        newly = False
        if onboarding and passed:
            newly = await tx.execute(
                "INSERT INTO onboarding_passes (platform, community, user_id, score, passed_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (platform, community, user_id) DO NOTHING",
                (platform, community, str(user_id), score / total, now),
            ) == 1
        return passed, newly

    async def answers(self, session_id: str) -> list[tuple[int, int, bool]]:
        rows = await self._all(
            "SELECT item_index, chosen, correct FROM quiz_answers WHERE session_id = ? ORDER BY item_index", (session_id,)
        )
        return [(i, c, bool(ok)) for i, c, ok in rows]

    async def finish_session(self, session_id: str, status: str, passed: bool | None, now: float) -> bool:
        (n,) = await self._write([(
            "UPDATE quiz_sessions SET status = ?, passed = ?, finished_at = ?, updated_at = ? WHERE id = ? AND status = 'active'",
            (status, None if passed is None else int(passed), now, now, session_id),
        )])
        return n == 1

    async def expire_sessions(self, older_than: float, now: float) -> int:
        (n,) = await self._write([(
            "UPDATE quiz_sessions SET status = 'expired', finished_at = ?, updated_at = ? WHERE status = 'active' AND updated_at < ?",
            (now, now, older_than),
        )])
        return n

    async def last_onboarding(self, platform: str, community: str, user_id: str) -> Session | None:
        row = await self._one(
            f"SELECT {_SESSION_COLS} FROM quiz_sessions WHERE platform = ? AND community = ? AND user_id = ? "
            "AND onboarding = 1 AND status = 'finished' ORDER BY finished_at DESC LIMIT 1",
            (platform, community, str(user_id)),
        )
        return _session(row) if row else None

    # -- onboarding -----------------------------------------------------------------------------
    async def record_pass(self, platform: str, community: str, user_id: str, score: float, now: float) -> None:
        await self._write([(
            "INSERT INTO onboarding_passes (platform, community, user_id, score, passed_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (platform, community, user_id) DO NOTHING",
            (platform, community, str(user_id), score, now),
        )])

    async def has_passed(self, platform: str, community: str, user_id: str) -> bool:
        row = await self._one(
            "SELECT 1 FROM onboarding_passes WHERE platform = ? AND community = ? AND user_id = ?",
            (platform, community, str(user_id)),
        )
        return row is not None

    # -- leaderboards ---------------------------------------------------------------------------
    async def leaderboard(self, platform: str | None = None, community: str | None = None, limit: int = 10) -> list[LeaderRow]:
        where, args = [], []
        if platform is not None:
            where.append("s.platform = ?")
            args.append(platform)
        if community is not None:
            where.append("s.community = ?")
            args.append(community)
        sql = (
            "SELECT s.platform, s.user_id, MAX(u.display_name), SUM(s.score) AS points, COUNT(*) AS quizzes "
            "FROM quiz_sessions s LEFT JOIN users u ON u.platform = s.platform AND u.user_id = s.user_id "
            "WHERE s.answered > 0" + "".join(f" AND {w}" for w in where) +
            " GROUP BY s.platform, s.user_id ORDER BY points DESC, quizzes ASC, MIN(s.started_at) ASC LIMIT ?"
        )
        rows = await self._all(sql, (*args, int(limit)))
        return [LeaderRow(p, u, n, int(pts), int(q)) for p, u, n, pts, q in rows]

    # -- questions, votes, prompts ----------------------------------------------------------------
    async def log_question(self, platform: str, community: str | None, user_id: str | None, question: str,
                           lang: str, topic: str | None, confidence: float, answered: bool, now: float,
                           chat: str | None = None, view: str | None = None, source: str | None = None) -> int:
        """``source``: None for the profile's matcher, ``taught`` for a taught phrasing."""
        async with self._tx() as tx:
            row = await tx.fetchone(
                "INSERT INTO qa_log (platform, community, user_id, question, lang, topic, confidence, answered, created_at, "
                "chat, view, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (platform, community, None if user_id is None else str(user_id), question, lang, topic,
                 float(confidence), int(answered), now, chat, view, source),
            )
            return int(row[0])

    async def recent_turns(self, platform: str, user_id: str, chat: str | None, since: float,
                           limit: int = 8) -> list[tuple[str, str | None, str | None, float]]:
        """The user's latest logged turns in one chat since ``since``, newest first:
        (lang, topic, view, created_at)."""
        rows = await self._all(
            "SELECT lang, topic, view, created_at FROM qa_log WHERE platform = ? AND user_id = ? AND chat = ? "
            "AND created_at >= ? ORDER BY created_at DESC, id DESC LIMIT ?",
            (platform, str(user_id), chat or "", since, int(limit)),
        )
        return [(r[0], r[1], r[2], float(r[3])) for r in rows]

    async def vote(self, log_id: int, platform: str, user_id: str, vote: int, now: float) -> bool:
        """Record (or change) a user's 👍 (+1) / 👎 (-1) on a logged answer. False if no such answer."""
        (n,) = await self._write([(
            "INSERT INTO votes (log_id, platform, user_id, vote, created_at) "
            "SELECT CAST(? AS INTEGER), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS INTEGER), CAST(? AS " + self._real + ") "
            "WHERE EXISTS (SELECT 1 FROM qa_log WHERE id = ?) "
            "ON CONFLICT (log_id, platform, user_id) DO UPDATE SET vote = excluded.vote, created_at = excluded.created_at",
            (int(log_id), platform, str(user_id), 1 if vote > 0 else -1, now, int(log_id)),
        )])
        return n == 1

    async def votes_for(self, log_id: int) -> tuple[int, int]:
        row = await self._one(
            "SELECT COALESCE(SUM(CASE WHEN vote > 0 THEN 1 ELSE 0 END), 0), "
            "COALESCE(SUM(CASE WHEN vote < 0 THEN 1 ELSE 0 END), 0) FROM votes WHERE log_id = ?", (int(log_id),)
        )
        return int(row[0]), int(row[1])

    async def add_prompt(self, platform: str, prompt_id: str, session_id: str, item_index: int, user_id: str,
                         chat_id: str | None, now: float) -> None:
        await self._write([(
            "INSERT INTO prompts (platform, prompt_id, session_id, item_index, user_id, chat_id, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (platform, prompt_id) DO NOTHING",
            (platform, str(prompt_id), session_id, item_index, str(user_id), None if chat_id is None else str(chat_id), now),
        )])

    async def get_prompt(self, platform: str, prompt_id: str) -> tuple[str, int, str, str | None] | None:
        """(session_id, item_index, user_id, chat_id) of a prompt shown on a platform."""
        row = await self._one(
            "SELECT session_id, item_index, user_id, chat_id FROM prompts WHERE platform = ? AND prompt_id = ?",
            (platform, str(prompt_id)),
        )
        return tuple(row) if row else None

    # -- tickets --------------------------------------------------------------------------------
    async def open_ticket(self, platform: str, community: str | None, user_id: str, chat_id: str | None,
                          question: str, lang: str, log_id: int | None, now: float) -> int:
        async with self._tx() as tx:
            row = await tx.fetchone(
                "INSERT INTO tickets (platform, community, user_id, chat_id, question, lang, log_id, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (platform, community, str(user_id), None if chat_id is None else str(chat_id), question, lang, log_id, now),
            )
            return int(row[0])

    async def open_ticket_once(self, platform: str, community: str | None, user_id: str, chat_id: str | None,
                               question: str, lang: str, log_id: int, now: float) -> tuple[int, bool]:
        """The ticket for a logged answer: (its id, True) when this call opened it, (the id, False)
        when one was open already — one ticket per answer, whoever presses and however often, on
        every instance (the check and the insert are one transaction; PostgreSQL locks the table
        against a concurrent insert)."""
        async with self._tx() as tx:
            if self.dialect == "postgresql":
                await tx.execute("LOCK TABLE tickets IN SHARE ROW EXCLUSIVE MODE")
            row = await tx.fetchone("SELECT id FROM tickets WHERE log_id = ? ORDER BY id LIMIT 1", (int(log_id),))
            if row is not None:
                return int(row[0]), False
            row = await tx.fetchone(
                "INSERT INTO tickets (platform, community, user_id, chat_id, question, lang, log_id, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (platform, community, str(user_id), None if chat_id is None else str(chat_id), question, lang, log_id, now),
            )
            return int(row[0]), True

    async def get_ticket(self, ticket_id: int) -> Ticket | None:
        row = await self._one(f"SELECT {_TICKET_COLS} FROM tickets WHERE id = ?", (int(ticket_id),))
        return Ticket(*row) if row else None

    async def tickets(self, status: str | None = "open", platform: str | None = None, limit: int = 50) -> list[Ticket]:
        where, args = [], []
        if status:
            where.append("status = ?")
            args.append(status)
        if platform:
            where.append("platform = ?")
            args.append(platform)
        sql = f"SELECT {_TICKET_COLS} FROM tickets" + (" WHERE " + " AND ".join(where) if where else "")
        rows = await self._all(sql + " ORDER BY created_at ASC LIMIT ?", (*args, int(limit)))
        return [Ticket(*r) for r in rows]

    async def display_names(self, platform: str, user_ids) -> dict[str, str]:
        """The names the users were last seen with (for moderators' lists), by user id."""
        ids = sorted({str(u) for u in user_ids})[:200]
        if not ids:
            return {}
        marks = ", ".join("?" for _ in ids)
        rows = await self._all(f"SELECT user_id, display_name FROM users WHERE platform = ? AND user_id IN ({marks})",
                               (platform, *ids))
        return {r[0]: r[1] for r in rows if r[1]}

    # -- the inbox --------------------------------------------------------------------------------
    async def inbox_add(self, platform: str, updates: list[tuple[int, str | None, str]], now: float) -> set[int]:
        """Record (update_id, user_id, payload) rows in one transaction; returns the ids that were
        new (an id seen before, pending or done, is not recorded again)."""
        counts = await self._write([
            ("INSERT INTO inbox (platform, update_id, user_id, payload, received_at) VALUES (?, ?, ?, ?, ?) "
             "ON CONFLICT (platform, update_id) DO NOTHING", (platform, int(uid), user, payload, now))
            for uid, user, payload in updates
        ])
        return {int(u[0]) for u, n in zip(updates, counts) if n}

    async def inbox_done(self, platform: str, update_id: int, now: float) -> None:
        """Handled: the content is dropped, the id kept to recognise the update if it comes again."""
        await self._write([("UPDATE inbox SET done_at = ?, payload = NULL WHERE platform = ? AND update_id = ?",
                            (now, platform, int(update_id)))])

    async def inbox_purge(self, platform: str, done_before: float) -> int:
        """Forget the ids of updates handled before ``done_before``."""
        (n,) = await self._write([("DELETE FROM inbox WHERE platform = ? AND done_at < ?", (platform, done_before))])
        return max(n, 0)

    async def inbox_pending(self, platform: str, done_before: float | None = None) -> list[tuple[int, str]]:
        """Updates recorded and not handled, oldest first; ids handled before ``done_before`` are
        deleted on the way."""
        if done_before is not None:
            await self._write([("DELETE FROM inbox WHERE platform = ? AND done_at < ?", (platform, done_before))])
        rows = await self._all("SELECT update_id, payload FROM inbox WHERE platform = ? AND done_at IS NULL "
                               "ORDER BY update_id", (platform,))
        return [(int(r[0]), r[1]) for r in rows]

    async def answer_ticket(self, ticket_id: int, moderator_id: str, text: str, now: float) -> bool:
        (n,) = await self._write([(
            "UPDATE tickets SET status = 'answered', answer = ?, moderator_id = ?, answered_at = ? "
            "WHERE id = ? AND status = 'open'",
            (text, str(moderator_id), now, int(ticket_id)),
        )])
        return n == 1

    async def close_ticket(self, ticket_id: int, now: float, moderator_id: str | None = None) -> bool:
        (n,) = await self._write([(
            "UPDATE tickets SET status = 'closed', closed_at = ?, moderator_id = COALESCE(moderator_id, ?) "
            "WHERE id = ? AND status IN ('open', 'answered')",
            (now, None if moderator_id is None else str(moderator_id), int(ticket_id)),
        )])
        return n == 1

    # -- taught phrasings and community answers ---------------------------------------------------
    async def taught_version(self) -> int:
        row = await self._one("SELECT version FROM taught_state WHERE id = 1")
        return int(row[0]) if row else 0

    async def teach(self, phrasing: str, norm: str, topic: str, lang: str | None, author: str | None,
                    now: float) -> tuple[int, bool]:
        """Store a taught phrasing, or point an existing one (the same normalised words) at
        ``topic``: (its id, True when new)."""
        async with self._tx() as tx:
            row = await tx.fetchone("SELECT id FROM taught_phrasings WHERE norm = ?", (norm,))
            if row is not None:
                await tx.execute("UPDATE taught_phrasings SET topic = ?, phrasing = ?, lang = ?, author = ?, created_at = ? "
                                 "WHERE id = ?", (topic, phrasing, lang, author, now, int(row[0])))
                await tx.execute(*_BUMP)
                return int(row[0]), False
            row = await tx.fetchone(
                "INSERT INTO taught_phrasings (phrasing, norm, topic, lang, author, created_at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (norm) DO UPDATE SET topic = excluded.topic RETURNING id",
                (phrasing, norm, topic, lang, author, now),
            )
            await tx.execute(*_BUMP)
            return int(row[0]), True

    async def taught(self, topic: str | None = None) -> list[Taught]:
        sql = f"SELECT {_TAUGHT_COLS} FROM taught_phrasings"
        rows = await self._all(sql + (" WHERE topic = ?" if topic else "") + " ORDER BY id", (topic,) if topic else ())
        return [Taught(*r) for r in rows]

    async def untaught(self, taught_id: int) -> Taught | None:
        """Remove one taught phrasing; the removed row, or None."""
        async with self._tx() as tx:
            row = await tx.fetchone(f"SELECT {_TAUGHT_COLS} FROM taught_phrasings WHERE id = ?", (int(taught_id),))
            if row is None:
                return None
            await tx.execute("DELETE FROM taught_phrasings WHERE id = ?", (int(taught_id),))
            await tx.execute(*_BUMP)
            return Taught(*row)

    async def save_answer(self, answer_id: str | None, lang: str, text: str | None, author: str | None,
                          now: float) -> tuple[str, bool]:
        """Create a community answer or set its text in one language (None removes that
        language's text): (its id, True when new). ``answer_id`` None: a new one, the next free
        number, chosen in the same transaction (two moderators saving at once get two answers)."""
        col = {"en": "text_en", "hu": "text_hu"}[lang]
        async with self._tx() as tx:
            if self.dialect == "postgresql":
                await tx.execute("LOCK TABLE community_answers IN SHARE ROW EXCLUSIVE MODE")
            if answer_id is None:
                n = 1
                while await tx.fetchone("SELECT 1 FROM community_answers WHERE id = ?", (str(n),)) is not None:
                    n += 1
                answer_id = str(n)
            row = await tx.fetchone("SELECT id FROM community_answers WHERE id = ?", (answer_id,))
            if row is None:
                await tx.execute(
                    f"INSERT INTO community_answers (id, {col}, author, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                    (answer_id, text, author, now, now))
            else:
                await tx.execute(f"UPDATE community_answers SET {col} = ?, author = ?, updated_at = ? WHERE id = ?",
                                 (text, author, now, answer_id))
            await tx.execute(*_BUMP)
            return answer_id, row is None

    async def community_answers(self) -> list[CommunityAnswer]:
        rows = await self._all(f"SELECT {_ANSWER_COLS} FROM community_answers ORDER BY id")
        return [CommunityAnswer(*r) for r in rows]

    async def get_answer(self, answer_id: str) -> CommunityAnswer | None:
        row = await self._one(f"SELECT {_ANSWER_COLS} FROM community_answers WHERE id = ?", (answer_id,))
        return CommunityAnswer(*row) if row else None

    async def remove_answer(self, answer_id: str) -> int:
        """Remove a community answer and the phrasings taught for it; rows removed (0: none)."""
        counts = await self._write([
            ("DELETE FROM taught_phrasings WHERE topic = ?", (f"faq:{answer_id}",)),
            ("DELETE FROM community_answers WHERE id = ?", (answer_id,)),
            _BUMP,
        ])
        return counts[0] + counts[1] if counts[1] else 0

    async def purge_logs(self, before: float) -> int:
        """Drop logged questions (and their votes) older than ``before`` (the retention period)."""
        counts = await self._write([
            ("DELETE FROM votes WHERE log_id IN (SELECT id FROM qa_log WHERE created_at < ?)", (before,)),
            ("DELETE FROM qa_log WHERE created_at < ?", (before,)),
        ])
        return counts[1]

    async def purge(self, before: float) -> dict[str, int]:
        """Apply the retention period to every table that holds what people wrote or did: logged
        questions and their votes, tickets (question, answer and ids), finished quiz sessions with
        their answers and prompts, all older than ``before``. Kept: onboarding passes (the record
        a community grants roles by) and users' language choices. Returns rows removed per table."""
        old_sessions = "SELECT id FROM quiz_sessions WHERE status <> 'active' AND updated_at < ?"
        names = ["votes", "qa_log", "tickets", "prompts", "quiz_answers", "quiz_sessions"]
        counts = await self._write([
            ("DELETE FROM votes WHERE log_id IN (SELECT id FROM qa_log WHERE created_at < ?) OR created_at < ?",
             (before, before)),
            ("DELETE FROM qa_log WHERE created_at < ?", (before,)),
            ("DELETE FROM tickets WHERE created_at < ?", (before,)),
            (f"DELETE FROM prompts WHERE session_id IN ({old_sessions}) OR created_at < ?", (before, before)),
            (f"DELETE FROM quiz_answers WHERE session_id IN ({old_sessions})", (before,)),
            ("DELETE FROM quiz_sessions WHERE status <> 'active' AND updated_at < ?", (before,)),
        ])
        await self._scrub()
        return {n: max(c, 0) for n, c in zip(names, counts)}

    async def _scrub(self) -> None:
        """After a delete: leave no copy of the deleted rows in files (SQLite's write-ahead log)."""

    async def check(self) -> str | None:
        """None when the database is sound; else what is wrong (for ``health``). The base check
        reads every table."""
        for table in ("users", "quiz_sessions", "quiz_answers", "onboarding_passes", "qa_log", "votes", "prompts", "tickets",
                      "taught_phrasings", "community_answers", "taught_state"):
            await self._one(f"SELECT COUNT(*) FROM {table}")
        return None

    async def query(self, sql: str, args: tuple = ()) -> list:
        """Read-only rows for reports."""
        return await self._all(sql, args)

    # -- privacy --------------------------------------------------------------------------------
    async def forget(self, platform: str, user_id: str) -> int:
        """Delete everything stored about one user; returns the number of rows removed."""
        uid = str(user_id)
        counts = await self._write([
            ("DELETE FROM votes WHERE platform = ? AND user_id = ?", (platform, uid)),
            ("DELETE FROM votes WHERE log_id IN (SELECT id FROM qa_log WHERE platform = ? AND user_id = ?)", (platform, uid)),
            ("DELETE FROM qa_log WHERE platform = ? AND user_id = ?", (platform, uid)),
            ("DELETE FROM prompts WHERE platform = ? AND user_id = ?", (platform, uid)),
            ("DELETE FROM prompts WHERE session_id IN (SELECT id FROM quiz_sessions WHERE platform = ? AND user_id = ?)", (platform, uid)),
            ("DELETE FROM tickets WHERE platform = ? AND user_id = ?", (platform, uid)),
            ("DELETE FROM quiz_answers WHERE session_id IN (SELECT id FROM quiz_sessions WHERE platform = ? AND user_id = ?)", (platform, uid)),
            ("DELETE FROM quiz_sessions WHERE platform = ? AND user_id = ?", (platform, uid)),
            ("DELETE FROM onboarding_passes WHERE platform = ? AND user_id = ?", (platform, uid)),
            ("DELETE FROM users WHERE platform = ? AND user_id = ?", (platform, uid)),
            ("DELETE FROM inbox WHERE (platform = ? OR platform LIKE ?) AND user_id = ?", (platform, f"{platform}:%", uid)),
            # what a moderator taught stays (it is the community's knowledge), without their id
            ("UPDATE taught_phrasings SET author = NULL WHERE author = ?", (f"{platform}:{uid}",)),
            ("UPDATE community_answers SET author = NULL WHERE author = ?", (f"{platform}:{uid}",)),
        ])
        await self._scrub()
        return sum(max(c, 0) for c in counts)

    async def count_rows_about(self, platform: str, user_id: str) -> int:
        """Rows mentioning a user in any table (for tests and audits)."""
        uid = str(user_id)
        total = 0
        for table in ("users", "quiz_sessions", "onboarding_passes", "qa_log", "votes", "prompts", "tickets"):
            (n,) = await self._one(f"SELECT COUNT(*) FROM {table} WHERE platform = ? AND user_id = ?", (platform, uid))
            total += n
        (n,) = await self._one("SELECT COUNT(*) FROM inbox WHERE (platform = ? OR platform LIKE ?) AND user_id = ?",
                               (platform, f"{platform}:%", uid))  # keyed by platform and bot
        total += n
        (n,) = await self._one(
            "SELECT COUNT(*) FROM quiz_answers WHERE session_id IN (SELECT id FROM quiz_sessions WHERE platform = ? AND user_id = ?)",
            (platform, uid),
        )
        for table in ("taught_phrasings", "community_answers"):
            (m,) = await self._one(f"SELECT COUNT(*) FROM {table} WHERE author = ?", (f"{platform}:{uid}",))
            total += m
        return total + n


class _SQLiteTx(_Tx):
    def __init__(self, db):
        self.db = db

    async def execute(self, sql: str, args: tuple = ()) -> int:
        async with self.db.execute(sql, args) as cur:
            return cur.rowcount

    async def fetchone(self, sql: str, args: tuple = ()):
        async with self.db.execute(sql, args) as cur:
            return await cur.fetchone()


_PATH_LOCKS: dict[str, asyncio.Lock] = {}


@asynccontextmanager
async def _file_lock(db_path: Path):
    """An exclusive lock on ``<db>.lock`` (fcntl, so every process on this machine sees it) while
    one process creates or migrates the database: two starting together no longer both run the
    same migration ("table … already exists"). The wait happens in a thread, never on the event
    loop, and stores of one process on one file take turns first. Where fcntl is missing or the
    lock file cannot be made (a read-only mount), no lock."""
    local = _PATH_LOCKS.setdefault(str(db_path), asyncio.Lock())
    async with local:
        try:
            import fcntl

            fd = os.open(str(db_path) + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        except (ImportError, OSError):
            yield
            return
        try:
            await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock


class SQLiteStorage(BaseStorage):
    """The default store. ``await store.open()`` before use, ``await store.close()`` after
    (or ``async with SQLiteStorage(path) as store``)."""

    dialect = "sqlite"
    _real = "REAL"

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else default_sqlite_path()
        self._db = None
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"SQLiteStorage({str(self.path)!r})"

    async def open(self) -> None:
        import aiosqlite

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = aiosqlite.connect(self.path, isolation_level=None)
            # its worker thread must not keep the process alive when a program ends without close()
            # (every commit is done by then; an unfinished transaction is rolled back by SQLite)
            worker = conn if isinstance(conn, threading.Thread) else getattr(conn, "_thread", None)
            if isinstance(worker, threading.Thread):
                worker.daemon = True
            self._db = await conn
            # the busy timeout first: switching to WAL waits for another process's lock too
            await self._db.execute("PRAGMA busy_timeout=10000")
            async with _file_lock(self.path):  # one process (and one store) at a time sets the file up
                await self._db.execute("PRAGMA journal_mode=WAL")
                await self._migrate()
            await self._db.execute("PRAGMA synchronous=NORMAL")  # durable against process kills
            await self._db.execute("PRAGMA foreign_keys=ON")
            await self._db.execute("PRAGMA secure_delete=ON")  # deleted rows are overwritten, not left in free pages
        except Exception as exc:  # sqlite3.Error, OSError: say which file and why
            if self._db is not None:
                await self._db.close()
                self._db = None
            raise StorageError(f"{self.path}: {exc}") from exc

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()
            self._db = None

    async def _migrate(self) -> None:
        version = await self.schema_version()
        if version > len(MIGRATIONS):
            raise StorageError(f"{self.path}: schema version {version} is newer than this program ({len(MIGRATIONS)})")
        for n, script in enumerate(MIGRATIONS[version:], start=version + 1):
            sql = self.migration_sql(script)
            await self._db.executescript(f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version={n};\nCOMMIT;")

    async def schema_version(self) -> int:
        async with self._db.execute("PRAGMA user_version") as cur:
            return (await cur.fetchone())[0]

    @asynccontextmanager
    async def _tx(self):
        async with self._lock:
            db = self._db
            await db.execute("BEGIN IMMEDIATE")
            try:
                yield _SQLiteTx(db)
            except BaseException:
                await db.execute("ROLLBACK")
                raise
            else:
                await db.execute("COMMIT")

    async def check(self) -> str | None:
        # SQLite's own check of every page (a page-corrupted file still answers simple reads)
        rows = await self._all("PRAGMA quick_check")
        problems = [line.strip() for r in rows if r and r[0] != "ok" for line in str(r[0]).splitlines()
                    if line.strip() and not line.startswith("***")]
        if problems:
            first = " ".join(problems[0].split())[:200]
            return f"{self.path}: {first}" + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else "")
        return await super().check()

    async def _scrub(self) -> None:
        # the deleted rows' old pages are in the write-ahead log until a checkpoint: copy it into the
        # database (whose deleted content secure_delete has zeroed) and truncate it
        async with self._lock:  # briefly: a reader elsewhere must not stall this process's questions
            await self._db.execute("PRAGMA busy_timeout=250")
            try:
                async with self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cur:
                    busy = (await cur.fetchone() or (0,))[0]
            finally:
                await self._db.execute("PRAGMA busy_timeout=10000")
        if busy:
            import logging

            logging.getLogger("role_advisor.storage").warning(
                "deleted rows stay in %s-wal until the next checkpoint: another connection is reading", self.path)

    # Reads go through the same lock as transactions, and their cursors are closed at once: a read
    # left open on the shared connection kept a snapshot that made another task's BEGIN IMMEDIATE
    # fail at once with "database is locked" (SQLite does not wait to upgrade a stale snapshot).
    async def _one(self, sql: str, args: tuple = ()) -> Any:
        async with self._lock:
            async with self._db.execute(sql, args) as cur:
                return await cur.fetchone()

    async def _all(self, sql: str, args: tuple = ()) -> list:
        async with self._lock:
            async with self._db.execute(sql, args) as cur:
                return list(await cur.fetchall())


@lru_cache(maxsize=512)
def _pg_sql(sql: str) -> str:
    """``?`` placeholders as PostgreSQL's ``$1, $2, …`` (our SQL has no ``?`` inside literals)."""
    n = 0

    def repl(_m):
        nonlocal n
        n += 1
        return f"${n}"

    return re.sub(r"\?", repl, sql)


class _PGTx(_Tx):
    def __init__(self, conn):
        self.conn = conn

    async def execute(self, sql: str, args: tuple = ()) -> int:
        status = await self.conn.execute(_pg_sql(sql), *args)
        last = status.rsplit(" ", 1)[-1]
        return int(last) if last.isdigit() else 0

    async def fetchone(self, sql: str, args: tuple = ()):
        row = await self.conn.fetchrow(_pg_sql(sql), *args)
        return tuple(row) if row is not None else None


class PostgresStorage(BaseStorage):
    """PostgreSQL behind the same interface (``ROLE_ADVISOR_DATABASE_URL=postgresql://…``), for several
    instances sharing one database. Migrations run under an advisory lock, so instances starting
    together apply each one once."""

    dialect = "postgresql"
    _real = "DOUBLE PRECISION"
    _MIGRATION_LOCK = 727_274_001

    def __init__(self, url: str, min_size: int = 1, max_size: int = 10, *, password: str | None = None):
        self.url = url
        self.password = password or None  # given apart from the URL: it wins over one in the URL
        self.min_size, self.max_size = min_size, max_size
        self._pool = None

    def __repr__(self) -> str:  # never show the password
        return f"PostgresStorage({safe_url(self.url)})"

    def _secrets(self) -> list[str]:
        return url_secrets(self.url, self.password)

    async def open(self) -> None:
        try:
            import asyncpg
        except ImportError as exc:
            raise StorageError("PostgreSQL needs the postgresql extra: pip install 'role-advisor[postgresql]'") from exc
        try:
            self._pool = await asyncpg.create_pool(self.url, min_size=self.min_size, max_size=self.max_size,
                                                   password=self.password)
            await self._migrate()
        except StorageError:
            raise
        except Exception as exc:
            if self._pool is not None:
                await self._pool.close()
                self._pool = None
            text = " ".join(str(exc).split())
            for secret in self._secrets():
                text = text.replace(secret, "***")
            raise StorageError(f"{self!r}: {type(exc).__name__}: {text}") from None

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def _migrate(self) -> None:
        async with self._pool.acquire() as conn:
            async with conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock($1)", self._MIGRATION_LOCK)
                await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
                version = await conn.fetchval("SELECT MAX(version) FROM schema_version") or 0
                if version > len(MIGRATIONS):
                    raise StorageError(f"{self!r}: schema version {version} is newer than this program ({len(MIGRATIONS)})")
                for n, script in enumerate(MIGRATIONS[version:], start=version + 1):
                    await conn.execute(self.migration_sql(script))
                    await conn.execute("INSERT INTO schema_version (version) VALUES ($1)", n)

    async def schema_version(self) -> int:
        async with self._pool.acquire() as conn:
            return await conn.fetchval("SELECT MAX(version) FROM schema_version") or 0

    @asynccontextmanager
    async def _tx(self):
        async with self._pool.acquire() as conn:
            async with conn.transaction():
                yield _PGTx(conn)

    async def _one(self, sql: str, args: tuple = ()) -> Any:
        async with self._pool.acquire() as conn:
            row = await conn.fetchrow(_pg_sql(sql), *args)
            return tuple(row) if row is not None else None

    async def _all(self, sql: str, args: tuple = ()) -> list:
        async with self._pool.acquire() as conn:
            return [tuple(r) for r in await conn.fetch(_pg_sql(sql), *args)]


def safe_url(url: str) -> str:
    """The URL as it may be shown: user and password masked (everything before the host's ``@``),
    the query and fragment left out (``?password=…`` is a password too)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return "***"
    shown = re.split(r"[?#]", rest, maxsplit=1)[0]
    tail = "?…" if shown != rest else ""
    if "@" in shown:
        shown = "***@" + shown.rsplit("@", 1)[1]
    return f"{scheme}://{shown}{tail}"


def url_secrets(url: str, password: str | None = None) -> list[str]:
    """Every form of a password a database URL or its own variable carries: the password given
    apart, the one in the URL's userinfo and in its query (``password=``), each raw and
    percent-decoded; longest first."""
    from urllib.parse import parse_qsl, unquote

    out = [password or ""]
    rest = url.split("://", 1)[-1]
    head, _, query = rest.partition("?")
    authority = head.split("/", 1)[0] if "@" not in head.split("/", 1)[-1] else head
    if "@" in authority:
        userinfo = authority.rsplit("@", 1)[0]
        if ":" in userinfo:
            pw = userinfo.split(":", 1)[1]
            out += [pw, unquote(pw)]
    for key, value in parse_qsl(query.split("#", 1)[0], keep_blank_values=True):
        if key.lower() in ("password", "pass", "passwd", "sslpassword"):
            out.append(value)
    for m in re.finditer(r"(?i)(?:^|&)(?:password|pass|passwd|sslpassword)=([^&#]*)", query):
        out += [m.group(1), unquote(m.group(1))]
    return sorted({x for x in out if x}, key=len, reverse=True)


def check_postgres_url(url: str) -> None:
    """Refuses a URL whose password was written raw with a character that ends its part of the URL
    (``@ : / ? #``): read as a URL it would send a wrong password, or a piece of it as the host. The
    message never quotes the URL."""
    problem = (f"{ENV_DATABASE_URL} is not a valid postgresql:// URL (not shown, it may hold the password): "
               f"write a password holding @ : / ? # % percent-encoded (@ %40, : %3A, / %2F, ? %3F, # %23, % %25) "
               f"or leave it out of the URL and set {PASSWORD_ENV}")
    rest = url.split("://", 1)[1]
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    tail = rest[len(authority):]
    userinfo = authority.rpartition("@")[0]
    if "@" in userinfo or userinfo.count(":") > 1 or "@" in tail or re.search(r"%(?![0-9A-Fa-f]{2})", userinfo):
        raise StorageError(problem)
    hosts = authority.rpartition("@")[2]
    for host in hosts.split(","):  # asyncpg takes several hosts: h1:5432,h2:5432
        port = host.rpartition(":")[2] if ":" in host and not host.endswith("]") else ""
        if port and not port.isdigit():
            raise StorageError(problem)


def open_storage(url: str | None = None, password: str | None = None):
    """The configured store (not yet opened): ``ROLE_ADVISOR_DATABASE_URL`` (``sqlite:///path``, or
    ``postgresql://…`` with the password in it percent-encoded or in ``ROLE_ADVISOR_DATABASE_PASSWORD``),
    else SQLite under ``ROLE_ADVISOR_DATA_DIR``."""
    url = url if url is not None else os.environ.get(ENV_DATABASE_URL, "")
    if not url:
        return SQLiteStorage()
    if url.startswith("sqlite:///"):
        return SQLiteStorage(url[len("sqlite:///"):])
    if url.startswith(("postgresql://", "postgres://")):
        check_postgres_url(url)
        password = password if password is not None else os.environ.get(PASSWORD_ENV)
        return PostgresStorage(url, password=password)
    raise StorageError(f"unsupported database URL scheme in {ENV_DATABASE_URL} (use sqlite:///path or postgresql://…)")
