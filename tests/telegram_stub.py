"""A stand-in Telegram Bot API server on 127.0.0.1 (aiohttp) for driving the real
python-telegram-bot Application offline: it serves getUpdates from a queue, records every call the
bot makes, and can answer 429 (flood control) or add latency."""
from __future__ import annotations

import asyncio
import itertools
import json
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
    def __init__(self, latency: float = 0.0, flood_limit: int | None = None):
        self.latency = latency
        self.flood_limit = flood_limit  # messages per second before 429
        self.calls: list[tuple[str, dict]] = []
        self.pending: list[dict] = []
        self._new = asyncio.Event()
        self._ids = itertools.count(1)
        self._msg_ids = itertools.count(1000)
        self._poll_ids = itertools.count(1)
        self.fail_next: dict[str, int] = {}  # method -> how many 429s to answer first
        self.sent_times: list[float] = []
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

    def callback(self, frm: dict, data: str, chat: dict | None = None) -> int:
        chat = chat or private_chat(frm["id"])
        msg = {"message_id": next(self._msg_ids), "date": int(time.time()), "chat": chat, "from": BOT, "text": "…"}
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
        if method != "getUpdates":
            self.calls.append((method, params))
        if self.latency:
            await asyncio.sleep(self.latency)
        if self.fail_next.get(method):
            self.fail_next[method] -= 1
            return self._flood(1)
        if method in ("sendMessage", "sendPoll") and self.flood_limit:
            now = time.monotonic()
            recent = [x for x in self.sent_times if now - x < 1.0]
            if len(recent) >= self.flood_limit:
                self.calls.append(("429", params))
                return self._flood(1)
            self.sent_times = recent + [now]
        handler = getattr(self, f"_m_{method}", None)
        result = await handler(params) if handler else True
        return web.json_response({"ok": True, "result": result})

    @staticmethod
    def _flood(retry_after: int) -> web.Response:
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
        opts = p.get("options") or []
        options = [{"text": o if isinstance(o, str) else o.get("text", ""), "voter_count": 0, "persistent_id": str(i)}
                   for i, o in enumerate(opts)]
        poll = {"id": pid, "question": p.get("question", ""), "options": options, "total_voter_count": 0,
                "is_closed": False, "is_anonymous": False, "type": "quiz", "allows_multiple_answers": False,
                "allows_revoting": False, "members_only": False, "correct_option_ids": p.get("correct_option_ids")}
        return self._message(p, poll=poll)


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
