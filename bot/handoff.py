"""Hand-off to moderators: tickets for questions the advisor cannot answer (or that the asker wants a
person for), answered by configured moderators and delivered back on the asker's platform.

Ticket states: ``open`` -> ``answered`` (a moderator's reply is recorded) -> ``closed`` (the reply
was delivered, or a moderator closed it). Everything is in the database, so a restart loses nothing.
"""
from __future__ import annotations

import os
import re

from .i18n import t
from .record import Record


def _ids(raw: str | None) -> frozenset[str]:
    return frozenset(x.strip() for x in (raw or "").split(",") if x.strip())


class HandoffSettings(Record):
    """Per platform: where tickets are posted (a Telegram chat id, a Discord channel id) and who
    may answer them (user ids)."""

    __slots__ = ("places", "moderators")

    @classmethod
    def from_env(cls, env=None) -> "HandoffSettings":
        env = os.environ if env is None else env
        places = {
            "telegram": (env.get("TELEGRAM_MODERATOR_CHAT") or "").strip() or None,
            "discord": (env.get("DISCORD_MODERATOR_CHANNEL") or "").strip() or None,
        }
        moderators = {
            "telegram": _ids(env.get("TELEGRAM_MODERATORS")),
            "discord": _ids(env.get("DISCORD_MODERATORS")),
        }
        return cls(places, moderators)


def age_text(seconds: float, lang: str) -> str:
    if seconds < 3600:
        return t("age.minutes", lang, n=max(0, round(seconds / 60)))
    if seconds < 86400 * 2:
        return t("age.hours", lang, n=round(seconds / 3600, 1))
    return t("age.days", lang, n=round(seconds / 86400, 1))


class Opened(Record):
    """A new ticket: its id, what to tell the asker, what to post for the moderators, and where."""

    __slots__ = ("id", "asker_text", "moderator_text", "place", "suggestions")
    _defaults = {"suggestions": ()}  # topics the matcher found closest: "teach" choices for the moderators


class Outcome(Record):
    """The result of a moderator's command: ``ok``, the text for the moderator, and for a reply the
    ticket and the text to deliver to the asker."""

    __slots__ = ("ok", "text", "ticket", "deliver", "suggestions")
    _defaults = {"ticket": None, "deliver": None, "suggestions": None}


# "/reply 42 --save text" (or --save=ID): the reply is also saved as a community answer
_SAVE = re.compile(r"^--save(?:=(\S+))?(?:\s+|$)")


class Handoff:
    def __init__(self, storage, clock, settings: HandoffSettings | None = None):
        self.storage = storage
        self.clock = clock
        self.settings = settings or HandoffSettings.from_env()
        # set by the Service: ``await saver(moderator, ticket, text, faq_id, lang)`` -> a line for the
        # moderator, for a reply given with --save
        self.saver = None
        self._notes: dict[int, str] = {}

    def enabled(self, platform: str) -> bool:
        return bool(self.settings.places.get(platform))

    def place(self, platform: str) -> str | None:
        return self.settings.places.get(platform)

    def is_moderator(self, platform: str, user_id) -> bool:
        return str(user_id) in self.settings.moderators.get(platform, ())

    async def open(self, user, community: str | None, chat_id, question: str, lang: str, log_id: int | None,
                   once: bool = False) -> Opened:
        """A ticket for the moderators. ``once``: one ticket per logged answer ("ask a moderator"
        pressed again, by anyone, says it is with the moderators and posts nothing)."""
        now = self.clock()
        await self.storage.touch_user(user.platform, user.user_id, now, user.name or None)  # moderators see the name
        if once and log_id is not None:
            tid, new = await self.storage.open_ticket_once(user.platform, community, user.user_id, chat_id, question,
                                                           lang, log_id, now)
            if not new:
                return Opened(tid, t("ticket.already_open", lang, id=tid), None, None)
        else:
            tid = await self.storage.open_ticket(user.platform, community, user.user_id, chat_id, question, lang, log_id, now)
        where = community or "dm"
        mod = t("ticket.opened_mod", "en", id=tid, name=user.name or user.user_id, where=where, lang=lang, question=question)
        return Opened(tid, t("ticket.opened_user", lang, id=tid), mod, self.place(user.platform))

    async def reply(self, moderator, ticket_id: int, text: str, lang: str = "en") -> Outcome:
        if not self.is_moderator(moderator.platform, moderator.user_id):
            return Outcome(False, t("ticket.not_moderator", lang))
        text = (text or "").strip()
        save = _SAVE.match(text)
        if save is not None:
            text = text[save.end():].strip()
        if not text:
            return Outcome(False, t("ticket.usage_reply", lang))
        ticket = await self.storage.get_ticket(ticket_id)
        if ticket is None or ticket.platform != moderator.platform:
            return Outcome(False, t("ticket.not_found", lang, id=ticket_id))
        if ticket.status != "open":
            return Outcome(False, t("ticket.not_open", lang, id=ticket_id, status=t(f"ticket.status_{ticket.status}", lang)))
        if not await self.storage.answer_ticket(ticket_id, moderator.user_id, text, self.clock()):
            return Outcome(False, t("ticket.not_open", lang, id=ticket_id, status=t("ticket.status_answered", lang)))
        deliver = t("ticket.answer_to_user", ticket.lang, id=ticket_id, question=ticket.question, answer=text)
        done = t("ticket.replied", lang, id=ticket_id)
        if save is not None and self.saver is not None:
            note = await self.saver(moderator, ticket, text, save.group(1), lang)
            if note:
                self._notes[int(ticket_id)] = note
                done += "\n" + note
        return Outcome(True, done, ticket, deliver)

    async def delivered(self, ticket_id: int, ok: bool, lang: str = "en") -> str:
        """After the adapter tried to deliver a reply: close the ticket if it arrived."""
        note = self._notes.pop(int(ticket_id), None)
        tail = "\n" + note if note else ""
        if ok:
            await self.storage.close_ticket(ticket_id, self.clock())
            return t("ticket.replied", lang, id=ticket_id) + tail
        return t("ticket.undelivered", lang, id=ticket_id) + tail

    async def close(self, moderator, ticket_id: int, lang: str = "en") -> Outcome:
        if not self.is_moderator(moderator.platform, moderator.user_id):
            return Outcome(False, t("ticket.not_moderator", lang))
        ticket = await self.storage.get_ticket(ticket_id)
        if ticket is None or ticket.platform != moderator.platform:
            return Outcome(False, t("ticket.not_found", lang, id=ticket_id))
        if not await self.storage.close_ticket(ticket_id, self.clock(), moderator.user_id):
            return Outcome(False, t("ticket.not_open", lang, id=ticket_id, status=t(f"ticket.status_{ticket.status}", lang)))
        return Outcome(True, t("ticket.closed", lang, id=ticket_id), ticket)

    async def list_open(self, moderator, lang: str = "en", names: dict | None = None) -> Outcome:
        if not self.is_moderator(moderator.platform, moderator.user_id):
            return Outcome(False, t("ticket.not_moderator", lang))
        rows = await self.storage.tickets("open", moderator.platform)
        if not rows:
            return Outcome(True, t("ticket.list_empty", lang))
        now = self.clock()
        lines = [t("ticket.list_header", lang, n=len(rows))]
        for tk in rows:
            name = (names or {}).get(tk.user_id) or tk.user_id
            q = tk.question if len(tk.question) <= 80 else tk.question[:79] + "…"
            lines.append(t("ticket.list_row", lang, id=tk.id, age=age_text(now - tk.created_at, lang), name=name, question=q))
        return Outcome(True, "\n".join(lines))
