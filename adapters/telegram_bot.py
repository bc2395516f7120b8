"""Telegram adapter (python-telegram-bot 22.x): platform events in, core calls, HTML out.

No answering or quiz logic lives here: questions go to :class:`bot.service.Service`, quizzes to its
quiz engine; this module only decides *whether* a message addresses the bot, renders replies as
escaped HTML with buttons, and maps polls/buttons back to quiz answers.
"""
from __future__ import annotations

import asyncio
import collections
import contextvars
import functools
import html
import logging
import os
import json
import re
import sys

from telegram import (
    BotCommand, BotCommandScopeChat, BotCommandScopeDefault, InlineKeyboardButton, InlineKeyboardMarkup, InlineQueryResultArticle,
    InputTextMessageContent, ReplyParameters, Update,
)
from telegram.constants import ChatType, MessageEntityType, ParseMode, PollType
from telegram.error import InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    AIORateLimiter, Application, ApplicationBuilder, ApplicationHandlerStop, BaseUpdateProcessor, CallbackQueryHandler,
    CommandHandler, ContextTypes, InlineQueryHandler, MessageHandler, PollAnswerHandler, TypeHandler, filters,
)
from telegram.request import HTTPXRequest
from telegram.helpers import mention_html

from bot.i18n import t
from bot.quizzes import User
from bot.service import Limited

log = logging.getLogger("role_advisor.telegram")

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
BASE_URL_ENV = "TELEGRAM_API_BASE_URL"
SECRET_ENV = "TELEGRAM_WEBHOOK_SECRET"
DEFAULT_BASE_URL = "https://api.telegram.org/bot"
TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{1,120}$")
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
MESSAGE_LIMIT = 4096
POLL_QUESTION_LIMIT, POLL_OPTION_LIMIT, POLL_EXPLANATION_LIMIT = 300, 100, 200
PLATFORM = "telegram"
PROMPT_WAIT_TRIES, PROMPT_WAIT_SECONDS = 30, 0.1
STORE_SECONDS = 2.0  # the longest the inbox waits for the storage
DM_COMMUNITY = "dm"
COMMANDS = ("start", "help", "ask", "lang", "quiz", "leaderboard", "forget")
MODERATOR_COMMANDS = ("reply", "tickets", "close", "report", "teach", "taught", "answer")


# -- rendering ----------------------------------------------------------------------------------
def to_html(text: str) -> str:
    """Core plain text as Telegram HTML: everything escaped, the first line bold."""
    first, _, rest = text.partition("\n")
    out = f"<b>{html.escape(first, quote=False)}</b>"
    return out + ("\n" + html.escape(rest, quote=False) if rest else "")


_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)[^>]*>")


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Pieces under Telegram's limit, cut at line ends (never inside an HTML tag or entity); a tag
    open at a cut is closed at the end of its piece and opened again at the start of the next."""
    if len(text) <= limit:
        return [text]
    parts = _split_lines(text, limit - 200)  # room for the tags carried over a cut
    out, carried = [], []
    for part in parts:
        part = "".join(carried) + part
        stack = []
        for m in _TAG.finditer(part):
            if m.group(1):
                for i in range(len(stack) - 1, -1, -1):
                    if stack[i][0] == m.group(2).lower():
                        del stack[i:]
                        break
            else:
                stack.append((m.group(2).lower(), m.group(0)))
        out.append(part + "".join(f"</{name}>" for name, _ in reversed(stack)))
        carried = [tag for _, tag in stack]
    return out


def _split_lines(text: str, limit: int) -> list[str]:
    parts, cur = [], ""
    for line in text.split("\n"):
        while len(line) > limit:  # a single huge line: cut at a space, outside entities
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            amp = line.rfind("&", 0, cut)
            if amp != -1 and ";" not in line[amp:cut]:
                cut = amp
            lt = line.rfind("<", 0, cut)
            if lt > 0 and ">" not in line[lt:cut]:
                cut = lt  # never inside a tag
            if cur:
                parts.append(cur)
                cur = ""
            parts.append(line[:cut])
            line = line[cut:].lstrip(" ")
        if len(cur) + len(line) + 1 > limit:
            if cur:
                parts.append(cur)
            cur = line
        else:
            cur = f"{cur}\n{line}" if cur else line
    if cur:
        parts.append(cur)
    return parts


def _cut(text: str, offset: int, length: int) -> str:
    """``text`` without the entity at ``offset``/``length``: Telegram counts both in UTF-16 code
    units, so an emoji before a mention counts twice."""
    units = text.encode("utf-16-le")
    return (units[: 2 * offset] + units[2 * (offset + length):]).decode("utf-16-le").strip()


def _target(chat_id) -> tuple[int, int | None]:
    """A stored chat ("-100500", or "-100500/7" for topic 7 of a forum) as (chat, topic)."""
    chat, _, thread = str(chat_id).partition("/")
    return int(chat), (int(thread) if thread.isdigit() else None)


def _place(message) -> str:
    """Where a message was: its chat, and its topic in a forum (replies and notices go there too)."""
    thread = _thread(message)
    return f"{message.chat.id}/{thread}" if thread else str(message.chat.id)


# (chat, forum topic) of the update a handler is answering, if it came from a topic
_TOPIC: contextvars.ContextVar[tuple[int, int] | None] = contextvars.ContextVar("topic")


def _thread(message) -> int | None:
    if message is not None and getattr(message, "is_topic_message", False) and message.message_thread_id:
        return message.message_thread_id
    return None


def _user(tg_user) -> User:
    name = " ".join(x for x in (tg_user.first_name, tg_user.last_name) if x) or tg_user.username or str(tg_user.id)
    return User(PLATFORM, str(tg_user.id), name[:64])


def _hint(tg_user) -> str | None:
    code = (getattr(tg_user, "language_code", None) or "")[:2].lower()
    return code if code in ("en", "hu") else None


def poll_fits(view) -> bool:
    item = view.item
    return len(item.question) <= POLL_QUESTION_LIMIT and all(1 <= len(o) <= POLL_OPTION_LIMIT for o in item.options)


class TelegramAdapter:
    """Handlers bound to one :class:`bot.service.Service`."""

    def __init__(self, service):
        self.svc = service
        self.username: str | None = None  # the bot's @username, known after getMe
        self.bot_id: int | None = None
        self.link_key = b""  # signs onboarding links; derived from the token at start-up

    # -- helpers ----------------------------------------------------------------------------------
    async def _ui_lang(self, tg_user) -> str:
        pref = await self.svc.lang_of(_user(tg_user))
        return pref or _hint(tg_user) or "en"

    def _role(self, lang: str) -> str:
        return self.svc.advisor.profile.title.get(lang)

    async def _send(self, bot, chat_id, text_html: str, reply_markup=None, reply_to: int | None = None,
                    thread: int | None = None) -> None:
        """Send in pieces under the limit; a reply still arrives when its question was deleted first,
        and ``thread`` keeps it in the forum topic it belongs to."""
        if isinstance(chat_id, str):
            chat_id, topic = _target(chat_id)
            thread = thread or topic
        here = _TOPIC.get(None)
        if thread is None and here is not None and here[0] == chat_id:
            thread = here[1]  # an answer to a command or button in a forum topic stays in the topic
        parts = split_message(text_html)
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            replying = reply_to if i == 0 else None
            await bot.send_message(
                chat_id, part, parse_mode=ParseMode.HTML, reply_markup=reply_markup if last else None,
                reply_parameters=ReplyParameters(replying, allow_sending_without_reply=True) if replying else None,
                message_thread_id=thread, disable_web_page_preview=True,
            )

    def _answer_markup(self, reply) -> InlineKeyboardMarkup:
        ans = reply.answer
        rows = []
        for topic in ans.alternatives[:3]:
            label = self.svc.advisor.topic_label(topic, reply.lang)
            data = f"t:{reply.lang}:{topic}"
            if len(data.encode()) <= 64:  # Telegram's limit for callback data: never cut a topic short
                rows.append([InlineKeyboardButton(f"❓ {label}"[:60], callback_data=data)])
        if reply.log_id is None:  # the answer could not be logged (the database was out of reach)
            return InlineKeyboardMarkup(rows)
        rows.append([
            InlineKeyboardButton(t("btn.up", reply.lang), callback_data=f"v:{reply.log_id}:1"),
            InlineKeyboardButton(t("btn.down", reply.lang), callback_data=f"v:{reply.log_id}:0"),
        ])
        if ans.answered and self.svc.handoff.enabled(PLATFORM):
            rows.append([InlineKeyboardButton(t("btn.ask_moderator", reply.lang), callback_data=f"h:{reply.log_id}")])
        return InlineKeyboardMarkup(rows)

    def _deep_link(self, payload: str) -> str | None:
        return f"https://t.me/{self.username}?start={payload}" if self.username else None

    def _signed(self, community: str) -> str:
        """``onb_<chat>_<signature>``: an onboarding link only this bot can have made, so a pass
        cannot be recorded for a community by editing the link."""
        return f"onb_{community}_{self._signature(community)}"

    def _signature(self, community: str) -> str:
        import hashlib
        import hmac

        return hmac.new(self.link_key, f"onb:{community}".encode(), hashlib.sha256).hexdigest()[:16]

    def _onboarding_community(self, payload: str) -> str | None:
        """The community of a signed ``onb_`` payload, else None."""
        import hmac

        body = payload[4:]
        community, _, sig = body.rpartition("_")
        if not community or not re.fullmatch(r"-?\d{1,20}", community):
            return None
        return community if hmac.compare_digest(sig, self._signature(community)) else None

    async def _refused(self, update: Update, exc: Limited) -> None:
        """Over the rate (the core said so): the notice once in a while, else silence; a pressed
        button is always acknowledged, or Telegram shows it loading."""
        u = update.effective_user
        lang = await self._ui_lang(u) if u is not None else "en"
        text = exc.text(lang) if exc.notify else None
        if update.callback_query is not None:
            await update.callback_query.answer(text)
            return
        if text is None:
            return
        if update.poll_answer is not None:
            await self._send(update.get_bot(), u.id, html.escape(text))
        elif update.effective_chat is not None and update.effective_message is not None:
            chat = update.effective_chat
            reply_to = update.effective_message.message_id if chat.type != ChatType.PRIVATE else None
            await self._send(update.get_bot(), chat.id, html.escape(text), reply_to=reply_to,
                             thread=_thread(update.effective_message))

    def limited(self, handler):
        """``handler`` with :class:`bot.service.Limited` turned into :meth:`_refused`."""
        @functools.wraps(handler)
        async def run(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            msg = update.effective_message
            token = _TOPIC.set((msg.chat.id, _thread(msg)) if msg is not None and _thread(msg) else None)
            try:
                await handler(update, context)
            except Limited as exc:
                await self._refused(update, exc)
            finally:
                _TOPIC.reset(token)
        return run

    # -- questions --------------------------------------------------------------------------------
    async def _answer_question(self, update: Update, text: str) -> None:
        msg = update.effective_message
        tg_user = update.effective_user
        chat = update.effective_chat
        community = DM_COMMUNITY if chat.type == ChatType.PRIVATE else str(chat.id)
        place = chat.id if chat.type == ChatType.PRIVATE else _place(msg)
        reply = await self.svc.ask(_user(tg_user), community, text, hint=_hint(tg_user), chat_id=place)
        reply_to = msg.message_id if chat.type != ChatType.PRIVATE else None
        await self._send(update.get_bot(), chat.id, to_html(reply.answer.answer), self._answer_markup(reply), reply_to,
                         thread=_thread(msg))
        if reply.ticket is not None:
            await self._post_ticket(update.get_bot(), str(place), reply.ticket)

    async def _post_ticket(self, bot, asker_place, opened) -> None:
        """Tell the asker a ticket was opened (in the chat and topic they asked in) and post it where
        the moderators are."""
        await self._send(bot, str(asker_place), html.escape(opened.asker_text))
        if not opened.place or not opened.moderator_text:
            return  # the moderators have it already
        try:
            await self._send(bot, int(opened.place), html.escape(opened.moderator_text), self._ticket_markup(opened))
        except (TelegramError, ValueError) as exc:
            log.error("could not post ticket #%s to the moderator chat: %s", opened.id, type(exc).__name__)

    def _addressed(self, message) -> str | None:
        """In a group: the question if the message mentions or replies to the bot, else None."""
        caption = message.text is None
        text = (message.caption if caption else message.text) or ""
        rt = message.reply_to_message
        if rt is not None and rt.from_user is not None and rt.from_user.id == self.bot_id:
            return text
        if not self.username:
            return None
        mention = f"@{self.username}".lower()
        parse = message.parse_caption_entity if caption else message.parse_entity
        for ent in (message.caption_entities if caption else message.entities) or ():
            if ent.type == MessageEntityType.MENTION:
                if parse(ent).lower() == mention:
                    return _cut(text, ent.offset, ent.length)
            elif ent.type == MessageEntityType.TEXT_MENTION and ent.user and ent.user.id == self.bot_id:
                return _cut(text, ent.offset, ent.length)
        return None

    async def on_private_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        msg = update.effective_message
        text = msg.text if msg.text is not None else msg.caption  # a photo's caption is the question
        if text and text.strip():
            await self._answer_question(update, text)

    async def on_group_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        question = self._addressed(update.effective_message)
        if question is None:
            return  # not addressed to the bot: stay silent
        await self._answer_question(update, question)

    async def on_ask(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        question = " ".join(context.args or [])
        if not question.strip():
            self.svc.admit(_user(update.effective_user))
            lang = await self._ui_lang(update.effective_user)
            await self._send(context.bot, update.effective_chat.id, html.escape(t("chat.ask_usage", lang)))
            return
        await self._answer_question(update, question)

    # -- commands ---------------------------------------------------------------------------------
    def _lang_markup(self, lang: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup([[
            InlineKeyboardButton(t("btn.english", lang), callback_data="l:en"),
            InlineKeyboardButton(t("btn.hungarian", lang), callback_data="l:hu"),
            InlineKeyboardButton(t("btn.auto", lang), callback_data="l:auto"),
        ]])

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        payload = (context.args or [""])[0]
        if not (chat.type == ChatType.PRIVATE and payload.startswith(("quiz", "onb"))):
            self.svc.admit(_user(update.effective_user))  # a quiz start is charged by the core
        lang = await self._ui_lang(update.effective_user)
        if chat.type == ChatType.PRIVATE and payload.startswith(("quiz", "onb")):
            community = self._onboarding_community(payload) if payload.startswith("onb_") else None
            if payload.startswith("onb_") and community is None:
                log.info("onboarding link with a wrong signature: a plain quiz instead")
            await self._start_quiz(update, context, lang, onboarding=community is not None, community=community or DM_COMMUNITY)
            return
        text = html.escape(t("chat.welcome", lang, role=self._role(lang))) + "\n\n" + html.escape(t("chat.choose_lang", lang))
        await self._send(context.bot, chat.id, text, self._lang_markup(lang))

    async def on_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.svc.admit(_user(update.effective_user))
        lang = await self._ui_lang(update.effective_user)
        await self._send(context.bot, update.effective_chat.id, html.escape(t("chat.help", lang)))

    async def on_lang(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        lang = await self._ui_lang(update.effective_user)
        choice = (context.args or [""])[0].lower()
        if choice in ("en", "hu", "auto"):
            text = await self.svc.set_lang(_user(update.effective_user), choice)
            await self._send(context.bot, update.effective_chat.id, html.escape(text))
            return
        self.svc.admit(_user(update.effective_user))
        await self._send(context.bot, update.effective_chat.id, html.escape(t("chat.choose_lang", lang)), self._lang_markup(lang))

    async def on_leaderboard(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        lang = await self._ui_lang(update.effective_user)
        community = None if chat.type == ChatType.PRIVATE else str(chat.id)
        text = await self.svc.leaderboard(_user(update.effective_user), lang, PLATFORM, community)
        if community is not None and chat.title:
            text = text.replace(community, chat.title, 1)
        await self._send(context.bot, chat.id, html.escape(text))

    async def on_forget(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.svc.admit(_user(update.effective_user))
        lang = await self._ui_lang(update.effective_user)
        uid = update.effective_user.id
        markup = InlineKeyboardMarkup([[  # bound to the one who asked: nobody else can confirm it
            InlineKeyboardButton(t("btn.yes_delete", lang), callback_data=f"f:yes:{uid}"),
            InlineKeyboardButton(t("btn.cancel", lang), callback_data=f"f:no:{uid}"),
        ]])
        await self._send(context.bot, update.effective_chat.id, html.escape(t("chat.forget_confirm", lang)), markup,
                         thread=_thread(update.effective_message))

    # -- quizzes ----------------------------------------------------------------------------------
    async def on_quiz(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        lang = await self._ui_lang(update.effective_user)
        if chat.type != ChatType.PRIVATE:  # never run a quiz in the group itself
            self.svc.admit(_user(update.effective_user))
            link = self._deep_link("quiz")
            markup = InlineKeyboardMarkup([[InlineKeyboardButton(t("btn.start_quiz", lang), url=link)]]) if link else None
            await self._send(context.bot, chat.id, html.escape(t("chat.quiz_in_private", lang)), markup,
                             reply_to=update.effective_message.message_id)
            return
        await self._start_quiz(update, context, lang)

    async def _start_quiz(self, update, context, lang, onboarding=False, community=DM_COMMUNITY) -> None:
        user = _user(update.effective_user)
        step = await self.svc.start_quiz(user, community, lang, onboarding=onboarding)
        chat_id = update.effective_chat.id
        if step.message:
            await self._send(context.bot, chat_id, html.escape(step.message))
        if step.accepted and step.next is not None:
            await self._ask_item(context.bot, chat_id, user, step.next)

    async def _ask_item(self, bot, chat_id, user: User, view) -> None:
        item = view.item
        now = self.svc.clock()
        if poll_fits(view):
            expl = item.explanation
            if len(expl) > POLL_EXPLANATION_LIMIT:
                expl = expl[: POLL_EXPLANATION_LIMIT - 1] + "…"
            msg = await bot.send_poll(
                chat_id, item.question, list(item.options), is_anonymous=False, type=PollType.QUIZ,
                correct_option_ids=[item.answer], explanation=expl,
            )
            if msg.poll is not None:
                await self.svc.storage.add_prompt(PLATFORM, msg.poll.id, view.session_id, view.index, user.user_id, str(chat_id), now)
            return
        # options too long for a poll: the question as text, numbered buttons
        buttons = [InlineKeyboardButton(str(i + 1), callback_data=f"q:{view.session_id}:{view.index}:{i}")
                   for i in range(len(item.options))]
        await self._send(bot, chat_id, html.escape(view.text()), InlineKeyboardMarkup([buttons]))

    async def _after_answer(self, bot, chat_id, user: User, step, show_feedback: bool) -> None:
        if not step.accepted:
            if step.message:
                await self._send(bot, chat_id, html.escape(step.message))
            return
        if show_feedback and step.feedback:
            await self._send(bot, chat_id, html.escape(step.feedback))
        if step.next is not None:
            await self._ask_item(bot, chat_id, user, step.next)
        elif step.final is not None:
            await self._send(bot, chat_id, to_html(step.final.text))

    async def on_poll_answer(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        pa = update.poll_answer
        if pa is None or pa.user is None or not pa.option_ids:
            return
        prompt = await self.svc.storage.get_prompt(PLATFORM, pa.poll_id)
        for _ in range(PROMPT_WAIT_TRIES):
            if prompt is not None:
                break
            # a quick answer can arrive before the poll's record is stored (sendPoll has to
            # return first; another instance may be storing it): wait for it a little
            await asyncio.sleep(PROMPT_WAIT_SECONDS)
            prompt = await self.svc.storage.get_prompt(PLATFORM, pa.poll_id)
        if prompt is None:
            return  # not one of our quiz polls
        session_id, index, owner, chat_id = prompt
        if str(pa.user.id) != owner:
            return  # someone else's quiz poll
        user = _user(pa.user)
        step = await self.svc.quiz_answer(user, int(pa.option_ids[0]), session_id=session_id, index=index)
        # a quiz poll shows right/wrong and the explanation itself
        await self._after_answer(context.bot, int(chat_id) if chat_id else pa.user.id, user, step, show_feedback=False)

    # -- buttons ----------------------------------------------------------------------------------
    async def on_callback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        q = update.callback_query
        data = q.data or ""
        tg_user = q.from_user
        user = _user(tg_user)
        lang = await self._ui_lang(tg_user)
        chat_id = q.message.chat.id if q.message else tg_user.id
        kind, _, rest = data.partition(":")
        if kind == "v":  # 👍/👎
            log_id, _, up = rest.partition(":")
            ok = log_id.isdigit() and await self.svc.vote(user, int(log_id), up == "1")
            await q.answer(t("chat.vote_thanks" if ok else "chat.vote_gone", lang))
        elif kind == "t":  # did you mean: "t:<the question's language>:<topic>" (older buttons: "t:<topic>")
            qlang, sep, topic = rest.partition(":")
            if qlang in ("en", "hu") and sep:
                lang, rest = qlang, topic
            chat = q.message.chat if q.message else None
            community = DM_COMMUNITY if chat is None or chat.type == ChatType.PRIVATE else str(chat.id)
            place = chat_id if chat is None or chat.type == ChatType.PRIVATE else _place(q.message)
            reply = await self.svc.answer_topic(user, community, rest, lang, chat_id=place)
            await q.answer()
            await self._send(context.bot, chat_id, to_html(reply.answer.answer), self._answer_markup(reply),
                             thread=_thread(q.message))
        elif kind == "h":  # ask a moderator
            chat = q.message.chat if q.message else None
            community = DM_COMMUNITY if chat is None or chat.type == ChatType.PRIVATE else str(chat.id)
            place = chat_id if chat is None or chat.type == ChatType.PRIVATE else _place(q.message)
            opened = await self.svc.escalate(user, community, int(rest), place) if rest.isdigit() else None
            await q.answer()
            if opened is not None:
                await self._post_ticket(context.bot, str(place), opened)
        elif kind == "l":  # language choice
            text = await self.svc.set_lang(user, rest)
            await q.answer(text)
            await self._send(context.bot, chat_id, html.escape(text))
        elif kind == "f":  # forget, confirmed or not, by the one who asked (older buttons: private chats only)
            choice, _, owner = rest.partition(":")
            private = q.message is not None and q.message.chat.type == ChatType.PRIVATE
            if owner != str(tg_user.id) and not (not owner and private):
                self.svc.admit(user, "vote")  # a refusal still costs the presser a little
                await q.answer(t("chat.forget_not_yours", lang), show_alert=True)
                return
            text = await self.svc.forget(user, lang) if choice == "yes" else t("chat.forget_cancelled", lang)
            await q.answer()
            if q.message is not None:
                await q.edit_message_text(html.escape(text), parse_mode=ParseMode.HTML)
        elif kind == "q":  # quiz answer by button
            sid, _, tail = rest.partition(":")
            idx, _, choice = tail.partition(":")
            if not (idx.isdigit() and choice.isdigit()):
                await q.answer()
                return
            step = await self.svc.quiz_answer(user, int(choice), session_id=sid, index=int(idx))
            await q.answer()
            await self._after_answer(context.bot, chat_id, user, step, show_feedback=True)
        else:
            await q.answer()

    # -- moderators --------------------------------------------------------------------------------
    async def on_reply(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.svc.admit(_user(update.effective_user))  # moderators are not limited; others are answered "no"
        lang = await self._ui_lang(update.effective_user)
        args = context.args or []
        chat_id = update.effective_chat.id
        if len(args) < 2 or not args[0].lstrip("#").isdigit():
            if self.svc.handoff.is_moderator(PLATFORM, update.effective_user.id):
                await self._send(context.bot, chat_id, html.escape(t("ticket.usage_reply", lang)))
            return
        moderator = _user(update.effective_user)
        parts = (update.effective_message.text or "").split(None, 2)  # keep the answer's line breaks
        text = parts[2] if len(parts) > 2 else " ".join(args[1:])
        out = await self.svc.handoff.reply(moderator, int(args[0].lstrip("#")), text, lang)
        if out.ok:
            tk = out.ticket
            try:
                await self._deliver(context.bot, tk, out.deliver)
                ok = True
            except TelegramError as exc:
                log.warning("ticket #%s: answer not delivered: %s", tk.id, type(exc).__name__)
                ok = False
            await self._send(context.bot, chat_id, html.escape(await self.svc.handoff.delivered(tk.id, ok, lang)))
        else:
            await self._send(context.bot, chat_id, html.escape(out.text))

    async def _deliver(self, bot, tk, text: str) -> None:
        """A moderator's (or a taught) answer to the asker of ticket ``tk``, in the chat and forum
        topic it was asked in; in a group it mentions the asker by name."""
        target = str(tk.chat_id or tk.user_id)
        out = html.escape(text)
        if _target(target)[0] < 0:
            names = await self.svc.storage.display_names(PLATFORM, [tk.user_id])
            out = f"{mention_html(int(tk.user_id), names.get(tk.user_id) or tk.user_id)}\n{out}"
        await self._send(bot, target, out)

    async def on_close(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.svc.admit(_user(update.effective_user))
        lang = await self._ui_lang(update.effective_user)
        args = context.args or []
        if not args or not args[0].lstrip("#").isdigit():
            out_text = t("ticket.usage_close", lang)
        else:
            out_text = (await self.svc.handoff.close(_user(update.effective_user), int(args[0].lstrip("#")), lang)).text
        await self._send(context.bot, update.effective_chat.id, html.escape(out_text))

    async def on_tickets(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.svc.admit(_user(update.effective_user))  # moderators are not limited; others are answered "no"
        lang = await self._ui_lang(update.effective_user)
        moderator = _user(update.effective_user)
        names = None
        if self.svc.handoff.is_moderator(PLATFORM, moderator.user_id):
            open_tickets = await self.svc.storage.tickets("open", PLATFORM)
            names = await self.svc.storage.display_names(PLATFORM, [tk.user_id for tk in open_tickets])
        out = await self.svc.handoff.list_open(moderator, lang, names=names)
        await self._send(context.bot, update.effective_chat.id, html.escape(out.text))

    async def on_report(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        from bot import report

        self.svc.admit(_user(update.effective_user))
        lang = await self._ui_lang(update.effective_user)
        if not self.svc.handoff.is_moderator(PLATFORM, update.effective_user.id):
            await self._send(context.bot, update.effective_chat.id, html.escape(t("ticket.not_moderator", lang)))
            return
        r = await report.compute(self.svc.storage, self.svc.clock(), advisor=self.svc.advisor)
        await self._send(context.bot, update.effective_chat.id, to_html(report.to_text(r, lang)))

    # -- groups: new members ------------------------------------------------------------------------
    async def on_new_members(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        msg = update.effective_message
        chat = update.effective_chat
        for member in msg.new_chat_members or ():
            if member.is_bot:
                continue
            lang = _hint(member) or "en"
            if await self.svc.storage.has_passed(PLATFORM, str(chat.id), str(member.id)):
                text = t("chat.group_welcome_back", lang, name=member.first_name or "")  # no quiz a second time
                await self._send(context.bot, chat.id, html.escape(text), thread=_thread(msg))
                continue
            link = self._deep_link(self._signed(str(chat.id)))
            text = t("chat.group_welcome", lang, name=member.first_name or "", role=self._role(lang))
            markup = InlineKeyboardMarkup([[InlineKeyboardButton(t("btn.start_quiz", lang), url=link)]]) if link else None
            await self._send(context.bot, chat.id, html.escape(text), markup, thread=_thread(msg))

    # -- inline mode ------------------------------------------------------------------------------
    async def on_inline(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        iq = update.inline_query
        query = (iq.query or "").strip()
        if not query:
            await iq.answer([], cache_time=60, is_personal=True)
            return
        advisor = self.svc.advisor
        ans = advisor.ask(query, hint=_hint(iq.from_user))  # not logged: inline queries come per keystroke
        results = []
        if ans.answered:
            topics = [ans.topic] + ans.alternatives[:4]
            for n, topic in enumerate(topics):
                text = ans.answer if n == 0 else advisor.answer_topic(topic, ans.lang).answer
                results.append(InlineQueryResultArticle(
                    id=f"{n}-{topic}"[:64], title=advisor.topic_label(topic, ans.lang)[:100],
                    description=text.split("\n", 1)[-1][:120],
                    input_message_content=InputTextMessageContent(split_message(to_html(text))[0], parse_mode=ParseMode.HTML),
                ))
        else:
            results.append(InlineQueryResultArticle(
                id="none", title=t("chat.inline_hint", ans.lang, role=self._role(ans.lang))[:100],
                description=ans.answer[:120], input_message_content=InputTextMessageContent(html.escape(ans.answer), parse_mode=ParseMode.HTML),
            ))
        # the language of the results follows the asker's client: never cached for other people
        await iq.answer(results, cache_time=300, is_personal=True)

    async def on_unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A command the bot does not have, in a private chat: say so and list the ones it has (in a
        group it may be another bot's)."""
        self.svc.admit(_user(update.effective_user))
        lang = await self._ui_lang(update.effective_user)
        await self._send(context.bot, update.effective_chat.id, html.escape(t("chat.unknown_command", lang)))

    async def on_group_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A command the bot does not have, in a group: answered (as a reply) only when it names this
        bot (``/foo@this_bot``); a bare ``/foo`` may be another bot's, and is left alone."""
        msg = update.effective_message
        first = next((e for e in msg.entities or () if e.type == MessageEntityType.BOT_COMMAND and e.offset == 0), None)
        if first is None or not self.username:
            return
        if not msg.parse_entity(first).lower().endswith("@" + self.username.lower()):
            return
        self.svc.admit(_user(update.effective_user))
        lang = await self._ui_lang(update.effective_user)
        await self._send(context.bot, update.effective_chat.id, html.escape(t("chat.unknown_command", lang)),
                         reply_to=msg.message_id)

    async def on_edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Edits are not new questions: a typo fixed after the answer would be answered twice."""
        raise ApplicationHandlerStop

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        if isinstance(context.error, TelegramError):  # Telegram said no (blocked, flood, bad request): one line
            log.warning("update failed: %s", _short(context.error))
            return
        log.error("update failed: %s", type(context.error).__name__, exc_info=context.error)

    # -- what the community teaches (moderators) -------------------------------------------------------
    @staticmethod
    def _command_rest(update: Update) -> str:
        """The text after the command word, line breaks kept."""
        parts = (update.effective_message.text or "").split(None, 1)
        return parts[1] if len(parts) > 1 else ""

    async def _teach_outcome(self, bot, chat_id, out, lang: str) -> None:
        """Show a /teach outcome: on a ticket taught, the asker gets the topic's answer and the
        ticket closes; without a topic, the closest topics as buttons."""
        markup = None
        if not out.ok and out.suggestions and out.ticket is not None:
            markup = InlineKeyboardMarkup([[InlineKeyboardButton(
                f"{tp} · {self.svc.topic_label(tp, lang)}"[:60], callback_data=f"tt:{out.ticket.id}:{tp}"[:64])]
                for tp in out.suggestions])
        text = out.text
        if out.ok and out.deliver and out.ticket is not None:
            tk = out.ticket
            try:
                await self._deliver(bot, tk, out.deliver)
                ok = True
            except (TelegramError, ValueError) as exc:
                log.warning("ticket #%s: taught answer not delivered: %s", tk.id, type(exc).__name__)
                ok = False
            text += "\n" + await self.svc.handoff.delivered(tk.id, ok, lang)
        await self._send(bot, chat_id, html.escape(text), markup)

    def _ticket_markup(self, opened) -> InlineKeyboardMarkup | None:
        """Under a ticket posted for the moderators: "teach" choices, the closest topics."""
        rows = [[InlineKeyboardButton(f"🎓 {tp} · {self.svc.topic_label(tp, 'en')}"[:60],
                                      callback_data=f"tt:{opened.id}:{tp}"[:64])] for tp in opened.suggestions or ()]
        return InlineKeyboardMarkup(rows) if rows else None

    async def on_teach(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        from bot.taught import parse_teach

        user = _user(update.effective_user)
        lang = await self._ui_lang(update.effective_user)
        target, topic = parse_teach(self._command_rest(update))
        if target is None:
            self.svc.admit(user)
            key = "teach.usage" if self.svc.may_teach(user) else "ticket.not_moderator"
            await self._send(context.bot, update.effective_chat.id, html.escape(t(key, lang)))
            return
        out = await self.svc.teach(user, target, topic, lang)
        await self._teach_outcome(context.bot, update.effective_chat.id, out, lang)

    async def on_teach_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        q = update.callback_query
        await q.answer()
        _, ticket, topic = (q.data or "").split(":", 2)
        lang = await self._ui_lang(q.from_user)
        out = await self.svc.teach(_user(q.from_user), int(ticket), topic, lang)
        await self._teach_outcome(context.bot, q.message.chat.id if q.message else q.from_user.id, out, lang)

    async def on_taught(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        user = _user(update.effective_user)
        lang = await self._ui_lang(update.effective_user)
        args = context.args or []
        if args and args[0].lower() in ("remove", "rm", "del", "torol", "töröl"):
            if len(args) < 2 or not args[1].lstrip("#").isdigit():
                self.svc.admit(user)
                key = "teach.usage_remove" if self.svc.may_teach(user) else "ticket.not_moderator"
                out_text = t(key, lang)
            else:
                out_text = (await self.svc.untaught(user, int(args[1].lstrip("#")), lang)).text
        else:
            out_text = (await self.svc.taught_list(user, lang)).text
        for part in split_message(html.escape(out_text)):
            await self._send(context.bot, update.effective_chat.id, part)

    async def on_answer(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/answer save TEXT, /answer edit ID TEXT, /answer list, /answer remove ID."""
        user = _user(update.effective_user)
        lang = await self._ui_lang(update.effective_user)
        words = self._command_rest(update).split(None, 1)
        action, rest = (words[0].lower() if words else ""), (words[1] if len(words) > 1 else "")
        if action == "list":
            out = await self.svc.answers_list(user, lang)
        elif action in ("remove", "rm") and rest.strip():
            out = await self.svc.remove_answer(user, rest.split()[0], lang)
        elif action == "save" and rest.strip():
            out = await self.svc.save_answer(user, None, rest, lang)
        elif action == "edit" and len(rest.split(None, 1)) == 2:
            faq_id, text = rest.split(None, 1)
            out = await self.svc.edit_answer(user, faq_id, text, lang)
        else:
            self.svc.admit(user)
            out_text = t("faq.usage" if self.svc.may_teach(user) else "ticket.not_moderator", lang)
            await self._send(context.bot, update.effective_chat.id, html.escape(out_text))
            return
        for part in split_message(html.escape(out.text)):
            await self._send(context.bot, update.effective_chat.id, part)


class Inbox:
    """No update lost once Telegram counts it as delivered.

    ``getUpdates`` confirms every update before the offset it is called with, and PTB calls it again
    as soon as the last batch is queued, long before the batch is handled: a crash lost every update
    in hand. Each batch is recorded in the storage (one transaction) before it is returned to PTB,
    so before it is confirmed; each update is marked done once handled, which drops its content.
    On start the ones never marked are handled first. An update that comes again (recorded, then
    the process died before confirming it) is recognised by its id and not handled twice."""

    def __init__(self, service, bot_id: str = "0"):
        self.svc = service
        self.key = f"{PLATFORM}:{bot_id}"  # update ids are per bot: two bots may share a database
        self.failing = False
        self.purged = 0.0
        self.mine: set[int] = set()  # ids recorded (or replayed) and not yet handled

    async def record(self, raws: list) -> list:
        rows = [(u["update_id"], _sender(u), json.dumps(u, ensure_ascii=False)) for u in raws if len(u) > 1]
        if not rows:
            return raws
        try:
            new = await asyncio.wait_for(self.svc.storage.inbox_add(self.key, rows, self.svc.clock()), STORE_SECONDS)
        except Exception as exc:  # noqa: BLE001 - an outage must not stop the bot: handled, just not recorded
            if not self.failing:
                log.warning("updates cannot be recorded (handled anyway, a crash now would lose them): %s", _short(exc))
            self.failing = True
            return raws
        if self.failing:
            log.info("updates are recorded again")
            self.failing = False
        now = self.svc.clock()
        if now - self.purged > 3600:  # the ids of handled updates are kept a day
            self.purged = now
            try:
                await asyncio.wait_for(self.svc.storage.inbox_purge(self.key, now - 86400), STORE_SECONDS)
            except Exception as exc:  # noqa: BLE001 - tried again in an hour
                log.warning("handled updates could not be purged: %s", _short(exc))
        self.mine |= new
        # an id recorded before (handled, or pending and handled from the inbox): blanked, not handled twice
        return [u if len(u) == 1 or u["update_id"] in new else {"update_id": u["update_id"]} for u in raws]

    async def done(self, update) -> None:
        if not isinstance(update, Update) or update.update_id not in self.mine:
            return  # not recorded (a webhook's, or while the storage failed): nothing to mark
        if set(update.to_dict()) == {"update_id"}:
            return  # the blank copy of one recorded before: the recorded one marks itself
        self.mine.discard(update.update_id)
        try:
            await asyncio.wait_for(self.svc.storage.inbox_done(self.key, update.update_id, self.svc.clock()), STORE_SECONDS)
        except Exception as exc:  # noqa: BLE001 - it stays pending: handled again after a restart at worst
            log.warning("update %s handled but not marked done: %s", update.update_id, _short(exc))

    async def replay(self, app: Application) -> None:
        try:
            pending = await self.svc.storage.inbox_pending(self.key, done_before=self.svc.clock() - 86400)
        except Exception as exc:  # noqa: BLE001
            log.warning("updates received before the last stop cannot be read: %s", _short(exc))
            return
        if pending:
            log.info("handling %d updates received before the last stop", len(pending))
        for _uid, payload in pending:
            try:
                self.mine.add(_uid)
                await app.update_queue.put(Update.de_json(json.loads(payload), app.bot))
            except Exception as exc:  # noqa: BLE001
                log.error("recorded update %s cannot be read and is skipped: %s", _uid, _short(exc))


def _sender(raw: dict) -> str | None:
    """The user an update comes from (``forget`` deletes what is still pending of theirs)."""
    for kind, value in raw.items():
        if isinstance(value, dict):
            frm = value.get("from") or value.get("user")
            if isinstance(frm, dict) and "id" in frm:
                return str(frm["id"])
    return None


def build_application(service, token: str, base_url: str | None = None, *, concurrency: int = 16,
                      max_retries: int = 3, max_rate: float | None = None, inbox: bool = False) -> Application:
    """The python-telegram-bot Application with every handler, not yet started. ``inbox``: record
    updates fetched by long polling before they are confirmed (:class:`Inbox`)."""
    adapter = TelegramAdapter(service)
    box = Inbox(service, token.split(":")[0]) if inbox else None

    async def post_init(app: Application) -> None:
        await service.storage.open()
        app.bot_data["retention"] = asyncio.get_running_loop().create_task(service.maintain())
        if box is not None:
            await box.replay(app)
            updates_request.journal, processor.on_done = box.record, box.done
        me = await app.bot.get_me()
        adapter.username, adapter.bot_id = me.username, me.id
        adapter.link_key = _link_key(app.bot.token)
        place = service.handoff.place(PLATFORM)
        for lang, code in (("en", None), ("hu", "hu")):
            cmds = [BotCommand(c, t(f"cmd.{c}", lang)) for c in COMMANDS]
            try:
                await app.bot.set_my_commands(cmds, scope=BotCommandScopeDefault(), language_code=code)
                if place:  # the moderators' chat also lists their commands
                    mod = cmds + [BotCommand(c, t(f"cmd.{c}", lang)) for c in MODERATOR_COMMANDS]
                    await app.bot.set_my_commands(mod, scope=BotCommandScopeChat(int(place)), language_code=code)
            except (TelegramError, ValueError) as exc:
                log.warning("setMyCommands (%s) failed: %s", lang, type(exc).__name__)

    async def post_shutdown(app: Application) -> None:
        task = app.bot_data.pop("retention", None)
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)  # ended before the storage closes
        await service.storage.close()

    updates_request = UpdatesRequest(connection_pool_size=1)
    processor = PerChatProcessor(concurrency)
    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url or DEFAULT_BASE_URL)
        .rate_limiter(PerChatRateLimiter(overall_max_rate=max_rate or _max_rate(), max_retries=max_retries,
                                         group_max_rate=20 if not max_rate else max(20, max_rate)))
        .concurrent_updates(processor)
        .get_updates_request(updates_request)
        .connection_pool_size(concurrency + 4)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    app.bot_data["adapter"] = adapter
    app.bot_data["updates_request"] = updates_request
    # edits first, in a group of their own: ignored, whatever handler would match the new text
    app.add_handler(_EditsIgnored(adapter.on_edited), group=-1)
    private, groups = filters.ChatType.PRIVATE, filters.ChatType.GROUPS
    app.add_handler(CommandHandler("start", adapter.limited(adapter.on_start)))
    app.add_handler(CommandHandler("help", adapter.limited(adapter.on_help)))
    app.add_handler(CommandHandler("ask", adapter.limited(adapter.on_ask)))
    app.add_handler(CommandHandler("lang", adapter.limited(adapter.on_lang)))
    app.add_handler(CommandHandler("quiz", adapter.limited(adapter.on_quiz)))
    app.add_handler(CommandHandler("leaderboard", adapter.limited(adapter.on_leaderboard)))
    app.add_handler(CommandHandler("forget", adapter.limited(adapter.on_forget)))
    app.add_handler(CommandHandler("reply", adapter.limited(adapter.on_reply)))
    app.add_handler(CommandHandler("close", adapter.limited(adapter.on_close)))
    app.add_handler(CommandHandler("tickets", adapter.limited(adapter.on_tickets)))
    app.add_handler(CommandHandler("report", adapter.limited(adapter.on_report)))
    app.add_handler(CommandHandler("teach", adapter.limited(adapter.on_teach)))
    app.add_handler(CommandHandler("taught", adapter.limited(adapter.on_taught)))
    app.add_handler(CommandHandler("answer", adapter.limited(adapter.on_answer)))
    app.add_handler(MessageHandler(filters.StatusUpdate.NEW_CHAT_MEMBERS, adapter.on_new_members))
    text = (filters.TEXT | filters.CAPTION) & ~filters.COMMAND
    app.add_handler(MessageHandler(private & text, adapter.limited(adapter.on_private_text)))
    app.add_handler(MessageHandler(groups & text, adapter.limited(adapter.on_group_text)))
    app.add_handler(MessageHandler(private & filters.COMMAND, adapter.limited(adapter.on_unknown_command)))
    app.add_handler(MessageHandler(groups & filters.COMMAND, adapter.limited(adapter.on_group_command)))
    app.add_handler(CallbackQueryHandler(adapter.limited(adapter.on_teach_button), pattern=r"^tt:\d+:"))
    app.add_handler(CallbackQueryHandler(adapter.limited(adapter.on_callback)))
    app.add_handler(PollAnswerHandler(adapter.limited(adapter.on_poll_answer)))
    app.add_handler(InlineQueryHandler(adapter.on_inline))
    app.add_error_handler(adapter.on_error)
    return app


# -- transport: flood waits per chat, updates one chat at a time, getUpdates that never stalls ------
class PerChatRateLimiter(AIORateLimiter):
    """PTB's :class:`AIORateLimiter` (overall and per-group rates, retries after a 429), except that
    a 429 for one chat holds only that chat: the stock one stops *every* request until the wait is
    over, so one group's 8-second flood wait delayed every direct message by 8 seconds.

    Telegram's 429 does not say whether the chat's limit or the bot's overall one was hit. When the
    bot sent close to its overall rate in the last second, or 429s came for two chats within a
    second, it is the overall one: then every chat waits, as with the stock limiter. Requests
    without a chat (answering a button, an inline query) are the stock ones."""

    def __init__(self, *args, overall_max_rate: float = 30, **kwargs):
        # one message every 1/rate seconds rather than bursts of `rate` at once: a burst followed by
        # the steady rate is twice the limit in the first second, and Telegram answers 429
        super().__init__(*args, overall_max_rate=1, overall_time_period=1 / overall_max_rate, **kwargs)
        self._overall = overall_max_rate
        self._held: dict[str, float] = {}  # chat -> loop time until which Telegram asked us to wait
        self._everyone_until = 0.0  # the overall limit: every chat waits until then
        self._recent: dict[str, float] = {}  # chat -> loop time of its last 429
        self._sent: collections.deque = collections.deque()  # loop times of the sends of the last second
        self.closing = asyncio.Event()  # set on SIGTERM: no more flood waits

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        chat_id = data.get("chat_id")
        if chat_id is None:
            return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        key = str(chat_id)
        try:
            group = int(chat_id) if int(chat_id) < 0 else False
        except (TypeError, ValueError):
            group = key  # @channelusername
        loop = asyncio.get_running_loop()
        max_retries = rate_limit_args or self._max_retries
        for attempt in range(max_retries + 1):
            wait = max(self._held.get(key, 0.0), self._everyone_until) - loop.time()
            while wait > 0:
                if self.closing.is_set():
                    _abandon(key)
                try:
                    await asyncio.wait_for(self.closing.wait(), wait)
                except asyncio.TimeoutError:
                    pass
                wait = max(self._held.get(key, 0.0), self._everyone_until) - loop.time()
            now = loop.time()
            self._sent.append(now)
            while self._sent and now - self._sent[0] > 1.0:
                self._sent.popleft()
            try:
                return await self._run_request(chat=True, group=group, allow_paid_broadcast=bool(data.get("allow_paid_broadcast")),
                                               callback=callback, args=args, kwargs=kwargs)
            except RetryAfter as exc:
                if attempt == max_retries:
                    log.warning("chat %s: flood control still on after %d retries: message dropped", key, max_retries)
                    raise
                now = loop.time()
                until = now + _seconds(exc) + 0.1
                self._recent = {k: v for k, v in self._recent.items() if now - v < 1.0}
                overall = any(k != key for k in self._recent) or len(self._sent) >= 0.8 * self._overall
                self._recent[key] = now
                if overall:
                    self._everyone_until = max(self._everyone_until, until)
                    log.info("flood control in several chats: every chat waits %.1f s", until - now)
                else:
                    self._held[key] = max(self._held.get(key, 0.0), until)
                    log.info("chat %s: flood control, waiting %.1f s (other chats go on)", key, until - now)
            finally:
                if len(self._held) > 1024:
                    now = loop.time()
                    self._held = {k: v for k, v in self._held.items() if v > now}
        return None  # pragma: no cover - the loop returns or raises


class Abandoned(TelegramError):
    """A send given up because the bot is stopping while its chat is in a flood wait."""


# the update being handled in this task: a holder set to True when one of its sends is abandoned
_ABANDONED: contextvars.ContextVar[list] = contextvars.ContextVar("abandoned")


def _abandon(key: str):
    holder = _ABANDONED.get(None)
    if holder is not None:
        holder[0] = True
    raise Abandoned(f"chat {key} is in a flood wait and the bot is stopping: handled again after the restart")


def _seconds(exc: RetryAfter) -> float:
    ra = getattr(exc, "_retry_after", None)  # a timedelta in PTB 22 (the public attribute warns)
    return ra.total_seconds() if hasattr(ra, "total_seconds") else float(ra or 1)


class PerChatProcessor(BaseUpdateProcessor):
    """Updates of one chat one after the other (in order), up to ``concurrency`` chats at once.

    PTB's own processor takes a slot per update before anything else, so a group whose replies wait
    out a flood limit could take all of them and leave direct messages queued behind it. Here an
    update first waits for its chat's turn, without a slot, and a chat holds at most one."""

    def __init__(self, concurrency: int, on_done=None):
        super().__init__(2 ** 16)  # the real bound is the semaphore below
        self.concurrency = concurrency
        self.on_done = on_done  # called with each update once it was handled
        self._slots: asyncio.Semaphore | None = None
        self._chats: dict[object, list] = {}  # key -> [lock, users]

    async def initialize(self) -> None:
        self._slots = asyncio.Semaphore(self.concurrency)

    async def shutdown(self) -> None:
        pass

    @staticmethod
    def key(update) -> object:
        if isinstance(update, Update):
            if update.effective_chat is not None:
                return update.effective_chat.id
            if update.effective_user is not None:  # poll answers, inline queries: the user's own chat
                return update.effective_user.id
        return None

    async def do_process_update(self, update, coroutine) -> None:
        if self._slots is None:
            await self.initialize()
        abandoned = [False]
        _ABANDONED.set(abandoned)
        key = self.key(update)
        entry = self._chats.setdefault(key, [asyncio.Lock(), 0]) if key is not None else None
        if entry is not None:
            entry[1] += 1
        try:
            if entry is None:
                async with self._slots:
                    await coroutine
            else:
                async with entry[0], self._slots:
                    await coroutine
        finally:
            if entry is not None:
                entry[1] -= 1
                if entry[1] == 0:
                    self._chats.pop(key, None)
            if self.on_done is not None and not abandoned[0]:  # an abandoned one stays in the inbox
                await self.on_done(update)


class TokenRefused(NetworkError):
    """getUpdates answered 401: the token was revoked (or is being replaced). Polling goes on with
    growing pauses and starts working again once the token is valid again."""


class UpdatesRequest(HTTPXRequest):
    """The request object used only for ``getUpdates``.

    * An update python-telegram-bot cannot parse (e.g. a field shaped by an older self-hosted Bot API
      server) is replaced by an empty one with the same id: it is logged once and skipped, and the
      offset moves past it. Without this PTB fails the whole batch and fetches it again, thousands of
      times a second, for ever.
    * A 401 is turned into :class:`TokenRefused`, a network error: PTB's polling loop ends for good on
      an invalid token and would leave the process running but deaf.
    * ``journal`` (if set) records the raw updates before they are returned, that is before the next
      ``getUpdates`` confirms them to Telegram.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.journal = None
        self.refused = False
        self.closing = False

    async def post(self, url, request_data=None, *args, **kwargs):
        if self.closing and self.refused:
            return []  # the last getUpdates on the way out: nothing can be confirmed with a refused token
        try:
            result = await super().post(url, request_data, *args, **kwargs)
        except InvalidToken as exc:
            if not self.refused:
                log.error("Telegram refuses the token (401) while polling: retrying with pauses up to 30 s "
                          "until it is valid again (was it revoked in @BotFather?)")
            self.refused = True
            raise TokenRefused("the token was refused") from exc
        if self.refused:
            log.warning("Telegram accepts the token again: polling resumed")
            self.refused = False
        if isinstance(result, list):
            result = [_parseable(u) for u in result]
            if result and self.journal is not None:
                result = await self.journal(result)
        return result


def _parseable(raw):
    """``raw`` if python-telegram-bot can parse it (after filling in what older Bot API servers leave
    out), else an empty update with its id (logged)."""
    try:
        Update.de_json(raw, None)
        return raw
    except Exception as exc:  # noqa: BLE001 - whatever the library raises, the update is skipped
        repaired = _repaired(raw)
        if repaired is not None:
            try:
                Update.de_json(repaired, None)
                return repaired
            except Exception:  # noqa: BLE001
                pass
        uid = raw.get("update_id") if isinstance(raw, dict) else None
        kinds = sorted(k for k in raw if k != "update_id") if isinstance(raw, dict) else []
        log.error("update %s (%s) cannot be parsed and is skipped: %s", uid, ", ".join(kinds) or "?", _short(exc))
        return {"update_id": uid} if isinstance(uid, int) else {"update_id": 0}


def _repaired(raw):
    """Fields Bot API 9.6+ added that a self-hosted server of an older version does not send (PTB
    22.8 requires them): a poll answer's option_persistent_ids, a poll's options' persistent_id,
    allows_revoting and members_only. None if there is nothing to fill in."""
    import copy

    if not isinstance(raw, dict):
        return None
    out, changed = copy.deepcopy(raw), False
    pa = out.get("poll_answer")
    if isinstance(pa, dict) and "option_persistent_ids" not in pa and isinstance(pa.get("option_ids"), list):
        pa["option_persistent_ids"] = [str(i) for i in pa["option_ids"]]
        changed = True
    poll = out.get("poll")
    if isinstance(poll, dict):
        for field in ("allows_revoting", "members_only"):
            if field not in poll:
                poll[field], changed = False, True
        for i, opt in enumerate(poll.get("options") or ()):
            if isinstance(opt, dict) and "persistent_id" not in opt:
                opt["persistent_id"], changed = str(i), True
    return out if changed else None


class _EditsIgnored(TypeHandler):
    """Matches an edited message or channel post (and nothing else)."""

    def __init__(self, callback):
        super().__init__(Update, callback)

    def check_update(self, update: object) -> bool:
        return isinstance(update, Update) and (update.edited_message is not None or update.edited_channel_post is not None
                                               or update.edited_business_message is not None)


def _polling_error(exc: TelegramError) -> None:
    """One line per failed getUpdates (PTB's default logs a traceback each time); a refused token is
    logged once by :class:`UpdatesRequest`."""
    if not isinstance(exc, TokenRefused):
        log.warning("getUpdates failed, retrying: %s", _short(exc))


def _link_key(token: str) -> bytes:
    import hashlib

    return hashlib.sha256(b"role-advisor onboarding link:" + token.encode()).digest()


def _max_rate() -> float:
    """Messages per second for the whole bot: a little under Telegram's 30, so its limit is rarely hit."""
    raw = os.environ.get("TELEGRAM_MAX_MESSAGES_PER_SECOND", "")
    try:
        v = float(raw) if raw else 29.0
    except ValueError:
        v = 29.0
    return min(max(v, 1.0), 30.0)


def read_token(env=None) -> tuple[str | None, str | None]:
    """(token, None) or (None, message) — the message never contains the value."""
    env = os.environ if env is None else env
    token = (env.get(TOKEN_ENV) or "").strip()
    if not token:
        return None, t("token.missing", "en", var=TOKEN_ENV)
    if not TOKEN_RE.match(token):
        return None, t("token.malformed", "en", var=TOKEN_ENV, shape="123456789:AAbbCC…")
    return token, None


def _api_host(base_url: str) -> str:
    """Host (and port) of the Bot API, for messages: never the path, where the token goes."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(base_url)
        return parts.hostname + (f":{parts.port}" if parts.port else "")
    except (TypeError, ValueError):
        return "the configured TELEGRAM_API_BASE_URL"


async def _serve(app: Application, args, secret: str) -> None:
    """What ``run_polling``/``run_webhook`` do, but a stop signal at any moment of the start-up cancels
    it before the shutdown runs: PTB's runners leave an interrupted start-up (``post_init``, with the
    storage half open) running while they shut down and close the loop, which is where the
    intermittent "Event loop is closed" and never-retrieved task tracebacks came from. Runs until
    SIGTERM/SIGINT (a container's ``docker stop``), then stops polling or the webhook server, lets
    the updates in hand finish, and closes the storage."""
    import signal

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass

    async def start() -> None:
        await app.initialize()
        await app.post_init(app)
        if args.webhook:
            await app.updater.start_webhook(listen=args.listen, port=args.port, url_path=args.url_path,
                                            webhook_url=args.webhook, secret_token=secret, allowed_updates=Update.ALL_TYPES)
        else:
            await app.updater.start_polling(allowed_updates=Update.ALL_TYPES, error_callback=_polling_error)
        await app.start()

    starting = asyncio.create_task(start())
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({starting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if starting.done():
            starting.result()  # a start-up failure ends here, after the clean-up below
            log.info("running (%s)", "webhook on %s:%s" % (args.listen, args.port) if args.webhook else "long polling")
            await stopping
        else:
            starting.cancel()
            await asyncio.gather(starting, return_exceptions=True)
        log.info("stopping (signal received)")
    finally:
        stopping.cancel()
        # every step is tried even if one before it failed: the storage must close, or its thread
        # keeps the process alive after a SIGTERM
        request = app.bot_data.get("updates_request")
        if request is not None:
            request.closing = True
        limiter = app.bot.rate_limiter
        if isinstance(limiter, PerChatRateLimiter):
            limiter.closing.set()  # a reply waiting out a flood wait is given up (and kept in the inbox)
        for step, needed in (("updater", lambda: app.updater and app.updater.running), ("application", lambda: app.running),
                             ("storage", lambda: True), ("connections", lambda: True)):
            try:
                if not needed():
                    continue
                if step == "updater":
                    await app.updater.stop()
                elif step == "application":
                    await app.stop()
                elif step == "storage":
                    await app.post_shutdown(app)
                else:
                    await app.shutdown()
            except Exception as exc:  # noqa: BLE001 - logged in one line, the next step still runs
                log.warning("while stopping (%s): %s", step, _short(exc))


def main(args) -> int:
    """``role-advisor telegram``: long polling, or webhook mode with ``--webhook URL``.

    Every fatal condition ends in one line on stderr and a non-zero exit: 2 for the configuration,
    1 when Telegram or the database cannot be reached. No secret is ever in the output."""
    from adapters.logsetup import LogLevelError, database_secrets, fatal, log_level, setup_logging, stop_on_sigterm

    stop_on_sigterm()

    token, problem = read_token()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    secret = os.environ.get(SECRET_ENV, "").strip()
    if args.webhook is not None and not args.webhook.strip():  # e.g. compose's ${TELEGRAM_WEBHOOK_URL:-} unset
        print(t("webhook.url_missing", "en"), file=sys.stderr)
        return 2
    if args.webhook and not SECRET_RE.match(secret):
        print(t("webhook.secret_missing", "en"), file=sys.stderr)
        return 2
    try:
        level = log_level(args)
    except LogLevelError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    secrets = [token, secret, *database_secrets()]
    setup_logging(level, secrets)

    from adapters.cli import _load
    from bot.config import ConfigError
    from bot.service import Service
    from bot.storage import StorageError, open_storage

    advisor = _load(args)
    try:
        service = Service(advisor, open_storage())
    except (ConfigError, StorageError) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    base_url = os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    app = build_application(service, token, base_url, inbox=not args.webhook)
    try:
        asyncio.run(_serve(app, args, secret))
    except InvalidToken:
        fatal(t("err.telegram_token_refused", "en", var=TOKEN_ENV), secrets)
        return 2
    except NetworkError as exc:  # no route, DNS, refused, timed out: one line, not the library's traceback
        fatal(t("err.telegram_unreachable", "en", host=_api_host(base_url), error=_short(exc)), secrets)
        return 1
    except TelegramError as exc:
        fatal(t("err.telegram_refused", "en", error=_short(exc)), secrets)
        return 1
    except StorageError as exc:
        fatal(str(exc), secrets)
        return 1
    except OSError as exc:  # e.g. the webhook port is taken
        fatal(t("err.telegram_listen", "en", error=_short(exc)), secrets)
        return 1
    return 0


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
