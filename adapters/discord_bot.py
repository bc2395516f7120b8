"""Discord adapter (discord.py 2.x): events and interactions in, core calls, embeds and buttons out.

No answering or quiz logic lives here. ``create_bot()`` builds the bot from the environment without
connecting, so tests (and other processes) can drive it. Replies never ping anyone: the bot's
default ``allowed_mentions`` is none, every send passes it again, and echoed text is escaped.
"""
from __future__ import annotations

import asyncio
import functools
import logging
import os
import re
import sys

import discord
from discord import app_commands
from discord.ext import commands

from bot.i18n import t
from bot.quizzes import User
from bot.service import Limited

log = logging.getLogger("role_advisor.discord")

TOKEN_ENV = "DISCORD_BOT_TOKEN"
PLATFORM = "discord"
DM_COMMUNITY = "dm"
NO_PINGS = discord.AllowedMentions.none()
EMBED_DESCRIPTION_LIMIT = 4096
CONTENT_LIMIT = 2000
DEFER_AFTER = 1.5  # seconds without a response after which an interaction is deferred (Discord allows 3)
MODERATOR_PERMISSIONS = discord.Permissions(manage_messages=True)  # who sees the moderators' commands by default
REPORT_MAX_GROUPED = 2000  # /report groups the latest this many unanswered questions (the CLI report groups all)
COLOUR = discord.Colour.blurple()


def _user(u) -> User:
    return User(PLATFORM, str(u.id), (getattr(u, "display_name", None) or u.name)[:64])


def _lang_of_locale(locale) -> str | None:
    value = str(getattr(locale, "value", locale) or "")
    return "hu" if value.startswith("hu") else ("en" if value.startswith("en") else None)


def _safe(text: str) -> str:
    """Text that cannot ping: mentions escaped (a second layer under allowed_mentions=none)."""
    return discord.utils.escape_mentions(text)


def _plain(text: str) -> str:
    """Text people wrote, shown as written: Markdown escaped (a masked link ``[x](url)`` stays text,
    its address visible), and mentions escaped."""
    return _safe(discord.utils.escape_markdown(text))


def _chunks(text: str, limit: int = CONTENT_LIMIT) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut at a line end where there is one in the
    second half of a piece, else at a space, else anywhere (a piece never ends in a lone backslash,
    which would escape nothing)."""
    out = []
    while len(text) > limit:
        cut = text.rfind("\n", limit // 2, limit)
        if cut < 0:
            cut = text.rfind(" ", limit // 2, limit)
        if cut < 0:
            cut = limit
        while cut > 1 and text[cut - 1] == "\\":
            cut -= 1
        out.append(text[:cut])
        text = text[cut:].lstrip("\n")
    out.append(text)
    return [c for c in out if c.strip()]


def _fit(text: str, limit: int) -> str:
    """At most ``limit`` characters, marked with … when cut (escape first, then fit)."""
    if len(text) <= limit:
        return text
    cut = limit - 1
    while cut > 1 and text[cut - 1] == "\\":
        cut -= 1
    return text[:cut] + "…"


def answer_embed(text: str, escape=_safe) -> discord.Embed:
    """An embed of a text: the first line the title, the rest the description; ``escape`` applied
    before the lengths are fitted to Discord's limits, so escaping cannot push them over."""
    title, _, rest = text.partition("\n")
    return discord.Embed(title=_fit(escape(title), 256), description=_fit(escape(rest), EMBED_DESCRIPTION_LIMIT) or None,
                         colour=COLOUR)


# -- buttons that survive restarts: their state is in the custom_id ------------------------------------
class VoteButton(discord.ui.DynamicItem[discord.ui.Button], template=r"ra:v:(?P<log>\d+):(?P<up>[01])"):
    def __init__(self, log_id: int, up: bool):
        super().__init__(discord.ui.Button(
            label="👍" if up else "👎", style=discord.ButtonStyle.secondary, custom_id=f"ra:v:{log_id}:{int(up)}",
        ))
        self.log_id, self.up = log_id, up

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match):
        return cls(int(match["log"]), match["up"] == "1")

    async def callback(self, interaction: discord.Interaction):
        await adapter_of(interaction.client).on_vote(interaction, self.log_id, self.up)


class TopicButton(discord.ui.DynamicItem[discord.ui.Button], template=r"ra:t:(?P<topic>[a-z]+:[A-Za-z0-9.]+)"):
    def __init__(self, topic: str, label: str = "?"):
        super().__init__(discord.ui.Button(label=label[:80], style=discord.ButtonStyle.primary, custom_id=f"ra:t:{topic}"))
        self.topic = topic

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match):
        return cls(match["topic"])

    async def callback(self, interaction: discord.Interaction):
        await adapter_of(interaction.client).on_topic(interaction, self.topic)


class QuizButton(discord.ui.DynamicItem[discord.ui.Button], template=r"ra:q:(?P<sid>[0-9a-f]+):(?P<idx>\d+):(?P<choice>\d)"):
    def __init__(self, sid: str, idx: int, choice: int):
        super().__init__(discord.ui.Button(label=str(choice + 1), style=discord.ButtonStyle.secondary,
                                           custom_id=f"ra:q:{sid}:{idx}:{choice}"))
        self.sid, self.idx, self.choice = sid, idx, choice

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match):
        return cls(match["sid"], int(match["idx"]), int(match["choice"]))

    async def callback(self, interaction: discord.Interaction):
        await adapter_of(interaction.client).on_quiz_button(interaction, self.sid, self.idx, self.choice)


class ModeratorButton(discord.ui.DynamicItem[discord.ui.Button], template=r"ra:h:(?P<log>\d+)"):
    def __init__(self, log_id: int, label: str = "🙋"):
        super().__init__(discord.ui.Button(label=label[:80], style=discord.ButtonStyle.secondary, custom_id=f"ra:h:{log_id}"))
        self.log_id = log_id

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match):
        return cls(int(match["log"]))

    async def callback(self, interaction: discord.Interaction):
        await adapter_of(interaction.client).on_ask_moderator(interaction, self.log_id)


class TeachButton(discord.ui.DynamicItem[discord.ui.Button], template=r"ra:t:(?P<ticket>\d+):(?P<topic>[a-z]+:[A-Za-z0-9._-]+)"):
    """Under a ticket in the moderators' channel: teach its question one of the closest topics."""

    def __init__(self, ticket_id: int, topic: str, label: str = ""):
        super().__init__(discord.ui.Button(label=(label or topic)[:80], style=discord.ButtonStyle.secondary,
                                           custom_id=f"ra:t:{ticket_id}:{topic}"[:100]))
        self.ticket_id, self.topic = ticket_id, topic

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match):
        return cls(int(match["ticket"]), match["topic"])

    async def callback(self, interaction: discord.Interaction):
        await adapter_of(interaction.client).cmd_teach(interaction, self.topic, self.ticket_id)


class OnboardButton(discord.ui.DynamicItem[discord.ui.Button], template=r"ra:o:(?P<guild>\d+)"):
    """Starts (or retakes) the onboarding quiz of one server: in the welcome DM, in the welcome posted
    in the server when DMs are closed, and under a failed or timed-out onboarding quiz."""

    def __init__(self, guild_id: int, label: str = "▶"):
        super().__init__(discord.ui.Button(label=label[:80], style=discord.ButtonStyle.success, custom_id=f"ra:o:{guild_id}"))
        self.guild_id = guild_id

    @classmethod
    async def from_custom_id(cls, interaction, item, match: re.Match):
        return cls(int(match["guild"]))

    async def callback(self, interaction: discord.Interaction):
        await adapter_of(interaction.client).on_onboard_button(interaction, self.guild_id)


def onboard_view(guild_id: int, label: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(OnboardButton(guild_id, label))
    return view


def answer_view(adapter, reply) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for topic in reply.answer.alternatives[:3]:
        view.add_item(TopicButton(topic, "❓ " + adapter.svc.advisor.topic_label(topic, reply.lang)))
    if reply.log_id is None:  # the answer could not be logged (the database was out of reach)
        return view
    view.add_item(VoteButton(reply.log_id, True))
    view.add_item(VoteButton(reply.log_id, False))
    if reply.answer.answered and adapter.svc.handoff.enabled(PLATFORM):
        view.add_item(ModeratorButton(reply.log_id, t("btn.ask_moderator", reply.lang)))
    return view


def quiz_embed(view) -> tuple[discord.Embed, discord.ui.View]:
    item = view.item
    lines = [f"**{i}.** {_safe(opt)}" for i, opt in enumerate(item.options, start=1)]
    embed = discord.Embed(title=_safe(item.question)[:256], description="\n".join(lines), colour=COLOUR)
    embed.set_footer(text=view.progress())
    buttons = discord.ui.View(timeout=None)
    for i in range(len(item.options)):
        buttons.add_item(QuizButton(view.session_id, view.index, i))
    return embed, buttons


# -- localisation of slash commands -----------------------------------------------------------------
class CatalogueTranslator(app_commands.Translator):
    """Command names stay English; descriptions come from the message catalogue in Hungarian."""

    async def translate(self, string: app_commands.locale_str, locale: discord.Locale, context) -> str | None:
        key = string.extras.get("key")
        if key and locale == discord.Locale.hungarian:
            return t(key, "hu")[:100]
        return None


def _desc(key: str) -> app_commands.locale_str:
    return app_commands.locale_str(t(key, "en")[:100], key=key)


def _lock(interaction: discord.Interaction) -> asyncio.Lock:
    """One lock per interaction: its first response and a deferral never race each other."""
    return interaction.extras.setdefault("ra_lock", asyncio.Lock())


async def _defer_later(interaction: discord.Interaction, private: bool, edit: bool) -> None:
    """After :data:`DEFER_AFTER` seconds without a response, defer: Discord shows "thinking…" (or,
    for a button whose message will be edited, nothing) and allows 15 minutes for the followups."""
    await asyncio.sleep(DEFER_AFTER)
    async with _lock(interaction):
        if interaction.response.is_done():
            return
        try:
            if edit:
                await interaction.response.defer()
            else:
                await interaction.response.defer(ephemeral=private, thinking=True)
        except discord.HTTPException as exc:
            log.warning("could not defer interaction %s: %s", interaction.id, exc)


def limited(method=None, *, private: bool = False, edit: bool = False):
    """An adapter entry point made safe for Discord.

    The core's rate limit (:class:`bot.service.Limited`) is answered: an interaction always gets the
    notice, privately (Discord shows "did not respond" otherwise); a mention gets it as a reply once
    in a while, then silence. An interaction not answered within :data:`DEFER_AFTER` seconds is
    deferred (``private``: the answer will be ephemeral; ``edit``: a button whose message is edited
    in place). An unexpected error is logged for the operator and the user is told, never shown it."""
    def wrap(method):
        @functools.wraps(method)
        async def run(self, event, *args, **kwargs):
            is_interaction = isinstance(event, discord.Interaction)
            timer = asyncio.create_task(_defer_later(event, private, edit)) if is_interaction else None
            try:
                return await method(self, event, *args, **kwargs)
            except Limited as exc:
                if is_interaction:
                    lang = await self.lang_for(event.user, event.locale)
                    await self.respond(event, content=exc.text(lang), ephemeral=True)
                elif exc.notify and isinstance(event, discord.Message):
                    lang = await self.lang_for(event.author)
                    await event.reply(content=_safe(exc.text(lang)), allowed_mentions=NO_PINGS, mention_author=False)
            except Exception:
                log.exception("%s failed", method.__name__)
                if is_interaction:
                    try:
                        await self.respond(event, content=t("discord.failed", _lang_of_locale(event.locale) or "en"),
                                           ephemeral=True)
                    except Exception as exc:  # nothing more to do: the operator has the traceback above
                        log.warning("could not tell the user of the failure: %s", type(exc).__name__)
            finally:
                if timer is not None:
                    timer.cancel()
                    await asyncio.gather(timer, return_exceptions=True)
        return run
    return wrap(method) if method is not None else wrap


class DiscordAdapter:
    def __init__(self, bot: "AdvisorBot", service, onboarding_role: str | None):
        self.bot = bot
        self.svc = service
        self.onboarding_role = onboarding_role

    # -- helpers ----------------------------------------------------------------------------------
    async def lang_for(self, user, locale=None, guild_locale=None) -> str:
        """The user's chosen language, else their client's, else the server's preferred one."""
        pref = await self.svc.lang_of(_user(user))
        return pref or _lang_of_locale(locale) or _lang_of_locale(guild_locale) or "en"

    @staticmethod
    def community(guild) -> str:
        return str(guild.id) if guild is not None else DM_COMMUNITY

    def role_title(self, lang: str) -> str:
        return self.svc.advisor.profile.title.get(lang)

    # -- messages ---------------------------------------------------------------------------------
    def question_in(self, message: discord.Message) -> str | None:
        """The question a message asks the bot, or None when it does not address the bot."""
        if message.author.bot or self.bot.user is None:
            return None
        if message.guild is None:
            return message.content
        if self.bot.user in message.mentions:
            text = re.sub(rf"<@!?{self.bot.user.id}>", " ", message.content)
            return " ".join(text.split())
        return None

    @limited
    async def on_message(self, message: discord.Message) -> None:
        question = self.question_in(message)
        if question is None:
            return  # not addressed: ignore
        user = _user(message.author)
        reply = await self.svc.ask(user, self.community(message.guild), question, chat_id=message.channel.id)
        await message.reply(embed=answer_embed(reply.answer.answer), view=answer_view(self, reply),
                            allowed_mentions=NO_PINGS, mention_author=False)
        if reply.ticket is not None:
            await message.channel.send(content=_safe(reply.ticket.asker_text), allowed_mentions=NO_PINGS)
            await self.post_to_moderators(reply.ticket)

    async def _channel(self, channel_id):
        channel = self.bot.get_channel(int(channel_id))
        if channel is None:
            channel = await self.bot.fetch_channel(int(channel_id))
        return channel

    async def post_to_moderators(self, opened) -> bool:
        if not opened.place or not opened.moderator_text:
            return False  # the moderators have it already
        try:
            channel = await self._channel(opened.place)
            parts = _chunks(_plain(opened.moderator_text))
            teach = self.ticket_view(opened)  # the "teach" buttons under the ticket's last part
            for i, part in enumerate(parts):
                await channel.send(content=part, allowed_mentions=NO_PINGS, **(teach if i == len(parts) - 1 else {}))
            return True
        except (discord.HTTPException, ValueError) as exc:
            log.error("could not post ticket #%s to the moderator channel %s: %s", opened.id, opened.place, type(exc).__name__)
            return False

    # -- interactions -----------------------------------------------------------------------------
    async def respond(self, interaction: discord.Interaction, *, embed=None, content=None, view=None, ephemeral=False,
                      mentions=NO_PINGS):
        """The interaction's first response, or a followup once it has one (or was deferred)."""
        kwargs = {"allowed_mentions": mentions, "ephemeral": ephemeral}
        if embed is not None:
            kwargs["embed"] = embed
        if content is not None:
            kwargs["content"] = _fit(_safe(content), CONTENT_LIMIT)
        if view is not None:
            kwargs["view"] = view
        async with _lock(interaction):
            if interaction.response.is_done():
                await interaction.followup.send(**kwargs)
            else:
                await interaction.response.send_message(**kwargs)

    async def update(self, interaction: discord.Interaction, *, content=None, embed=None, view=None):
        """Replace the message a pressed button is on (a quiz played in one message)."""
        kwargs = {"content": _fit(_safe(content or ""), CONTENT_LIMIT) or None, "embed": embed,
                  "view": view if view is not None else discord.ui.View(), "allowed_mentions": NO_PINGS}
        async with _lock(interaction):
            if interaction.response.is_done():
                await interaction.edit_original_response(**kwargs)
            else:
                await interaction.response.edit_message(**kwargs)

    @limited
    async def cmd_ask(self, interaction: discord.Interaction, question: str) -> None:
        if self.svc.advisor.has_topic(question.strip()):  # an autocomplete choice: its topic id
            await self._topic(interaction, question.strip())
            return
        user = _user(interaction.user)
        hint = _lang_of_locale(interaction.locale)
        reply = await self.svc.ask(user, self.community(interaction.guild), question, hint=hint,
                                   chat_id=getattr(interaction, "channel_id", None))
        await self.respond(interaction, embed=answer_embed(reply.answer.answer), view=answer_view(self, reply))
        if reply.ticket is not None:
            await self.respond(interaction, content=reply.ticket.asker_text, ephemeral=True)
            await self.post_to_moderators(reply.ticket)

    async def _topic(self, interaction: discord.Interaction, topic: str) -> None:
        lang = await self.lang_for(interaction.user, interaction.locale)
        reply = await self.svc.answer_topic(_user(interaction.user), self.community(interaction.guild), topic, lang,
                                            chat_id=getattr(interaction, "channel_id", None))
        await self.respond(interaction, embed=answer_embed(reply.answer.answer), view=answer_view(self, reply))

    @limited
    async def cmd_topic(self, interaction: discord.Interaction, topic: str) -> None:
        await self._topic(interaction, topic)

    @limited
    async def cmd_competence(self, interaction: discord.Interaction, code: str) -> None:
        if self.svc.advisor.has_topic(f"competence:{code}"):
            await self._topic(interaction, f"competence:{code}")
        else:
            await self.cmd_ask.__wrapped__(self, interaction, code)

    def autocomplete_topics(self, current: str, lang: str, kinds=("role", "competence", "skill")) -> list[app_commands.Choice[str]]:
        advisor = self.svc.advisor
        cur = current.strip()[:100]
        choices = []
        if cur:
            ans = advisor.ask(cur, lang=lang)
            if ans.answered:
                for topic in [ans.topic] + ans.alternatives:
                    if topic.split(":")[0] in kinds:
                        choices.append(topic)
        for topic in advisor.topics():
            if topic.split(":")[0] in kinds and topic not in choices:
                label = advisor.topic_label(topic, lang)
                if not cur or cur.lower() in label.lower() or cur.lower() in topic.lower():
                    choices.append(topic)
        return [app_commands.Choice(name=advisor.topic_label(tp, lang)[:100], value=tp) for tp in choices[:25]]

    @limited(private=True)
    async def cmd_lang(self, interaction: discord.Interaction, lang: str) -> None:
        text = await self.svc.set_lang(_user(interaction.user), lang)
        await self.respond(interaction, content=text, ephemeral=True)

    @limited
    async def cmd_leaderboard(self, interaction: discord.Interaction) -> None:
        lang = await self.lang_for(interaction.user, interaction.locale)
        community = self.community(interaction.guild) if interaction.guild else None
        text = await self.svc.leaderboard(_user(interaction.user), lang, PLATFORM, community)
        if interaction.guild is not None:
            text = text.replace(str(interaction.guild.id), interaction.guild.name, 1)
        await self.respond(interaction, embed=answer_embed(text, _plain))

    @limited(private=True)
    async def cmd_forget(self, interaction: discord.Interaction) -> None:
        lang = await self.lang_for(interaction.user, interaction.locale)
        text = await self.svc.forget(_user(interaction.user), lang)
        await self.respond(interaction, content=text, ephemeral=True)

    # -- quizzes: one message per quiz, edited in place; private (ephemeral) in a server -------------
    async def _show_quiz(self, interaction: discord.Interaction, step) -> None:
        if not step.accepted or step.next is None:
            await self.respond(interaction, content=step.message or "", ephemeral=True)
            return
        embed, view = quiz_embed(step.next)
        await self.respond(interaction, content=step.message, embed=embed, view=view,
                           ephemeral=interaction.guild is not None)

    @limited(private=True)
    async def cmd_quiz(self, interaction: discord.Interaction) -> None:
        lang = await self.lang_for(interaction.user, interaction.locale)
        step = await self.svc.start_quiz(_user(interaction.user), self.community(interaction.guild), lang)
        await self._show_quiz(interaction, step)

    @limited(private=True, edit=True)
    async def on_quiz_button(self, interaction: discord.Interaction, sid: str, idx: int, choice: int) -> None:
        user = _user(interaction.user)
        sess = await self.svc.storage.get_session(sid)
        lang = sess.lang if sess else "en"
        if sess is None or sess.user_id != user.user_id:
            await self.respond(interaction, content=t("chat.not_your_quiz", lang), ephemeral=True)
            return
        step = await self.svc.quiz_answer(user, choice, session_id=sid, index=idx)
        if not step.accepted:
            now = await self.svc.storage.get_session(sid)
            if sess.onboarding and (now is None or now.status != "active"):  # timed out: a way forward
                await self.update(interaction, content=t("discord.onboarding_expired", lang), embed=None,
                                  view=onboard_view(int(sess.community), t("btn.start_onboarding", lang)))
            else:
                await self.respond(interaction, content=step.message or "", ephemeral=True)
            return
        if step.next is not None:
            embed, view = quiz_embed(step.next)
            await self.update(interaction, content=step.feedback, embed=embed, view=view)
            return
        final = step.final
        view = None
        if final.onboarding and not final.passed and sess.community != DM_COMMUNITY:
            view = onboard_view(int(sess.community), t("btn.retry_onboarding", lang))
        await self.update(interaction, content=step.feedback, embed=answer_embed(final.text), view=view)
        if final.newly_passed and sess.community != DM_COMMUNITY:
            role = await self.grant_role(sess.community, interaction.user.id)
            if role is not None:
                await self.respond(interaction, content=t("discord.onboarding_passed_role", lang, role=role), ephemeral=True)

    # -- onboarding ---------------------------------------------------------------------------------
    async def on_member_join(self, member: discord.Member) -> None:
        """A new member is welcomed with a button that starts the onboarding quiz."""
        if member.bot:
            return
        await self.welcome(member)

    async def welcome(self, member: discord.Member) -> str:
        """The welcome with its start button: by DM, else (DMs closed) in the server's system channel,
        addressed to the member. Returns "dm", "channel" or "none"."""
        guild = member.guild
        lang = await self.lang_for(member, None, guild.preferred_locale)
        view = onboard_view(guild.id, t("btn.start_onboarding", lang))
        text = t("discord.welcome_dm", lang, guild=guild.name, role=self.role_title(lang))
        try:
            await member.send(content=_fit(_plain(text), CONTENT_LIMIT), view=view, allowed_mentions=NO_PINGS)
            return "dm"
        except discord.HTTPException as exc:
            log.info("member %s of guild %s takes no DMs (%s): welcoming them in the server", member.id, guild.id,
                     getattr(exc, "code", exc.status))
        channel = guild.system_channel
        if channel is None:
            log.warning("member %s of guild %s takes no DMs and the guild has no system channel: not welcomed",
                        member.id, guild.id)
            return "none"
        try:
            await channel.send(content=_fit(t("discord.welcome_here", lang, mention=member.mention), CONTENT_LIMIT),
                               view=view, allowed_mentions=discord.AllowedMentions(users=[member], everyone=False, roles=False))
            return "channel"
        except discord.HTTPException as exc:
            log.warning("could not welcome member %s in the system channel %s of guild %s: %s", member.id, channel.id,
                        guild.id, type(exc).__name__)
            return "none"

    async def _start_onboarding(self, interaction: discord.Interaction, guild_id: int) -> None:
        guild = self.bot.get_guild(int(guild_id))
        lang = await self.lang_for(interaction.user, interaction.locale, guild.preferred_locale if guild else None)
        step = await self.svc.start_quiz(_user(interaction.user), str(guild_id), lang, onboarding=True)
        await self._show_quiz(interaction, step)

    @limited(private=True)
    async def on_onboard_button(self, interaction: discord.Interaction, guild_id: int) -> None:
        await self._start_onboarding(interaction, guild_id)

    async def grant_role(self, guild_id: str, user_id: int) -> str | None:
        """Give the configured onboarding role (its name is returned); a clear log line when it cannot
        be done."""
        if not self.onboarding_role:
            return None
        guild = self.bot.get_guild(int(guild_id))
        if guild is None:
            log.warning("onboarding passed in guild %s, which the bot no longer sees", guild_id)
            return None
        role = discord.utils.get(guild.roles, name=self.onboarding_role)
        if role is None and self.onboarding_role.isdigit():
            role = guild.get_role(int(self.onboarding_role))
        if role is None:
            log.warning("onboarding role %r not found in guild %s (%s)", self.onboarding_role, guild.name, guild.id)
            return None
        member = guild.get_member(int(user_id))
        if member is None:
            try:
                member = await guild.fetch_member(int(user_id))
            except discord.HTTPException:
                log.warning("member %s not found in guild %s to grant the onboarding role", user_id, guild.id)
                return None
        try:
            await member.add_roles(role, reason="Role Advisor: onboarding quiz passed")
        except discord.Forbidden:
            log.error("cannot grant role %r in guild %s (%s): the bot lacks the Manage Roles permission or its role "
                      "is below %r", role.name, guild.name, guild.id, role.name)
            return None
        except discord.HTTPException as exc:
            log.error("could not grant role %r in guild %s: %s", role.name, guild.id, exc)
            return None
        log.info("granted role %r to member %s in guild %s after the onboarding quiz", role.name, member.id, guild.id)
        return role.name

    @limited(private=True)
    async def cmd_onboard(self, interaction: discord.Interaction, member: discord.Member | None = None) -> None:
        """``/onboard``: take the onboarding quiz here (privately); ``/onboard member``: welcome a
        member again, DM or server (Manage Server only), and say truthfully what happened."""
        lang = await self.lang_for(interaction.user, interaction.locale)
        if interaction.guild is None:
            await self.respond(interaction, content=t("chat.no_permission", lang), ephemeral=True)
            return
        if member is None or member.id == interaction.user.id:
            await self._start_onboarding(interaction, interaction.guild.id)
            return
        self.svc.admit(_user(interaction.user))  # moderators are not limited
        perms = getattr(interaction.user, "guild_permissions", None)
        if perms is None or not perms.manage_guild:
            await self.respond(interaction, content=t("chat.no_permission", lang), ephemeral=True)
            return
        where = await self.welcome(member)
        name = _plain(member.display_name)
        if where == "dm":
            text = t("discord.onboard_sent", lang, name=name)
        elif where == "channel":
            text = t("discord.onboard_posted", lang, name=name, channel=interaction.guild.system_channel.mention)
        else:
            text = t("discord.onboard_failed", lang, name=name)
        await self.respond(interaction, content=text, ephemeral=True)

    # -- moderators ---------------------------------------------------------------------------------
    @limited(private=True)
    async def on_ask_moderator(self, interaction: discord.Interaction, log_id: int) -> None:
        lang = await self.lang_for(interaction.user, interaction.locale)
        opened = await self.svc.escalate(_user(interaction.user), self.community(interaction.guild), log_id,
                                         getattr(interaction, "channel_id", None))
        if opened is None:
            await self.respond(interaction, content=t("chat.vote_gone", lang), ephemeral=True)
            return
        await self.respond(interaction, content=opened.asker_text, ephemeral=True)
        await self.post_to_moderators(opened)

    async def deliver(self, ticket, text: str) -> bool:
        """A moderator's answer to the asker: in the channel they asked in, addressed to them (the one
        mention allowed), in as many messages as it takes; by DM when that channel cannot be posted
        in (or the question was not asked in one)."""
        body = _plain(text)
        uid = int(ticket.user_id)
        if ticket.chat_id:
            try:
                channel = await self._channel(ticket.chat_id)
                parts = _chunks(f"<@{uid}> {body}")
                ping = discord.AllowedMentions(users=[discord.Object(uid)], everyone=False, roles=False, replied_user=False)
                for part in parts:
                    await channel.send(content=part, allowed_mentions=ping)
                return True
            except (discord.HTTPException, ValueError) as exc:
                log.warning("ticket #%s: cannot post in channel %s (%s); trying a DM", ticket.id, ticket.chat_id,
                            type(exc).__name__)
        try:
            user = await self.bot.fetch_user(uid)
            for part in _chunks(body):
                await user.send(content=part, allowed_mentions=NO_PINGS)
            return True
        except (discord.HTTPException, ValueError) as exc:
            log.warning("ticket #%s: answer not delivered: %s", ticket.id, type(exc).__name__)
            return False

    @limited(private=True)
    async def cmd_reply(self, interaction: discord.Interaction, ticket: int, answer: str) -> None:
        self.svc.admit(_user(interaction.user))  # moderators are not limited
        lang = await self.lang_for(interaction.user, interaction.locale)
        out = await self.svc.handoff.reply(_user(interaction.user), ticket, answer, lang)
        if not out.ok:
            await self.respond(interaction, content=out.text, ephemeral=True)
            return
        ok = await self.deliver(out.ticket, out.deliver)
        await self.respond(interaction, content=await self.svc.handoff.delivered(ticket, ok, lang), ephemeral=True)

    @limited(private=True)
    async def cmd_close(self, interaction: discord.Interaction, ticket: int) -> None:
        self.svc.admit(_user(interaction.user))  # moderators are not limited
        lang = await self.lang_for(interaction.user, interaction.locale)
        out = await self.svc.handoff.close(_user(interaction.user), ticket, lang)
        await self.respond(interaction, content=out.text, ephemeral=True)

    @limited(private=True)
    async def cmd_tickets(self, interaction: discord.Interaction) -> None:
        self.svc.admit(_user(interaction.user))  # moderators are not limited
        lang = await self.lang_for(interaction.user, interaction.locale)
        out = await self.svc.handoff.list_open(_user(interaction.user), lang)
        for part in _chunks(_plain(out.text)):  # every open ticket, in as many messages as it takes
            await self.respond(interaction, content=part, ephemeral=True)

    @limited(private=True)
    async def cmd_report(self, interaction: discord.Interaction) -> None:
        self.svc.admit(_user(interaction.user))  # moderators are not limited
        from bot import report

        lang = await self.lang_for(interaction.user, interaction.locale)
        if not self.svc.handoff.is_moderator(PLATFORM, interaction.user.id):
            await self.respond(interaction, content=t("ticket.not_moderator", lang), ephemeral=True)
            return
        r = await report.compute(self.svc.storage, self.svc.clock(), advisor=self.svc.advisor,
                                 max_grouped=REPORT_MAX_GROUPED)
        await self.respond(interaction, embed=answer_embed(report.to_text(r, lang), _plain), ephemeral=True)

    # -- buttons ----------------------------------------------------------------------------------
    @limited(private=True)
    async def on_vote(self, interaction: discord.Interaction, log_id: int, up: bool) -> None:
        lang = await self.lang_for(interaction.user, interaction.locale)
        ok = await self.svc.vote(_user(interaction.user), log_id, up)
        await self.respond(interaction, content=t("chat.vote_thanks" if ok else "chat.vote_gone", lang), ephemeral=True)

    @limited
    async def on_topic(self, interaction: discord.Interaction, topic: str) -> None:
        await self._topic(interaction, topic)

    # -- what the community teaches (moderators) ---------------------------------------------------
    @limited
    async def cmd_teach(self, interaction: discord.Interaction, topic: str | None = None, ticket: int | None = None,
                        question: str | None = None) -> None:
        """/teach: a ticket's question (``ticket``) or ``question`` answered from now on with
        ``topic``; without a topic, the closest ones are listed. Taught from an open ticket, its
        asker gets the topic's answer and the ticket closes."""
        user = _user(interaction.user)
        lang = await self.lang_for(interaction.user, interaction.locale)
        target = ticket if ticket is not None else (question or "").strip() or None
        if target is None:
            self.svc.admit(user)
            key = "teach.usage" if self.svc.may_teach(user) else "ticket.not_moderator"
            await self.respond(interaction, content=t(key, lang), ephemeral=True)
            return
        out = await self.svc.teach(user, target, (topic or "").strip() or None, lang)
        text = out.text
        if out.ok and out.deliver and out.ticket is not None:
            ok = await self.deliver(out.ticket, out.deliver)
            text += "\n" + await self.svc.handoff.delivered(out.ticket.id, ok, lang)
        await self.respond(interaction, content=text, ephemeral=True)

    def ticket_view(self, opened) -> dict:
        """Under a ticket posted for the moderators: "teach" buttons with the closest topics."""
        if not opened.suggestions:
            return {}
        view = discord.ui.View(timeout=None)
        for tp in opened.suggestions[:4]:
            view.add_item(TeachButton(opened.id, tp, f"🎓 {tp} · {self.svc.topic_label(tp, 'en')}"))
        return {"view": view}

    def autocomplete_teach_topics(self, current: str, lang: str) -> list[app_commands.Choice[str]]:
        """The profile's topics, then the community answers (faq:ID), for /teach."""
        choices = self.autocomplete_topics(current, lang)
        cur = current.strip().lower()
        for fid in sorted(self.svc.taught.answers):
            if len(choices) >= 25:
                break
            if not cur or cur in f"faq:{fid}":
                choices.append(app_commands.Choice(name=f"faq:{fid}"[:100], value=f"faq:{fid}"))
        return choices[:25]

    @limited
    async def cmd_taught(self, interaction: discord.Interaction, remove: int | None = None) -> None:
        user = _user(interaction.user)
        lang = await self.lang_for(interaction.user, interaction.locale)
        out = await (self.svc.untaught(user, remove, lang) if remove is not None else self.svc.taught_list(user, lang, limit=30))
        await self.respond(interaction, content=out.text, ephemeral=True)

    @limited
    async def cmd_answer(self, interaction: discord.Interaction, action: str, answer_id: str | None = None,
                         text: str | None = None, question: str | None = None) -> None:
        """/answer save|edit|list|remove: the community's own answers (faq:ID)."""
        user = _user(interaction.user)
        lang = await self.lang_for(interaction.user, interaction.locale)
        if action == "list":
            out = await self.svc.answers_list(user, lang)
        elif action == "remove" and answer_id:
            out = await self.svc.remove_answer(user, answer_id, lang)
        elif action == "save" and text:
            out = await self.svc.save_answer(user, answer_id, text, lang, phrasing=question)
        elif action == "edit" and answer_id and text:
            out = await self.svc.edit_answer(user, answer_id, text, lang)
        else:
            self.svc.admit(user)
            key = "faq.usage" if self.svc.may_teach(user) else "ticket.not_moderator"
            await self.respond(interaction, content=t(key, lang), ephemeral=True)
            return
        await self.respond(interaction, content=out.text, ephemeral=True)


class _AdvisorMixin:
    """The bot's behaviour, shared by the single-connection and the auto-sharded bot."""

    def __init__(self, service, *, onboarding_role=None, members_intent=True, guild_ids=(), **shards):
        intents = discord.Intents.none()
        intents.guilds = True
        intents.guild_messages = True
        intents.dm_messages = True
        intents.members = members_intent  # privileged: only for onboarding on join
        super().__init__(
            command_prefix=commands.when_mentioned, intents=intents, allowed_mentions=NO_PINGS, help_command=None,
            **shards,
        )
        self.service = service
        self.guild_ids = tuple(guild_ids)
        self.adapter = DiscordAdapter(self, service, onboarding_role)
        self._register_commands()

    async def setup_hook(self) -> None:
        await self.service.storage.open()
        self._retention = asyncio.get_running_loop().create_task(self.service.maintain())
        self.add_dynamic_items(VoteButton, TopicButton, QuizButton, ModeratorButton, OnboardButton, TeachButton)
        await self.tree.set_translator(CatalogueTranslator())
        await self.sync_commands()

    async def sync_commands(self) -> bool:
        """Register the slash commands with Discord (one bulk overwrite each, so a removed command
        goes too): globally, or, with DISCORD_GUILD_IDS, in those servers (updated at once there) with
        the global set emptied so no command is listed twice. A failure is logged; mentions and DMs
        still work."""
        ok = True
        try:
            if self.guild_ids:
                for gid in self.guild_ids:
                    guild = discord.Object(gid)
                    self.tree.copy_global_to(guild=guild)
                    try:
                        done = await self.tree.sync(guild=guild)
                        log.info("registered %d slash commands in guild %s", len(done), gid)
                    except discord.Forbidden:
                        ok = False
                        log.error("cannot register slash commands in guild %s: the bot is not in it, or was invited "
                                  "without the applications.commands scope", gid)
                self.tree.clear_commands(guild=None)
                await self.tree.sync()
            else:
                done = await self.tree.sync()
                log.info("registered %d slash commands globally (Discord may take up to an hour to show changes)",
                         len(done))
        except discord.HTTPException as exc:
            log.error("could not register the slash commands: %s", exc)
            return False
        return ok

    async def close(self) -> None:
        task = getattr(self, "_retention", None)
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)  # ended before the storage closes
        try:
            await self.service.storage.close()
        finally:
            await super().close()

    async def on_message(self, message: discord.Message) -> None:
        await self.adapter.on_message(message)

    async def on_member_join(self, member: discord.Member) -> None:
        await self.adapter.on_member_join(member)

    def _register_commands(self) -> None:
        a = self.adapter
        tree = self.tree

        @tree.command(name="ask", description=_desc("cmd.ask"))
        @app_commands.describe(question=_desc("arg.question"))
        async def ask(interaction: discord.Interaction, question: str):
            await a.cmd_ask(interaction, question)

        @ask.autocomplete("question")
        async def ask_complete(interaction: discord.Interaction, current: str):
            lang = _lang_of_locale(interaction.locale) or "en"
            return a.autocomplete_topics(current, lang)

        @tree.command(name="competence", description=_desc("cmd.competence"))
        @app_commands.describe(code=_desc("arg.competence"))
        async def competence(interaction: discord.Interaction, code: str):
            await a.cmd_competence(interaction, code.split(":")[-1])

        @competence.autocomplete("code")
        async def competence_complete(interaction: discord.Interaction, current: str):
            lang = _lang_of_locale(interaction.locale) or "en"
            return [app_commands.Choice(name=c.name, value=c.value.split(":")[1])
                    for c in a.autocomplete_topics(current, lang, kinds=("competence",))]

        @tree.command(name="kpis", description=_desc("cmd.kpis"))
        async def kpis(interaction: discord.Interaction):
            await a.cmd_topic(interaction, "role:kpis")

        @tree.command(name="quiz", description=_desc("cmd.quiz"))
        async def quiz(interaction: discord.Interaction):
            await a.cmd_quiz(interaction)

        @tree.command(name="leaderboard", description=_desc("cmd.leaderboard"))
        async def leaderboard(interaction: discord.Interaction):
            await a.cmd_leaderboard(interaction)

        @tree.command(name="lang", description=_desc("cmd.lang"))
        @app_commands.describe(lang=_desc("arg.lang"))
        @app_commands.choices(lang=[
            app_commands.Choice(name="English", value="en"), app_commands.Choice(name="Magyar", value="hu"),
            app_commands.Choice(name="Auto", value="auto"),
        ])
        async def lang(interaction: discord.Interaction, lang: app_commands.Choice[str]):
            await a.cmd_lang(interaction, lang.value)

        @tree.command(name="forget", description=_desc("cmd.forget"))
        async def forget(interaction: discord.Interaction):
            await a.cmd_forget(interaction)

        @tree.command(name="reply", description=_desc("cmd.reply"))
        @app_commands.default_permissions(MODERATOR_PERMISSIONS)
        @app_commands.guild_only()
        @app_commands.describe(ticket=_desc("arg.ticket"), answer=_desc("arg.answer"))
        async def reply(interaction: discord.Interaction, ticket: int, answer: str):
            await a.cmd_reply(interaction, ticket, answer)

        @tree.command(name="close", description=_desc("cmd.close"))
        @app_commands.default_permissions(MODERATOR_PERMISSIONS)
        @app_commands.guild_only()
        @app_commands.describe(ticket=_desc("arg.ticket"))
        async def close(interaction: discord.Interaction, ticket: int):
            await a.cmd_close(interaction, ticket)

        @tree.command(name="tickets", description=_desc("cmd.tickets"))
        @app_commands.default_permissions(MODERATOR_PERMISSIONS)
        @app_commands.guild_only()
        async def tickets(interaction: discord.Interaction):
            await a.cmd_tickets(interaction)

        @tree.command(name="report", description=_desc("cmd.report"))
        @app_commands.default_permissions(MODERATOR_PERMISSIONS)
        @app_commands.guild_only()
        async def report_cmd(interaction: discord.Interaction):
            await a.cmd_report(interaction)

        @tree.command(name="teach", description=_desc("cmd.teach"))
        @app_commands.default_permissions(MODERATOR_PERMISSIONS)
        @app_commands.guild_only()
        @app_commands.describe(topic=_desc("arg.topic"), ticket=_desc("arg.ticket"), question=_desc("arg.phrasing"))
        async def teach(interaction: discord.Interaction, topic: str | None = None, ticket: int | None = None,
                        question: str | None = None):
            await a.cmd_teach(interaction, topic, ticket, question)

        @teach.autocomplete("topic")
        async def teach_complete(interaction: discord.Interaction, current: str):
            return a.autocomplete_teach_topics(current, _lang_of_locale(interaction.locale) or "en")

        @tree.command(name="taught", description=_desc("cmd.taught"))
        @app_commands.default_permissions(MODERATOR_PERMISSIONS)
        @app_commands.guild_only()
        @app_commands.describe(remove=_desc("arg.taught_id"))
        async def taught(interaction: discord.Interaction, remove: int | None = None):
            await a.cmd_taught(interaction, remove)

        @tree.command(name="answer", description=_desc("cmd.answer"))
        @app_commands.default_permissions(MODERATOR_PERMISSIONS)
        @app_commands.guild_only()
        @app_commands.describe(answer_id=_desc("arg.faq_id"), text=_desc("arg.text"), question=_desc("arg.phrasing"))
        @app_commands.choices(action=[app_commands.Choice(name=n, value=n) for n in ("save", "edit", "list", "remove")])
        async def answer(interaction: discord.Interaction, action: str, answer_id: str | None = None,
                         text: str | None = None, question: str | None = None):
            await a.cmd_answer(interaction, action, answer_id, text, question)

        @tree.command(name="onboard", description=_desc("cmd.onboard"))
        @app_commands.describe(member=_desc("arg.member"))
        @app_commands.guild_only()
        async def onboard(interaction: discord.Interaction, member: discord.Member | None = None):
            await a.cmd_onboard(interaction, member)


class AdvisorBot(_AdvisorMixin, commands.Bot):
    """One gateway connection (small and medium servers; what tests drive)."""


class ShardedAdvisorBot(_AdvisorMixin, commands.AutoShardedBot):
    """Several shards in one process; with DISCORD_SHARD_IDS, one slice of them per process."""


def adapter_of(client) -> DiscordAdapter:
    return client.adapter


def _shards(env) -> dict | None:
    """Sharding from the environment: None (one connection), or AutoShardedBot arguments.

    DISCORD_SHARD_COUNT=auto lets Discord choose the count; DISCORD_SHARD_COUNT=N with
    DISCORD_SHARD_IDS=0,1 runs those shards of N in this process (the others in other processes)."""
    count = env.get("DISCORD_SHARD_COUNT", "").strip().lower()
    ids = env.get("DISCORD_SHARD_IDS", "").strip()
    if not count:
        if ids:
            raise ValueError("DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT")
        return None
    if count == "auto":
        if ids:
            raise ValueError("DISCORD_SHARD_IDS needs a numeric DISCORD_SHARD_COUNT")
        return {}
    if not count.isdigit() or int(count) < 1:
        raise ValueError(f"DISCORD_SHARD_COUNT must be a positive number or auto, not {count!r}")
    n = int(count)
    try:
        id_list = [int(x) for x in ids.split(",")] if ids else None
    except ValueError:
        raise ValueError("DISCORD_SHARD_IDS must be comma-separated numbers like 0,1") from None
    if id_list and any(not 0 <= i < n for i in id_list):
        raise ValueError("every DISCORD_SHARD_IDS entry must be between 0 and DISCORD_SHARD_COUNT - 1")
    return {"shard_count": n, "shard_ids": id_list}


def _guild_ids(env) -> list[int]:
    raw = env.get("DISCORD_GUILD_IDS", "").strip()
    try:
        ids = [int(x) for x in raw.replace(" ", "").split(",") if x]
    except ValueError:
        raise ValueError("DISCORD_GUILD_IDS must be comma-separated server ids like 123456789012345678") from None
    return ids


def create_bot(service=None, env=None) -> commands.Bot:
    """The bot, configured from the environment, not connected (``await bot.start(token)`` runs it)."""
    env = os.environ if env is None else env
    if service is None:
        from bot import Advisor
        from bot.service import Service
        from bot.storage import open_storage

        service = Service(Advisor.load(env.get("ROLE_ADVISOR_KNOWLEDGE") or None), open_storage(), env=env)
    shards = _shards(env)
    cls = AdvisorBot if shards is None else ShardedAdvisorBot
    return cls(
        service,
        onboarding_role=(env.get("DISCORD_ONBOARDING_ROLE") or "").strip() or None,
        members_intent=env.get("DISCORD_MEMBERS_INTENT", "1").strip().lower() not in ("0", "false", "no", "off"),
        guild_ids=_guild_ids(env),
        **(shards or {}),
    )


LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def use_local_endpoints(env) -> bool:
    """DISCORD_API_BASE_URL and DISCORD_GATEWAY_URL point discord.py at a stand-in Discord on this
    machine (tests, demos); any other host is refused, so the token can never be sent elsewhere."""
    from urllib.parse import urlsplit

    import yarl

    api = (env.get("DISCORD_API_BASE_URL") or "").strip()
    gateway = (env.get("DISCORD_GATEWAY_URL") or "").strip()
    for var, url in (("DISCORD_API_BASE_URL", api), ("DISCORD_GATEWAY_URL", gateway)):
        if url and urlsplit(url).hostname not in LOCAL_HOSTS:
            raise ValueError(t("err.discord_local_only", "en", var=var, host=urlsplit(url).hostname or url))
    if api:
        discord.http.Route.BASE = api.rstrip("/")
    if gateway:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    return bool(api or gateway)


async def _run(bot, token: str) -> None:
    """Run until the bot stops or SIGTERM/SIGINT arrives, then close it (storage included).

    ``Client.run`` handles only Ctrl-C; as a container's PID 1 the process must stop on SIGTERM
    itself, or ``docker stop`` waits its 10 s and kills it."""
    import asyncio
    import signal

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # not the main thread, or no signals here
            pass
    async with bot:
        running = asyncio.create_task(bot.start(token))
        stopping = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if running in done:
            stopping.cancel()
            running.result()  # re-raises what ended the bot
        else:
            log.info("stopping (signal received)")
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)
    # leaving ``async with`` closed the bot: gateway, HTTP session and storage


def main(args) -> int:
    """``role-advisor discord``. Every fatal condition ends in one line on stderr and a non-zero exit:
    2 for the configuration (token, intents), 1 when Discord or the database cannot be reached."""
    import asyncio

    import aiohttp

    from adapters.logsetup import LogLevelError, database_secrets, fatal, log_level, setup_logging, stop_on_sigterm

    stop_on_sigterm()

    token = (os.environ.get(TOKEN_ENV) or "").strip()
    if not token:
        print(t("token.missing", "en", var=TOKEN_ENV), file=sys.stderr)
        return 2
    if len(token) < 20 or any(c.isspace() for c in token):
        print(t("token.malformed", "en", var=TOKEN_ENV, shape="a long string from the Developer Portal"), file=sys.stderr)
        return 2
    try:
        level = log_level(args)
    except LogLevelError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    secrets = [token, *database_secrets()]
    setup_logging(level, secrets)
    from adapters.cli import _load
    from bot.config import ConfigError
    from bot.service import Service
    from bot.storage import StorageError, open_storage

    try:
        use_local_endpoints(os.environ)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    advisor = _load(args)
    try:
        bot = create_bot(Service(advisor, open_storage()))
    except (ConfigError, StorageError, ValueError) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    try:
        asyncio.run(_run(bot, token))
    except discord.LoginFailure:
        fatal(t("err.discord_token_refused", "en", var=TOKEN_ENV), secrets)
        return 2
    except discord.PrivilegedIntentsRequired:
        fatal(t("err.discord_intents", "en"), secrets)
        return 2
    except StorageError as exc:
        fatal(str(exc), secrets)
        return 1
    except (aiohttp.ClientError, OSError, asyncio.TimeoutError, discord.GatewayNotFound) as exc:
        from urllib.parse import urlsplit

        host = urlsplit(discord.http.Route.BASE).hostname or "discord.com"
        text = " ".join(str(exc).split())
        fatal(t("err.discord_unreachable", "en", host=host, error=f"{type(exc).__name__}: {text}" if text else type(exc).__name__),
              secrets)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0
