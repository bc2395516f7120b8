"""Telegram adapter (python-telegram-bot 22.x): platform events in, core calls, HTML out.

No answering or quiz logic lives here: questions go to :class:`bot.service.Service`, quizzes to its
quiz engine; this module only decides *whether* a message addresses the bot, renders replies as
escaped HTML with buttons, and maps polls/buttons back to quiz answers.
"""
from __future__ import annotations

import asyncio
import functools
import html
import logging
import os
import re
import sys

from telegram import (
    BotCommand, BotCommandScopeChat, BotCommandScopeDefault, InlineKeyboardButton, InlineKeyboardMarkup, InlineQueryResultArticle,
    InputTextMessageContent, Update,
)
from telegram.constants import ChatType, MessageEntityType, ParseMode, PollType
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter, Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler,
    ContextTypes, InlineQueryHandler, MessageHandler, PollAnswerHandler, filters,
)

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
DM_COMMUNITY = "dm"
COMMANDS = ("start", "help", "ask", "lang", "quiz", "leaderboard", "forget")
MODERATOR_COMMANDS = ("reply", "tickets", "close", "report", "teach", "taught", "answer")


# -- rendering ----------------------------------------------------------------------------------
def to_html(text: str) -> str:
    """Core plain text as Telegram HTML: everything escaped, the first line bold."""
    first, _, rest = text.partition("\n")
    out = f"<b>{html.escape(first, quote=False)}</b>"
    return out + ("\n" + html.escape(rest, quote=False) if rest else "")


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Pieces under Telegram's limit, cut at line ends (never inside an HTML tag or entity)."""
    if len(text) <= limit:
        return [text]
    parts, cur = [], ""
    for line in text.split("\n"):
        while len(line) > limit:  # a single huge line: cut at a space, outside entities
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            amp = line.rfind("&", 0, cut)
            if amp != -1 and ";" not in line[amp:cut]:
                cut = amp
            if cur:
                parts.append(cur)
                cur = ""
            parts.append(line[:cut])
            line = line[cut:].lstrip(" ")
        if len(cur) + len(line) + 1 > limit:
            parts.append(cur)
            cur = line
        else:
            cur = f"{cur}\n{line}" if cur else line
    if cur:
        parts.append(cur)
    return parts


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

    # -- helpers ----------------------------------------------------------------------------------
    async def _ui_lang(self, tg_user) -> str:
        pref = await self.svc.lang_of(_user(tg_user))
        return pref or _hint(tg_user) or "en"

    def _role(self, lang: str) -> str:
        return self.svc.advisor.profile.title.get(lang)

    async def _send(self, bot, chat_id, text_html: str, reply_markup=None, reply_to: int | None = None) -> None:
        parts = split_message(text_html)
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            await bot.send_message(
                chat_id, part, parse_mode=ParseMode.HTML, reply_markup=reply_markup if last else None,
                reply_to_message_id=reply_to if i == 0 else None, disable_web_page_preview=True,
            )

    def _answer_markup(self, reply) -> InlineKeyboardMarkup:
        ans = reply.answer
        rows = []
        for topic in ans.alternatives[:3]:
            label = self.svc.advisor.topic_label(topic, reply.lang)
            rows.append([InlineKeyboardButton(f"❓ {label}"[:60], callback_data=f"t:{topic}"[:64])])
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
            await self._send(update.get_bot(), chat.id, html.escape(text), reply_to=reply_to)

    def limited(self, handler):
        """``handler`` with :class:`bot.service.Limited` turned into :meth:`_refused`."""
        @functools.wraps(handler)
        async def run(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            try:
                await handler(update, context)
            except Limited as exc:
                await self._refused(update, exc)
        return run

    # -- questions --------------------------------------------------------------------------------
    async def _answer_question(self, update: Update, text: str) -> None:
        msg = update.effective_message
        tg_user = update.effective_user
        chat = update.effective_chat
        community = DM_COMMUNITY if chat.type == ChatType.PRIVATE else str(chat.id)
        reply = await self.svc.ask(_user(tg_user), community, text, hint=_hint(tg_user), chat_id=chat.id)
        reply_to = msg.message_id if chat.type != ChatType.PRIVATE else None
        await self._send(update.get_bot(), chat.id, to_html(reply.answer.answer), self._answer_markup(reply), reply_to)
        if reply.ticket is not None:
            await self._post_ticket(update.get_bot(), chat.id, reply.ticket)

    async def _post_ticket(self, bot, asker_chat_id, opened) -> None:
        """Tell the asker a ticket was opened and post it where the moderators are."""
        await self._send(bot, asker_chat_id, html.escape(opened.asker_text))
        if not opened.place or not opened.moderator_text:
            return  # the moderators have it already
        try:
            await self._send(bot, int(opened.place), html.escape(opened.moderator_text), self._ticket_markup(opened))
        except (TelegramError, ValueError) as exc:
            log.error("could not post ticket #%s to the moderator chat: %s", opened.id, type(exc).__name__)

    def _addressed(self, message) -> str | None:
        """In a group: the question if the message mentions or replies to the bot, else None."""
        text = message.text or ""
        rt = message.reply_to_message
        if rt is not None and rt.from_user is not None and rt.from_user.id == self.bot_id:
            return text
        if not self.username:
            return None
        mention = f"@{self.username}".lower()
        for ent in message.entities or ():
            if ent.type == MessageEntityType.MENTION:
                if message.parse_entity(ent).lower() == mention:
                    return (text[: ent.offset] + text[ent.offset + ent.length:]).strip()
            elif ent.type == MessageEntityType.TEXT_MENTION and ent.user and ent.user.id == self.bot_id:
                return (text[: ent.offset] + text[ent.offset + ent.length:]).strip()
        return None

    async def on_private_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._answer_question(update, update.effective_message.text or "")

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
            community = payload[4:] if payload.startswith("onb_") else DM_COMMUNITY
            await self._start_quiz(update, context, lang, onboarding=payload.startswith("onb"), community=community or DM_COMMUNITY)
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
        markup = InlineKeyboardMarkup([[
            InlineKeyboardButton(t("btn.yes_delete", lang), callback_data="f:yes"),
            InlineKeyboardButton(t("btn.cancel", lang), callback_data="f:no"),
        ]])
        await self._send(context.bot, update.effective_chat.id, html.escape(t("chat.forget_confirm", lang)), markup)

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
        elif kind == "t":  # did you mean
            chat = q.message.chat if q.message else None
            community = DM_COMMUNITY if chat is None or chat.type == ChatType.PRIVATE else str(chat.id)
            reply = await self.svc.answer_topic(user, community, rest, lang, chat_id=chat_id)
            await q.answer()
            await self._send(context.bot, chat_id, to_html(reply.answer.answer), self._answer_markup(reply))
        elif kind == "h":  # ask a moderator
            chat = q.message.chat if q.message else None
            community = DM_COMMUNITY if chat is None or chat.type == ChatType.PRIVATE else str(chat.id)
            opened = await self.svc.escalate(user, community, int(rest), chat_id) if rest.isdigit() else None
            await q.answer()
            if opened is not None:
                await self._post_ticket(context.bot, chat_id, opened)
        elif kind == "l":  # language choice
            text = await self.svc.set_lang(user, rest)
            await q.answer(text)
            await self._send(context.bot, chat_id, html.escape(text))
        elif kind == "f":  # forget, confirmed or not
            text = await self.svc.forget(user, lang) if rest == "yes" else t("chat.forget_cancelled", lang)
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
                await self._send(context.bot, int(tk.chat_id or tk.user_id), html.escape(out.deliver))
                ok = True
            except TelegramError as exc:
                log.warning("ticket #%s: answer not delivered: %s", tk.id, type(exc).__name__)
                ok = False
            await self._send(context.bot, chat_id, html.escape(await self.svc.handoff.delivered(tk.id, ok, lang)))
        else:
            await self._send(context.bot, chat_id, html.escape(out.text))

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
        out = await self.svc.handoff.list_open(_user(update.effective_user), lang)
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
            link = self._deep_link(f"onb_{chat.id}")
            text = t("chat.group_welcome", lang, name=member.first_name or "", role=self._role(lang))
            markup = InlineKeyboardMarkup([[InlineKeyboardButton(t("btn.start_quiz", lang), url=link)]]) if link else None
            await self._send(context.bot, chat.id, html.escape(text), markup)

    # -- inline mode ------------------------------------------------------------------------------
    async def on_inline(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        iq = update.inline_query
        query = (iq.query or "").strip()
        if not query:
            await iq.answer([], cache_time=60)
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
        await iq.answer(results, cache_time=300)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
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
                await self._send(bot, int(tk.chat_id or tk.user_id), html.escape(out.deliver))
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


def build_application(service, token: str, base_url: str | None = None, *, concurrency: int = 16,
                      max_retries: int = 3, max_rate: float | None = None) -> Application:
    """The python-telegram-bot Application with every handler, not yet started."""
    adapter = TelegramAdapter(service)

    async def post_init(app: Application) -> None:
        await service.storage.open()
        app.bot_data["retention"] = asyncio.get_running_loop().create_task(service.maintain())
        me = await app.bot.get_me()
        adapter.username, adapter.bot_id = me.username, me.id
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

    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url or DEFAULT_BASE_URL)
        .rate_limiter(AIORateLimiter(overall_max_rate=max_rate or _max_rate(), max_retries=max_retries,
                                     group_max_rate=20 if not max_rate else max(20, max_rate)))
        .concurrent_updates(concurrency)
        .connection_pool_size(concurrency + 4)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    app.bot_data["adapter"] = adapter
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
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, adapter.limited(adapter.on_private_text)))
    app.add_handler(MessageHandler(groups & filters.TEXT & ~filters.COMMAND, adapter.limited(adapter.on_group_text)))
    app.add_handler(CallbackQueryHandler(adapter.limited(adapter.on_teach_button), pattern=r"^tt:\d+:"))
    app.add_handler(CallbackQueryHandler(adapter.limited(adapter.on_callback)))
    app.add_handler(PollAnswerHandler(adapter.limited(adapter.on_poll_answer)))
    app.add_handler(InlineQueryHandler(adapter.on_inline))
    app.add_error_handler(adapter.on_error)
    return app


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
            await app.updater.start_polling(allowed_updates=Update.ALL_TYPES)
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
        if app.updater and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.post_shutdown(app)
        await app.shutdown()


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
    app = build_application(service, token, base_url)
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
