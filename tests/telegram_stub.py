"""A stand-in Telegram Bot API server on 127.0.0.1 (aiohttp) for driving the real
python-telegram-bot Application offline: it serves getUpdates from a queue, records every call the
bot makes, and answers the way Telegram does when something is wrong:

* 400 "message to be replied not found" for a reply to a deleted message (unless
  ``allow_sending_without_reply``), 400 "can't parse entities" for broken HTML, 400 for a text over
  4096 characters or callback data over 64 bytes, 400 "message thread not found";
* 403 "bot was blocked by the user" for a chat in ``blocked``;
* 429 with ``retry_after``: overall (``flood_limit`` per second), per chat (``chat_limit``: N
  messages per period in one chat) and for a chat held by :meth:`hold_chat`;
* 401 "Unauthorized" for every call once :attr:`revoked` is set (a token revoked in @BotFather).

:class:`ThreadedStub` runs it in a thread of its own, for tests that start the real process."""
from __future__ import annotations

import asyncio
import html.parser
import itertools
import json
import math
import threading
import time

from aiohttp import web

BOT = {"id": 999000, "is_bot": True, "first_name": "Advisor", "username": "advisor_bot",
       "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": True}


def user(uid: int, first="Ann", lang="en", **kw) -> dict:
    d = {"id": uid, "is_bot": False, "first_name": first, "language_code": lang}
    d.update(kw)
    return d


def private_chat(uid: int) -> dict:
    return {"id": uid, "type": "private", "first_name": "x"}


def group_chat(cid: int = -100500, title="Community") -> dict:
    return {"id": cid, "type": "supergroup", "title": title}


class FakeBotAPI:
    def __init__(self, latency: float = 0.0, flood_limit: int | None = None, chat_limit: tuple[int, float] | None = None,
                 token: str | None = None):
        self.latency = latency
        self.flood_limit = flood_limit  # messages per second before 429
        self.chat_limit = chat_limit  # (messages, seconds) in one chat before 429
        self.token = token  # if set, any other token is answered 401
        self.revoked = False
        self.blocked: set[int] = set()
        self.deleted: set[int] = set()  # message ids deleted by their authors
        self.held: dict[int, float] = {}  # chat id -> monotonic time until which it is in flood wait
        self.errors: list[tuple[str, int, str]] = []  # (method, code, description) of every error answered
        self.offsets: list[int] = []  # the offset of every getUpdates (what the bot confirmed)
        self._chat_sends: dict[int, list[float]] = {}
        self.calls: list[tuple[str, dict]] = []
        self.pending: list[dict] = []
        self._new = asyncio.Event()
        self._ids = itertools.count(1)
        self._msg_ids = itertools.count(1000)
        self._poll_ids = itertools.count(1)
        self.fail_next: dict[str, int] = {}  # method -> how many 429s to answer first
        self.sent_times: list[float] = []
        self.delivered: list[tuple[str, dict]] = []  # the sends Telegram accepted
        self.polls: dict[str, dict] = {}  # poll id -> the sendPoll that made it
        self._runner = None
        self.port = None

    # -- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> "FakeBotAPI":
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # -- feeding updates --------------------------------------------------------------------------
    def push(self, **update) -> int:
        uid = next(self._ids)
        self.pending.append({"update_id": uid, **update})
        self._new.set()
        return uid

    def message(self, chat: dict, frm: dict, text: str, entities=None, reply_to=None, **extra) -> int:
        msg = {"message_id": next(self._msg_ids), "date": int(time.time()), "chat": chat, "from": frm, "text": text}
        if entities:
            msg["entities"] = entities
        if reply_to:
            msg["reply_to_message"] = reply_to
        msg.update(extra)
        return self.push(message=msg)

    def command(self, chat: dict, frm: dict, text: str) -> int:
        cmd = text.split()[0]
        return self.message(chat, frm, text, entities=[{"type": "bot_command", "offset": 0, "length": len(cmd)}])

    def callback(self, frm: dict, data: str, chat: dict | None = None, **message) -> int:
        chat = chat or private_chat(frm["id"])
        msg = {"message_id": next(self._msg_ids), "date": int(time.time()), "chat": chat, "from": BOT, "text": "…", **message}
        return self.push(callback_query={"id": str(next(self._ids)), "from": frm, "chat_instance": "ci",
                                         "data": data, "message": msg})

    def poll_answer(self, poll_id: str, frm: dict, option: int) -> int:
        return self.push(poll_answer={"poll_id": poll_id, "user": frm, "option_ids": [option],
                                      "option_persistent_ids": [str(option)]})

    def inline(self, frm: dict, query: str) -> int:
        return self.push(inline_query={"id": str(next(self._ids)), "from": frm, "query": query, "offset": ""})

    # -- inspecting -----------------------------------------------------------------------------
    def sent(self, method: str = "sendMessage", chat_id=None) -> list[dict]:
        out = [p for m, p in self.calls if m == method]
        if chat_id is not None:
            out = [p for p in out if str(p.get("chat_id")) == str(chat_id)]
        return out

    async def wait_for(self, predicate, timeout: float = 10.0):
        """Wait until predicate(self) is truthy; returns its value."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            v = predicate(self)
            if v:
                return v
            await asyncio.sleep(0.02)
        raise AssertionError("the bot did not make the expected call in time")

    async def settle(self, quiet: float = 0.3) -> None:
        """Wait until all updates were fetched and no call came for ``quiet`` seconds."""
        n = -1
        while n != len(self.calls) or self.pending:
            n = len(self.calls)
            await asyncio.sleep(quiet)

    # -- the API --------------------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.content_type == "application/json":
            params = await request.json()
        else:
            form = await request.post()
            params = {}
            for k, v in form.items():
                try:
                    params[k] = json.loads(v) if isinstance(v, str) and v[:1] in "[{0123456789-tfn\"" else v
                except ValueError:
                    params[k] = v
        if self.revoked or (self.token is not None and request.match_info["token"] != self.token):
            return self._error(method, 401, "Unauthorized")
        if method != "getUpdates":
            self.calls.append((method, params))
        else:
            self.offsets.append(int(params.get("offset") or 0))
        if self.latency:
            await asyncio.sleep(self.latency)
        if self.fail_next.get(method):
            self.fail_next[method] -= 1
            return self._flood(1)
        if method in SENDS:
            bad = self._validate(method, params)
            if bad:
                return self._error(method, *bad)
            chat = int(params["chat_id"])
            now = time.monotonic()
            if self.held.get(chat, 0) > now:
                self.calls.append(("429", params))
                return self._flood(math.ceil(self.held[chat] - now))
            if self.flood_limit:
                recent = [x for x in self.sent_times if now - x < 1.0]
                if len(recent) >= self.flood_limit:
                    self.calls.append(("429", params))
                    return self._flood(1)
                self.sent_times = recent + [now]
            if self.chat_limit:
                n, period = self.chat_limit
                recent = [x for x in self._chat_sends.get(chat, []) if now - x < period]
                if len(recent) >= n:
                    self.calls.append(("429", params))
                    return self._flood(math.ceil(period - (now - recent[0])))
                self._chat_sends[chat] = recent + [now]
            if chat in self.blocked:
                return self._error(method, 403, "Forbidden: bot was blocked by the user")
            reply = params.get("reply_parameters") or {}
            if reply.get("message_id") in self.deleted and not reply.get("allow_sending_without_reply"):
                return self._error(method, 400, "Bad Request: message to be replied not found")
            self.delivered.append((method, params))
        handler = getattr(self, f"_m_{method}", None)
        result = await handler(params) if handler else True
        return web.json_response({"ok": True, "result": result})

    def _validate(self, method: str, p: dict) -> tuple[int, str] | None:
        """Telegram's 400s for what a well-behaved bot never sends."""
        if p.get("chat_id") in (None, ""):
            return 400, "Bad Request: chat_id is empty"
        try:
            int(p["chat_id"])
        except (TypeError, ValueError):
            return 400, "Bad Request: chat not found"
        if "message_thread_id" in p and not isinstance(p["message_thread_id"], int):
            return 400, "Bad Request: message thread not found"
        for row in (p.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if len(button.get("callback_data", "").encode()) > 64:
                    return 400, "Bad Request: BUTTON_DATA_INVALID"
        if method == "sendMessage":
            text = p.get("text", "")
            if not isinstance(text, str) or not text.strip():
                return 400, "Bad Request: message text is empty"
            if p.get("parse_mode") == "HTML":
                problem = html_problem(text)
                if problem:
                    return 400, f"Bad Request: can't parse entities: {problem}"
                text = visible_text(text)
            if len(text) > 4096:
                return 400, "Bad Request: message is too long"
        return None

    def _error(self, method: str, code: int, description: str) -> web.Response:
        self.errors.append((method, code, description))
        return web.json_response({"ok": False, "error_code": code, "description": description}, status=code)

    def hold_chat(self, chat_id: int, seconds: float) -> None:
        """Flood control for one chat: every message to it is answered 429 for ``seconds``."""
        self.held[int(chat_id)] = time.monotonic() + seconds

    def _flood(self, retry_after: int) -> web.Response:
        self.errors.append(("", 429, str(retry_after)))
        return web.json_response({"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {retry_after}",
                                  "parameters": {"retry_after": retry_after}}, status=429)

    async def _m_getMe(self, p):
        return BOT

    async def _m_getUpdates(self, p):
        offset = int(p.get("offset") or 0)
        self.pending = [u for u in self.pending if u["update_id"] >= offset]
        if not self.pending:
            self._new.clear()
            try:
                await asyncio.wait_for(self._new.wait(), timeout=min(float(p.get("timeout") or 0), 1.0))
            except asyncio.TimeoutError:
                pass
        limit = int(p.get("limit") or 100)
        return self.pending[:limit]

    def _message(self, p, **extra):
        chat_id = p.get("chat_id")
        chat = {"id": int(chat_id), "type": "private" if int(chat_id) > 0 else "supergroup"}
        msg = {"message_id": next(self._msg_ids), "date": int(time.time()), "chat": chat, "from": BOT}
        msg.update(extra)
        return msg

    async def _m_sendMessage(self, p):
        return self._message(p, text=p.get("text", ""))

    async def _m_editMessageText(self, p):
        return self._message(p, text=p.get("text", "")) if p.get("chat_id") else True

    async def _m_sendPoll(self, p):
        pid = str(next(self._poll_ids))
        self.polls[pid] = p
        opts = p.get("options") or []
        options = [{"text": o if isinstance(o, str) else o.get("text", ""), "voter_count": 0, "persistent_id": str(i)}
                   for i, o in enumerate(opts)]
        poll = {"id": pid, "question": p.get("question", ""), "options": options, "total_voter_count": 0,
                "is_closed": False, "is_anonymous": False, "type": "quiz", "allows_multiple_answers": False,
                "allows_revoting": False, "members_only": False, "correct_option_ids": p.get("correct_option_ids")}
        return self._message(p, poll=poll)


SENDS = ("sendMessage", "sendPoll")
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "tg-spoiler",
                "span", "blockquote", "tg-emoji"}


class _TagChecker(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.problem, self.text = [], None, []

    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED_TAGS:
            self.problem = self.problem or f"unsupported start tag \"{tag}\""
        self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.problem = self.problem or f"can't find end tag corresponding to start tag \"{tag}\""
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def html_problem(text: str) -> str | None:
    """What Telegram would say about ``text`` as HTML, or None: unknown tags, unclosed tags, and a
    bare ``<`` or ``&`` that does not start a tag or an entity."""
    import re

    if re.search(r"<(?![a-zA-Z/])", text):
        return "unsupported start tag"
    if re.search(r"&(?!(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)", text):
        return "unsupported entity"
    checker = _TagChecker()
    checker.feed(text)
    checker.close()
    if checker.problem:
        return checker.problem
    if checker.stack:
        return f"can't find end tag corresponding to start tag \"{checker.stack[-1]}\""
    return None


def visible_text(text: str) -> str:
    checker = _TagChecker()
    checker.feed(text)
    checker.close()
    return "".join(checker.text)


class ThreadedStub:
    """A :class:`FakeBotAPI` in a thread with its own event loop, for tests that run the real
    ``role-advisor telegram`` process against it. ``call(fn, ...)`` runs ``fn`` on the stub's loop
    (pushing updates must happen there)."""

    def __init__(self, **kw):
        self.api = FakeBotAPI(**kw)
        self.loop = asyncio.new_event_loop()
        self.loop.run_until_complete(self.api.start())
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def call(self, fn, *args, **kwargs):
        async def run():
            return fn(*args, **kwargs)

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(10)

    def wait_for(self, predicate, timeout: float = 20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            v = predicate(self.api)
            if v:
                return v
            time.sleep(0.02)
        raise AssertionError("the bot did not make the expected call in time")

    def settle(self, quiet: float = 0.5) -> None:
        n = -1
        while n != len(self.api.calls) or self.api.pending:
            n = len(self.api.calls)
            time.sleep(quiet)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.api.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def start_app(app, webhook_secret: str | None = None) -> int | None:
    """Start a built Application the way run_polling/run_webhook would (post_init included):
    long polling against the stub, or a webhook on a free 127.0.0.1 port (returned)."""
    await app.initialize()
    await app.post_init(app)
    await app.start()
    if webhook_secret is None:
        await app.updater.start_polling(poll_interval=0, timeout=1)
        return None
    port = free_port()
    await app.updater.start_webhook(listen="127.0.0.1", port=port, url_path="telegram",
                                    webhook_url=f"http://127.0.0.1:{port}/telegram", secret_token=webhook_secret)
    return port


async def stop_app(app) -> None:
    await app.updater.stop()
    await app.stop()
    await app.post_shutdown(app)
    await app.shutdown()
