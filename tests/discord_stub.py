"""A stand-in Discord on 127.0.0.1: the gateway (a websocket) and the REST API, enough of both for
discord.py 2.x to log in, connect, receive raw events and make the requests the bot makes, with
Discord's rules enforced the way Discord answers when they are broken:

- an interaction's initial response within 3 s of its creation, else 404 10062 Unknown interaction;
  one initial response only (400 40060); followups only after it (404 10015 Unknown Webhook);
- message content ≤ 2,000 characters, embed title ≤ 256, description ≤ 4,096, all embeds' text
  ≤ 6,000, ≤ 5 rows of ≤ 5 buttons, custom_id ≤ 100, label ≤ 80 (400 50035), no empty message
  (400 50006); ≤ 25 autocomplete choices with names and values ≤ 100 (400 50035);
- a DM to a member whose DMs are closed: 403 50007 Cannot send messages to this user; a message to a
  channel the bot may not post in: 403 50013 Missing Permissions; a role above the bot's own: 403 50013;
- application commands: names 1-32 lower case, descriptions 1-100 (localized ones too), known locales.

Events go in as raw gateway DISPATCH frames (INTERACTION_CREATE, MESSAGE_CREATE, GUILD_MEMBER_ADD),
so discord.py's own parsing, CommandTree and ViewStore handle them; every REST request the bot
makes is recorded (method, path, JSON body) for tests to assert on.
"""
from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import time

from aiohttp import WSMsgType, web

APP_ID = 900000000000000001
BOT_ID = APP_ID
GUILD_ID = 910000000000000001
GENERAL = 920000000000000001      # where members talk
MODS = 920000000000000002         # the moderators' channel
READONLY = 920000000000000003     # the bot may read but not post here
SYSTEM = 920000000000000004       # the guild's system channel (welcome messages)
EVERYONE_ROLE = GUILD_ID
BOT_ROLE = 930000000000000001
ONBOARDED_ROLE = 930000000000000002
HIGH_ROLE = 930000000000000003    # above the bot's own role: it cannot grant it
ADMIN_ROLE = 930000000000000004

ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
MANAGE_ROLES = 1 << 28
BASIC = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 16)  # view channel, send, embed links, read history

LOCALES = {"id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl", "no", "pl",
           "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi", "th", "zh-CN", "ja", "zh-TW", "ko"}


def _snowflakes(start):
    return itertools.count(start)


def user_payload(uid: int, name: str, bot: bool = False) -> dict:
    return {"id": str(uid), "username": name, "global_name": name, "discriminator": "0", "avatar": None,
            "bot": bot, "public_flags": 0}


class Rejected(Exception):
    def __init__(self, status: int, code: int, message: str, errors: dict | None = None, extra: dict | None = None,
                 headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.errors = status, code, message, errors
        self.extra, self.headers = extra or {}, headers or {}


class Call:
    """One REST request the bot made."""

    __slots__ = ("method", "path", "json", "at", "status")

    def __init__(self, method, path, body, at):
        self.method, self.path, self.json, self.at, self.status = method, path, body, at, None

    def __repr__(self):
        return f"<{self.method} {self.path} -> {self.status}>"


class FakeDiscord:
    def __init__(self, *, preferred_locale: str = "en-US", system_channel: bool = True, latency: float = 0.0):
        self.ids = _snowflakes(1_000_000_000_000_000_000)
        self.calls: list[Call] = []
        self.messages: dict[int, dict] = {}
        self.interactions: dict[int, dict] = {}
        self.commands: dict[str | None, list] = {}   # None: global; str(guild id): that guild's
        self.closed_dms: set[int] = set()
        self.throttled: dict[int, int] = {}            # channel id -> how many posts get a 429 first
        self.dm_channels: dict[int, int] = {}          # user id -> DM channel id
        self.latency = latency
        self.window = 3.0
        self.users: dict[int, dict] = {BOT_ID: user_payload(BOT_ID, "Role Advisor", bot=True)}
        self.guild = self._guild(preferred_locale, system_channel)
        self.member_roles: dict[int, list[int]] = {BOT_ID: [BOT_ROLE]}
        self.seq = 0
        self.sockets: list[web.WebSocketResponse] = []
        self.identified = asyncio.Event()
        self.runner = None
        self.port = None
        self.unknown: list[Call] = []
        self.changed = asyncio.Event()

    # -- the world ----------------------------------------------------------------------------------
    def _guild(self, locale, system_channel) -> dict:
        def role(rid, name, position, permissions):
            return {"id": str(rid), "name": name, "position": position, "permissions": str(permissions), "color": 0,
                    "hoist": False, "managed": False, "mentionable": False, "flags": 0}

        def channel(cid, name, position, deny=0):
            over = [{"id": str(BOT_ROLE), "type": 0, "allow": "0", "deny": str(deny)}] if deny else []
            return {"id": str(cid), "type": 0, "name": name, "position": position, "guild_id": str(GUILD_ID),
                    "permission_overwrites": over, "nsfw": False, "parent_id": None}

        return {
            "id": str(GUILD_ID), "name": "Community", "owner_id": "800000000000000001", "icon": None,
            "preferred_locale": locale, "system_channel_id": str(SYSTEM) if system_channel else None,
            "system_channel_flags": 0, "features": [], "emojis": [], "stickers": [], "large": False,
            "member_count": 1, "unavailable": False, "verification_level": 0, "mfa_level": 0,
            "default_message_notifications": 0, "explicit_content_filter": 0, "afk_timeout": 300,
            "premium_tier": 0, "nsfw_level": 0, "threads": [], "stage_instances": [], "guild_scheduled_events": [],
            "voice_states": [], "presences": [], "soundboard_sounds": [],
            "roles": [role(EVERYONE_ROLE, "@everyone", 0, BASIC), role(ONBOARDED_ROLE, "Onboarded", 1, 0),
                      role(BOT_ROLE, "Role Advisor", 2, MANAGE_ROLES | BASIC), role(HIGH_ROLE, "Veteran", 3, 0),
                      role(ADMIN_ROLE, "Admin", 4, ADMINISTRATOR)],
            "channels": [channel(GENERAL, "general", 0), channel(MODS, "moderators", 1),
                         channel(READONLY, "announcements", 2, deny=1 << 11), channel(SYSTEM, "welcome", 3)],
            "members": [],
        }

    def add_member(self, uid: int, name: str, roles=(), closed_dms: bool = False) -> dict:
        self.users[uid] = user_payload(uid, name)
        self.member_roles[uid] = list(roles)
        if closed_dms:
            self.closed_dms.add(uid)
        return self.member_payload(uid)

    def member_payload(self, uid: int) -> dict:
        return {"user": self.users[uid], "roles": [str(r) for r in self.member_roles.get(uid, [])], "nick": None,
                "joined_at": "2026-01-01T00:00:00+00:00", "deaf": False, "mute": False, "flags": 0, "pending": False}

    def _permissions(self, uid: int) -> int:
        perms = BASIC
        for r in self.guild["roles"]:
            if int(r["id"]) in self.member_roles.get(uid, []):
                perms |= int(r["permissions"])
        return perms

    # -- lifecycle ----------------------------------------------------------------------------------
    async def start(self) -> "FakeDiscord":
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self.runner = web.AppRunner(app, handle_signals=False)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        for ws in list(self.sockets):
            with contextlib.suppress(Exception):
                await ws.close()
        if self.runner is not None:
            await self.runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    @contextlib.contextmanager
    def pointed(self):
        """discord.py's REST base and gateway pointed here for the block (restored after it)."""
        import discord
        import yarl

        old = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = self.base_url
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield self
        finally:
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old

    # -- gateway ------------------------------------------------------------------------------------
    async def _gateway(self, request: web.Request):
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 45000}, "s": None, "t": None}))
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                data = json.loads(msg.data)
                op = data.get("op")
                if op == 1:
                    await ws.send_str(json.dumps({"op": 11, "d": None, "s": None, "t": None}))
                elif op == 2:
                    await self._send(ws, "READY", {
                        "v": 10, "user": self.users[BOT_ID], "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
                        "session_id": "session-1", "resume_gateway_url": self.gateway_url, "shard": [0, 1],
                        "application": {"id": str(APP_ID), "flags": 0}, "private_channels": [], "relationships": [],
                        "user_settings": {}, "presences": [],
                    })
                    guild = dict(self.guild, members=[self.member_payload(u) for u in self.member_roles],
                                 member_count=len(self.member_roles))
                    await self._send(ws, "GUILD_CREATE", guild)
                    self.identified.set()
                elif op == 8:
                    d = data["d"]
                    await self._send(ws, "GUILD_MEMBERS_CHUNK", {
                        "guild_id": d["guild_id"], "members": [self.member_payload(u) for u in self.member_roles],
                        "chunk_index": 0, "chunk_count": 1, "nonce": d.get("nonce"), "not_found": [],
                    })
        finally:
            self.sockets.remove(ws)
        return ws

    async def _send(self, ws, event: str, data: dict) -> None:
        self.seq += 1
        await ws.send_str(json.dumps({"op": 0, "t": event, "s": self.seq, "d": data}))

    async def dispatch(self, event: str, data: dict) -> None:
        """A raw gateway event to every connected client."""
        await asyncio.wait_for(self.identified.wait(), 10)
        for ws in list(self.sockets):
            await self._send(ws, event, data)

    # -- raw events ---------------------------------------------------------------------------------
    def _author(self, uid: int, guild: bool):
        if guild:
            member = self.member_payload(uid)
            member["permissions"] = str(self._permissions(uid))
            return {"member": member}
        return {"user": self.users[uid]}

    def dm_channel(self, uid: int) -> int:
        if uid not in self.dm_channels:
            self.dm_channels[uid] = next(self.ids)
        return self.dm_channels[uid]

    def _channel_payload(self, cid: int) -> dict:
        for c in self.guild["channels"]:
            if int(c["id"]) == cid:
                return c
        for uid, dm in self.dm_channels.items():
            if dm == cid:
                return {"id": str(dm), "type": 1, "recipients": [self.users[uid]], "last_message_id": None}
        raise KeyError(cid)

    async def interaction(self, uid: int, itype: int, data: dict, *, channel: int | None = GENERAL,
                          locale: str = "en-US", message: dict | None = None) -> int:
        """An INTERACTION_CREATE; ``channel`` None: in the user's DM with the bot. Returns its id."""
        iid = next(self.ids)
        token = f"itoken-{iid}"
        guild = channel is not None
        cid = channel if guild else self.dm_channel(uid)
        payload = {
            "id": str(iid), "application_id": str(APP_ID), "type": itype, "token": token, "version": 1,
            "channel_id": str(cid), "channel": self._channel_payload(cid), "locale": locale,
            "app_permissions": str(self._permissions(BOT_ID)), "entitlements": [], "attachment_size_limit": 8388608,
            "authorizing_integration_owners": {"0": str(GUILD_ID)} if guild else {"1": str(uid)},
            "context": 0 if guild else 1, "data": data, **self._author(uid, guild),
        }
        if guild:
            payload["guild_id"] = str(GUILD_ID)
            payload["guild_locale"] = self.guild["preferred_locale"]
            payload["guild"] = {"id": str(GUILD_ID), "locale": self.guild["preferred_locale"], "features": []}
        if message is not None:
            payload["message"] = message
        self.interactions[iid] = {"created": time.monotonic(), "token": token, "user": uid, "initial": None,
                                  "messages": [], "deferred": False, "channel": cid,
                                  "original": int(message["id"]) if message else None,
                                  "message": int(message["id"]) if message else None}
        await self.dispatch("INTERACTION_CREATE", payload)
        return iid

    async def slash(self, uid: int, name: str, *, channel: int | None = GENERAL, locale: str = "en-US",
                    **options) -> int:
        opts = []
        for key, value in options.items():
            kind = 4 if isinstance(value, int) and not isinstance(value, bool) else 3
            if key == "member":
                kind = 6
            opts.append({"name": key, "type": kind, "value": str(value) if kind == 6 else value})
        data = dict(self._command_data(name, channel is not None), options=opts)
        members = [o for o in opts if o["type"] == 6]
        if members:
            uid2 = int(members[0]["value"])
            m = self.member_payload(uid2)
            data["resolved"] = {"users": {str(uid2): self.users[uid2]},
                                "members": {str(uid2): {k: v for k, v in m.items() if k != "user"}}}
        return await self.interaction(uid, 2, data, channel=channel, locale=locale)

    async def autocomplete(self, uid: int, name: str, option: str, current: str, locale: str = "en-US") -> int:
        data = dict(self._command_data(name, True), options=[{"name": option, "type": 3, "value": current, "focused": True}])
        return await self.interaction(uid, 4, data, locale=locale)

    async def press(self, uid: int, message: dict, custom_id: str, locale: str = "en-US") -> int:
        """A button on a message the bot sent (as Discord has it, components included)."""
        channel = int(message["channel_id"])
        in_guild = any(int(c["id"]) == channel for c in self.guild["channels"])
        return await self.interaction(uid, 3, {"custom_id": custom_id, "component_type": 2},
                                      channel=channel if in_guild else None, locale=locale, message=message)

    async def say(self, uid: int, content: str, *, channel: int | None = GENERAL, mentions=()) -> dict:
        """A MESSAGE_CREATE from a member (``channel`` None: a DM to the bot)."""
        cid = channel if channel is not None else self.dm_channel(uid)
        msg = {"id": str(next(self.ids)), "channel_id": str(cid), "author": self.users[uid], "content": content,
               "timestamp": "2026-12-01T00:00:00+00:00", "edited_timestamp": None, "tts": False,
               "mention_everyone": False, "mentions": [self.users[m] for m in mentions], "mention_roles": [],
               "attachments": [], "embeds": [], "pinned": False, "type": 0, "flags": 0, "components": []}
        if channel is not None:
            msg["guild_id"] = str(GUILD_ID)
            msg["member"] = {k: v for k, v in self.member_payload(uid).items() if k != "user"}
        await self.dispatch("MESSAGE_CREATE", msg)
        return msg

    async def join(self, uid: int, name: str, closed_dms: bool = False) -> None:
        payload = self.add_member(uid, name, closed_dms=closed_dms)
        await self.dispatch("GUILD_MEMBER_ADD", dict(payload, guild_id=str(GUILD_ID)))

    def _command(self, name: str, guild: bool = True) -> dict:
        """The registered command a member would pick: the server's own first, else the global one."""
        order = ([str(GUILD_ID)] if guild else []) + [None]
        for where in order:
            for c in self.commands.get(where, []):
                if c["name"] == name:
                    return c
        raise AssertionError(f"/{name} was never registered with Discord: no member could use it")

    def _command_data(self, name: str, guild: bool) -> dict:
        cmd = self._command(name, guild)
        data = {"id": cmd["id"], "name": name, "type": 1}
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]  # Discord says which server's command it was
        return data

    # -- what the bot sent --------------------------------------------------------------------------
    def sent(self, method: str | None = None, path: str | None = None) -> list[Call]:
        return [c for c in self.calls if (method is None or c.method == method)
                and (path is None or re.fullmatch(path, c.path))]

    def in_channel(self, cid: int) -> list[dict]:
        return [m for m in self.messages.values() if int(m["channel_id"]) == cid]

    def dms_to(self, uid: int) -> list[dict]:
        return self.in_channel(self.dm_channels[uid]) if uid in self.dm_channels else []

    def replies(self, iid: int) -> list[dict]:
        """An interaction's messages: the initial response's (or deferred one's), then the followups."""
        return list(self.interactions[iid]["messages"])

    async def wait_for(self, predicate, timeout: float = 8.0):
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting; requests: {self.calls[-12:]}")
            self.changed.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.changed.wait(), 0.05)

    async def settle(self, quiet: float = 0.15, timeout: float = 8.0) -> None:
        """Wait until the bot has made no request for ``quiet`` seconds."""
        deadline = time.monotonic() + timeout
        count = -1
        while count != len(self.calls) and time.monotonic() < deadline:
            count = len(self.calls)
            await asyncio.sleep(quiet)

    # -- REST ---------------------------------------------------------------------------------------
    async def _rest(self, request: web.Request):
        path = "/" + request.match_info["tail"]
        body = None
        if request.can_read_body:
            raw = await request.read()
            if raw:
                if not request.content_type.startswith("application/json"):
                    return self._json({"message": "attachments are not served here", "code": 0}, 400)
                body = json.loads(raw)
        call = Call(request.method, path, body, time.monotonic())
        self.calls.append(call)
        if self.latency:
            await asyncio.sleep(self.latency)
        headers = {}
        try:
            status, data = self._route(request.method, path, body, request.query)
        except Rejected as exc:
            status, data, headers = exc.status, {"message": exc.message, "code": exc.code, **exc.extra}, exc.headers
            if exc.errors:
                data["errors"] = exc.errors
        call.status = status
        self.changed.set()
        return self._json(data, status, headers)

    @staticmethod
    def _json(data, status, headers=None):
        if status == 204:
            return web.Response(status=204)
        return web.Response(status=status, body=json.dumps(data).encode(),
                            headers={"Content-Type": "application/json", **(headers or {})})

    ROUTES = [
        ("GET", r"/users/@me", "me"),
        ("GET", r"/oauth2/applications/@me", "application"),
        ("GET", r"/gateway", "gateway"),
        ("GET", r"/gateway/bot", "gateway"),
        ("PUT", r"/applications/(\d+)/commands", "sync"),
        ("PUT", r"/applications/(\d+)/guilds/(\d+)/commands", "sync"),
        ("GET", r"/applications/(\d+)/commands", "commands"),
        ("POST", r"/interactions/(\d+)/([^/]+)/callback", "callback"),
        ("POST", r"/webhooks/(\d+)/([^/]+)", "followup"),
        ("PATCH", r"/webhooks/(\d+)/([^/]+)/messages/(@original|\d+)", "edit_followup"),
        ("GET", r"/webhooks/(\d+)/([^/]+)/messages/(@original|\d+)", "get_followup"),
        ("POST", r"/channels/(\d+)/messages", "create_message"),
        ("PATCH", r"/channels/(\d+)/messages/(\d+)", "edit_message"),
        ("GET", r"/channels/(\d+)", "get_channel"),
        ("POST", r"/users/@me/channels", "open_dm"),
        ("GET", r"/users/(\d+)", "get_user"),
        ("GET", r"/guilds/(\d+)/members/(\d+)", "get_member"),
        ("PUT", r"/guilds/(\d+)/members/(\d+)/roles/(\d+)", "add_role"),
    ]

    def _route(self, method, path, body, query):
        for m, pattern, name in self.ROUTES:
            match = re.fullmatch(pattern, path)
            if m == method and match:
                return getattr(self, "_r_" + name)(*match.groups(), body=body, query=query)
        self.unknown.append(self.calls[-1])
        raise Rejected(404, 0, "404: Not Found")

    def _r_me(self, body, query):
        return 200, self.users[BOT_ID]

    def _r_application(self, body, query):
        return 200, {"id": str(APP_ID), "name": "Role Advisor", "description": "", "icon": None, "rpc_origins": [],
                     "bot_public": True, "bot_require_code_grant": False, "owner": user_payload(800000000000000001, "owner"),
                     "summary": "", "verify_key": "0" * 64, "team": None, "flags": 0, "bot": self.users[BOT_ID]}

    def _r_gateway(self, body, query):
        return 200, {"url": self.gateway_url, "shards": 1,
                     "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}}

    def _r_sync(self, app, guild=None, *, body, query):
        if int(app) != APP_ID:
            raise Rejected(403, 50001, "Missing Access")
        if guild is not None and int(guild) != GUILD_ID:
            raise Rejected(403, 50001, "Missing Access")  # not in that guild, or no applications.commands scope
        if not isinstance(body, list) or len(body) > 100:
            raise Rejected(400, 50035, "Invalid Form Body")
        out = []
        for cmd in body:
            self._check_command(cmd)
            old = next((c for cmds in self.commands.values() for c in cmds if c["name"] == cmd["name"]), None)
            out.append(dict(cmd, id=old["id"] if old else str(next(self.ids)), application_id=str(APP_ID),
                            version="1", **({"guild_id": guild} if guild else {})))
        self.commands[guild] = out
        return 200, out

    def _check_command(self, cmd, depth=0):
        name, desc = cmd.get("name", ""), cmd.get("description", "")
        if not re.fullmatch(r"[-_\w]{1,32}", name) or name != name.lower():
            raise Rejected(400, 50035, f"Invalid command name {name!r}")
        if cmd.get("type", 1) == 1 and not 1 <= len(desc) <= 100:
            raise Rejected(400, 50035, f"Invalid description of {name}")
        for field in ("name_localizations", "description_localizations"):
            for loc, text in (cmd.get(field) or {}).items():
                if loc not in LOCALES or not 1 <= len(text) <= (32 if field.startswith("name") else 100):
                    raise Rejected(400, 50035, f"Invalid {field} of {name}: {loc}")
        for opt in cmd.get("options") or []:
            self._check_command(opt, depth + 1)
            if len(opt.get("choices") or []) > 25:
                raise Rejected(400, 50035, "too many choices")

    def _r_commands(self, app, body, query):
        return 200, self.commands.get(None, [])

    def _check_message(self, data: dict, allow_empty: bool = False):
        content = data.get("content") or ""
        if len(content) > 2000:
            raise Rejected(400, 50035, "Invalid Form Body",
                           {"content": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}]}})
        total = 0
        for e in data.get("embeds") or []:
            title, desc = e.get("title") or "", e.get("description") or ""
            footer = (e.get("footer") or {}).get("text") or ""
            if len(title) > 256 or len(desc) > 4096 or len(footer) > 2048:
                raise Rejected(400, 50035, "Invalid Form Body", {"embeds": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH"}]}})
            total += len(title) + len(desc) + len(footer)
            for f in e.get("fields") or []:
                total += len(f.get("name") or "") + len(f.get("value") or "")
        if total > 6000:
            raise Rejected(400, 50035, "Invalid Form Body", {"embeds": {"_errors": [{"code": "MAX_EMBED_SIZE_EXCEEDED"}]}})
        rows = data.get("components") or []
        if len(rows) > 5:
            raise Rejected(400, 50035, "Invalid Form Body: too many rows")
        for row in rows:
            if len(row.get("components") or []) > 5:
                raise Rejected(400, 50035, "Invalid Form Body: too many buttons in a row")
            for c in row["components"]:
                if len(c.get("custom_id") or "") > 100 or len(c.get("label") or "") > 80:
                    raise Rejected(400, 50035, "Invalid Form Body: component too long")
        if not allow_empty and not content.strip() and not data.get("embeds") and not rows:
            raise Rejected(400, 50006, "Cannot send an empty message")

    def _store(self, channel: int, data: dict, *, ephemeral=False, interaction=None, reference=None) -> dict:
        mid = next(self.ids)
        msg = {"id": str(mid), "channel_id": str(channel), "author": self.users[BOT_ID],
               "content": data.get("content") or "", "embeds": data.get("embeds") or [],
               "components": data.get("components") or [], "flags": (data.get("flags") or 0) | (64 if ephemeral else 0),
               "timestamp": "2026-12-01T00:00:00+00:00", "edited_timestamp": None, "tts": False,
               "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": [], "pinned": False,
               "type": 19 if reference else (20 if interaction else 0), "allowed_mentions": data.get("allowed_mentions")}
        if reference:
            msg["message_reference"] = reference
        if any(int(c["id"]) == channel for c in self.guild["channels"]):
            msg["guild_id"] = str(GUILD_ID)
        self.messages[mid] = msg
        return msg

    def _live(self, iid: int, token: str) -> dict:
        it = self.interactions.get(iid)
        if it is None or it["token"] != token:
            raise Rejected(404, 10062, "Unknown interaction")
        return it

    def _r_callback(self, iid, token, *, body, query):
        iid = int(iid)
        it = self._live(iid, token)
        if time.monotonic() - it["created"] > self.window:
            raise Rejected(404, 10062, "Unknown interaction")
        if it["initial"] is not None:
            raise Rejected(400, 40060, "Interaction has already been acknowledged.")
        kind, data = body["type"], body.get("data") or {}
        ephemeral = bool((data.get("flags") or 0) & 64)
        msg = None
        if kind == 8:
            choices = data.get("choices") or []
            if len(choices) > 25 or any(not 1 <= len(c["name"]) <= 100 or len(str(c["value"])) > 100 for c in choices):
                raise Rejected(400, 50035, "Invalid Form Body: choices")
        elif kind == 4:
            self._check_message(data)
            msg = self._store(self._interaction_channel(iid), data, ephemeral=ephemeral, interaction=iid)
        elif kind == 5:
            msg = self._store(self._interaction_channel(iid), {"content": ""}, ephemeral=ephemeral, interaction=iid)
            msg["loading"] = True
            it["deferred"] = True
        elif kind == 7:
            self._check_message(data, allow_empty=True)
            target = self._message_of(iid)
            target.update({k: v for k, v in data.items() if k in ("content", "embeds", "components")})
            msg = target
        elif kind != 6:
            raise Rejected(400, 50035, f"unsupported response type {kind}")
        it["initial"] = kind
        it["choices"] = data.get("choices") if kind == 8 else None
        if msg is not None:
            it["original"] = int(msg["id"])
            if kind != 7:
                it["messages"].append(msg)
            else:
                it.setdefault("updates", []).append(dict(msg))
        resp = {"interaction": {"id": str(iid), "type": 2, "response_message_id": msg["id"] if msg else None,
                                "response_message_loading": kind == 5, "response_message_ephemeral": ephemeral}}
        if msg is not None:
            resp["resource"] = {"type": kind, "message": msg}
        return 200, resp

    def _interaction_channel(self, iid) -> int:
        return self.interactions[iid]["channel"]

    def _message_of(self, iid) -> dict:
        mid = self.interactions[iid]["message"]
        if mid is None or mid not in self.messages:
            raise Rejected(400, 50035, "Invalid Form Body: no message to update")
        return self.messages[mid]

    def _token(self, token) -> tuple[int, dict]:
        for iid, it in self.interactions.items():
            if it["token"] == token:
                return iid, it
        raise Rejected(404, 10015, "Unknown Webhook")

    def _r_followup(self, app, token, *, body, query):
        iid, it = self._token(token)
        if it["initial"] is None:
            raise Rejected(404, 10015, "Unknown Webhook")  # no initial response yet
        self._check_message(body)
        ephemeral = bool((body.get("flags") or 0) & 64)
        if it["deferred"] and it["messages"] and it["messages"][0].get("loading"):
            original = it["messages"][0]   # the first followup after a deferral replaces "thinking…"
            original.pop("loading")
            original.update({k: v for k, v in body.items() if k in ("content", "embeds", "components")})
            return 200, original
        msg = self._store(self._interaction_channel(iid), body, ephemeral=ephemeral, interaction=iid)
        it["messages"].append(msg)
        return 200, msg

    def _r_edit_followup(self, app, token, which, *, body, query):
        iid, it = self._token(token)
        self._check_message(body, allow_empty=True)
        mid = it["original"] if which == "@original" else int(which)
        if mid is None or mid not in self.messages:
            raise Rejected(404, 10008, "Unknown Message")
        msg = self.messages[mid]
        msg.pop("loading", None)
        msg.update({k: v for k, v in body.items() if k in ("content", "embeds", "components")})
        return 200, msg

    def _r_get_followup(self, app, token, which, *, body, query):
        iid, it = self._token(token)
        mid = it["original"] if which == "@original" else int(which)
        if mid not in self.messages:
            raise Rejected(404, 10008, "Unknown Message")
        return 200, self.messages[mid]

    def _r_create_message(self, cid, *, body, query):
        cid = int(cid)
        if self.throttled.get(cid):
            self.throttled[cid] -= 1
            raise Rejected(429, 0, "You are being rate limited.", extra={"retry_after": 2.0, "global": False},
                           headers={"Via": "1.1 google", "X-RateLimit-Scope": "user"})
        if cid == READONLY:
            raise Rejected(403, 50013, "Missing Permissions")
        for uid, dm in self.dm_channels.items():
            if dm == cid and uid in self.closed_dms:
                raise Rejected(403, 50007, "Cannot send messages to this user")
        try:
            self._channel_payload(cid)
        except KeyError:
            raise Rejected(404, 10003, "Unknown Channel") from None
        self._check_message(body)
        return 200, self._store(cid, body, reference=body.get("message_reference"))

    def _r_edit_message(self, cid, mid, *, body, query):
        msg = self.messages.get(int(mid))
        if msg is None:
            raise Rejected(404, 10008, "Unknown Message")
        self._check_message(body, allow_empty=True)
        msg.update({k: v for k, v in body.items() if k in ("content", "embeds", "components")})
        return 200, msg

    def _r_get_channel(self, cid, *, body, query):
        try:
            return 200, self._channel_payload(int(cid))
        except KeyError:
            raise Rejected(404, 10003, "Unknown Channel") from None

    def _r_open_dm(self, *, body, query):
        uid = int(body["recipient_id"])
        if uid not in self.users:
            raise Rejected(400, 50035, "Invalid Form Body")
        return 200, {"id": str(self.dm_channel(uid)), "type": 1, "recipients": [self.users[uid]], "last_message_id": None}

    def _r_get_user(self, uid, *, body, query):
        if int(uid) not in self.users:
            raise Rejected(404, 10013, "Unknown User")
        return 200, self.users[int(uid)]

    def _r_get_member(self, gid, uid, *, body, query):
        if int(uid) not in self.member_roles:
            raise Rejected(404, 10007, "Unknown Member")
        return 200, self.member_payload(int(uid))

    def _r_add_role(self, gid, uid, rid, *, body, query):
        rid, uid = int(rid), int(uid)
        positions = {int(r["id"]): r["position"] for r in self.guild["roles"]}
        if rid not in positions:
            raise Rejected(404, 10011, "Unknown Role")
        if positions[rid] >= positions[BOT_ROLE] or not self._permissions(BOT_ID) & MANAGE_ROLES:
            raise Rejected(403, 50013, "Missing Permissions")
        if uid not in self.member_roles:
            raise Rejected(404, 10007, "Unknown Member")
        if rid not in self.member_roles[uid]:
            self.member_roles[uid].append(rid)
        return 204, None
