"""What an operator sees from `role-advisor telegram` / `discord`: one line with time and level for a
fatal condition (no library traceback), a non-zero exit, the log level from ROLE_ADVISOR_LOG_LEVEL,
a prompt stop on SIGTERM, and never a secret. Every peer is on 127.0.0.1: an unused port stands for
"no network", a socket that accepts and never answers for a server that hangs."""
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from conftest import cli_cmd

pytest.importorskip("telegram", reason="the telegram extra is part of the dev install")
pytest.importorskip("discord", reason="the discord extra is part of the dev install")

TG_TOKEN = "123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr"
DC_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.secret-discord-token-value-xyz"
DB_PASSWORD = "p@ss:w/rd-Secret"
LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (DEBUG|INFO|WARNING|ERROR|CRITICAL) \S+: ")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: connections are refused


def _env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DISCORD_", "ROLE_ADVISOR_DATABASE"))}
    env.update(extra)
    return env


# Discord has no setting for its API address; the test process points discord.py's at 127.0.0.1.
DISCORD_AT = textwrap.dedent("""
    import argparse, sys, discord
    discord.http.Route.BASE = sys.argv[1]
    from adapters import discord_bot
    sys.exit(discord_bot.main(argparse.Namespace(profile=None, knowledge=None)))
""")


def _discord(base: str, env: dict, **kw):
    return subprocess.Popen([sys.executable, "-c", DISCORD_AT, base], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def _assert_one_fatal_line(out: str, err: str, *secrets: str):
    assert out == ""
    lines = [l for l in err.splitlines() if l.strip()]
    assert "Traceback" not in err and "Event loop is closed" not in err, err
    assert all(LINE.match(l) for l in lines), err  # every line: time, level, logger
    fatal = [l for l in lines if " CRITICAL " in l]
    assert len(fatal) == 1, err
    for s in secrets:
        assert s not in err
    return fatal[0]


@pytest.mark.parametrize("webhook", [False, True])
def test_telegram_without_network_is_one_line_and_exit_1(webhook, tmp_path):
    port = _closed_port()
    env = _env(TELEGRAM_BOT_TOKEN=TG_TOKEN, TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{port}/bot",
               TELEGRAM_WEBHOOK_SECRET="hook-secret-123", ROLE_ADVISOR_DATA_DIR=str(tmp_path))
    args = ["telegram"] + (["--webhook", "https://bot.example.org/telegram", "--port", str(_closed_port())] if webhook else [])
    r = subprocess.run(cli_cmd() + args, capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 1
    line = _assert_one_fatal_line(r.stdout, r.stderr, TG_TOKEN, "hook-secret-123")
    assert f"Cannot reach the Telegram Bot API at 127.0.0.1:{port}" in line


def test_discord_without_network_is_one_line_and_exit_1(tmp_path):
    port = _closed_port()
    p = _discord(f"http://127.0.0.1:{port}/api/v10", _env(DISCORD_BOT_TOKEN=DC_TOKEN, ROLE_ADVISOR_DATA_DIR=str(tmp_path)))
    out, err = p.communicate(timeout=120)
    assert p.returncode == 1
    line = _assert_one_fatal_line(out, err, DC_TOKEN)
    assert "Cannot reach Discord at 127.0.0.1" in line
    assert "voice" not in err  # discord.py's start-up warning about voice is not the operator's concern


def test_log_level_from_the_environment(tmp_path):
    port = _closed_port()
    base = f"http://127.0.0.1:{port}/api/v10"
    quiet = _discord(base, _env(DISCORD_BOT_TOKEN=DC_TOKEN, ROLE_ADVISOR_DATA_DIR=str(tmp_path), ROLE_ADVISOR_LOG_LEVEL="warning"))
    _, err = quiet.communicate(timeout=120)
    assert quiet.returncode == 1 and " INFO " not in err and " CRITICAL " in err
    loud = _discord(base, _env(DISCORD_BOT_TOKEN=DC_TOKEN, ROLE_ADVISOR_DATA_DIR=str(tmp_path), ROLE_ADVISOR_LOG_LEVEL="DEBUG"))
    _, err = loud.communicate(timeout=120)
    assert loud.returncode == 1 and " DEBUG " in err and DC_TOKEN not in err
    bad = subprocess.run(cli_cmd() + ["telegram"], capture_output=True, text=True, timeout=60,
                         env=_env(TELEGRAM_BOT_TOKEN=TG_TOKEN, ROLE_ADVISOR_LOG_LEVEL="loud"))
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "ROLE_ADVISOR_LOG_LEVEL" in bad.stderr


class _Silent:
    """Accepts connections on 127.0.0.1 and never answers: a server that hangs."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                self.conns.append(self.sock.accept()[0])
            except OSError:
                return

    def close(self):
        for c in self.conns:
            c.close()
        self.sock.close()


def test_log_level_flag_wins_over_the_environment(tmp_path):
    port = _closed_port()
    env = _env(TELEGRAM_BOT_TOKEN=TG_TOKEN, TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{port}/bot",
               ROLE_ADVISOR_DATA_DIR=str(tmp_path), ROLE_ADVISOR_LOG_LEVEL="debug")
    quiet = subprocess.run(cli_cmd() + ["telegram", "--log-level", "WARNING"], capture_output=True, text=True,
                           timeout=120, env=env)
    assert quiet.returncode == 1 and " CRITICAL " in quiet.stderr
    assert " DEBUG " not in quiet.stderr and " INFO " not in quiet.stderr, quiet.stderr
    loud = subprocess.run(cli_cmd() + ["telegram", "--log-level", "debug"], capture_output=True, text=True,
                          timeout=120, env=dict(env, ROLE_ADVISOR_LOG_LEVEL="error"))
    assert loud.returncode == 1 and " DEBUG " in loud.stderr and TG_TOKEN not in loud.stderr
    bad = subprocess.run(cli_cmd() + ["discord", "--log-level", "loud"], capture_output=True, text=True, timeout=60,
                         env=_env(DISCORD_BOT_TOKEN=DC_TOKEN))
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "--log-level" in bad.stderr


def test_discord_stops_within_2_s_of_sigterm(tmp_path):
    """As a container's PID 1 nothing stops the process for it: SIGTERM must end it, cleanly."""
    server = _Silent()
    try:
        p = _discord(f"http://127.0.0.1:{server.port}/api/v10", _env(DISCORD_BOT_TOKEN=DC_TOKEN, ROLE_ADVISOR_DATA_DIR=str(tmp_path)))
        deadline = time.monotonic() + 60
        while not server.conns and time.monotonic() < deadline:  # logging in: the request hangs
            time.sleep(0.05)
        assert server.conns and p.poll() is None
        sent = time.monotonic()
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=10)
        took = time.monotonic() - sent
    finally:
        server.close()
    assert p.returncode == 0 and took < 2.0, (took, err)
    assert "Traceback" not in err and "Event loop is closed" not in err and "stopping (signal received)" in err


def test_telegram_webhook_with_an_empty_url_stops_with_one_line():
    """compose passes ${TELEGRAM_WEBHOOK_URL:-}: unset, it must not fall back to long polling."""
    r = subprocess.run(cli_cmd() + ["telegram", "--webhook", ""], capture_output=True, text=True, timeout=60,
                       env=_env(TELEGRAM_BOT_TOKEN=TG_TOKEN, TELEGRAM_WEBHOOK_SECRET="hook-secret-123"))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "TELEGRAM_WEBHOOK_URL" in r.stderr
    assert TG_TOKEN not in r.stderr


class _StubThread:
    """The stand-in Bot API on 127.0.0.1 in a thread, slowed down so a signal can land mid-start-up."""

    def __init__(self, latency: float):
        import asyncio

        from telegram_stub import FakeBotAPI

        self.api = FakeBotAPI(latency=latency)
        self.loop = asyncio.new_event_loop()
        self.loop.run_until_complete(self.api.start())
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def close(self):
        import asyncio

        asyncio.run_coroutine_threadsafe(self.api.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.mark.parametrize("when", ["getMe", "setMyCommands", "running"])
def test_telegram_stops_cleanly_on_sigterm_at_any_point(when, tmp_path):
    """SIGTERM while logging in, while registering commands (storage open) or once running: exit 0
    within 2 s, the storage closed, nothing left over ("Event loop is closed", a task never awaited)."""
    stub = _StubThread(latency=0.4)
    try:
        env = _env(TELEGRAM_BOT_TOKEN=TG_TOKEN, TELEGRAM_API_BASE_URL=stub.api.base_url, ROLE_ADVISOR_DATA_DIR=str(tmp_path))
        p = subprocess.Popen(cli_cmd() + ["telegram"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        seen = {"getMe": lambda: any(m == "getMe" for m, _ in stub.api.calls),
                "setMyCommands": lambda: any(m == "setMyCommands" for m, _ in stub.api.calls),
                "running": lambda: len(stub.api.sent("setMyCommands")) >= 2}[when]
        deadline = time.monotonic() + 60
        while not seen() and time.monotonic() < deadline:
            time.sleep(0.01)
        if when == "running":
            time.sleep(1.0)  # polling
        assert p.poll() is None
        sent = time.monotonic()
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=30)
        took = time.monotonic() - sent
    finally:
        stub.close()
    assert p.returncode == 0 and took < 2.0, (p.returncode, took, err)
    for bad in ("Traceback", "Event loop is closed", "never retrieved", "was destroyed", "failed: NetworkError"):
        assert bad not in err, err  # the last: start-up left running after the shutdown closed the connection
    assert "stopping (signal received)" in err


@pytest.mark.parametrize("platform", ["telegram", "discord"])
def test_sigterm_while_loading_the_knowledge_base_ends_the_process(platform, tmp_path):
    """Before the bot's own handlers exist: the knowledge file is a FIFO nobody writes to, so the
    process waits inside the loading when SIGTERM comes. It must end at once (as PID 1 in a container,
    SIGTERM has no default action)."""
    kb = tmp_path / "kb"
    kb.mkdir()
    os.mkfifo(kb / "profile.yaml")
    env = _env(TELEGRAM_BOT_TOKEN=TG_TOKEN, DISCORD_BOT_TOKEN=DC_TOKEN, ROLE_ADVISOR_KNOWLEDGE=str(kb / "profile.yaml"),
               ROLE_ADVISOR_DATA_DIR=str(tmp_path), ROLE_ADVISOR_CACHE_DIR="off")
    p = subprocess.Popen(cli_cmd() + [platform], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not _reads_fifo(p.pid, kb / "profile.yaml"):
        time.sleep(0.02)
    assert p.poll() is None and _reads_fifo(p.pid, kb / "profile.yaml")
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=10)
    assert p.returncode == 130 and "Traceback" not in err, (p.returncode, err)


def _reads_fifo(pid: int, path) -> bool:
    """The process is blocked opening a FIFO for reading (no writer yet)."""
    try:
        with open(f"/proc/{pid}/wchan", encoding="ascii") as f:
            return f.read().strip() == "wait_for_partner"
    except OSError:
        return False


def test_secrets_are_masked_in_log_lines_and_in_uncaught_tracebacks(capsys):
    import logging

    from adapters import logsetup

    saved = (sys.excepthook, threading.excepthook, logging.getLogger().handlers[:], logging.getLogger().level)
    try:
        logsetup.setup_logging(logging.INFO, [TG_TOKEN, DB_PASSWORD])
        try:
            raise RuntimeError(f"GET https://api.telegram.org/bot{TG_TOKEN}/getMe with {DB_PASSWORD}")
        except RuntimeError:
            logging.getLogger("role_advisor.test").exception("request failed")
            sys.excepthook(*sys.exc_info())
    finally:
        sys.excepthook, threading.excepthook = saved[0], saved[1]
        logging.getLogger().handlers[:] = saved[2]
        logging.getLogger().setLevel(saved[3])
    err = capsys.readouterr().err
    assert err.count("Traceback") == 2 and err.count("/bot<secret>/getMe") == 2  # the log line's and the uncaught one's
    assert TG_TOKEN not in err and DB_PASSWORD not in err
    assert LINE.match(err.splitlines()[0])


def test_telegram_with_the_database_out_of_reach_is_one_line_and_exit_1(tmp_path):
    stub = _StubThread(latency=0.0)
    try:
        url = f"postgresql://advisor:{DB_PASSWORD.replace('@', '%40').replace(':', '%3A').replace('/', '%2F')}@127.0.0.1:{_closed_port()}/advisor"
        r = subprocess.run(cli_cmd() + ["telegram"], capture_output=True, text=True, timeout=120,
                           env=_env(TELEGRAM_BOT_TOKEN=TG_TOKEN, TELEGRAM_API_BASE_URL=stub.api.base_url,
                                    ROLE_ADVISOR_DATABASE_URL=url))
    finally:
        stub.close()
    assert r.returncode == 1
    line = _assert_one_fatal_line(r.stdout, r.stderr, TG_TOKEN, DB_PASSWORD, "p%40ss", "w%2Frd")
    assert "PostgresStorage(postgresql://***@127.0.0.1:" in line


def test_secrets_are_masked_in_any_case_and_percent_encoded():
    """python-telegram-bot lower-cases some error texts ("the token `…` was rejected"); a URL may
    carry the token or a password percent-encoded."""
    from urllib.parse import quote

    from adapters.logsetup import redact

    token, pw = "123456:AbCdEfGhIjKlMnOpQrStUvWxYz012345678", "p@ss:w/rd%1"
    for text in (f"invalidtoken: the token `{token.lower()}` was rejected", f"GET /bot{token.upper()}/getMe",
                 f"url=https://x/bot{quote(token, safe='')}/", f"postgresql://u:{quote(pw, safe='')}@h/db", f"pw={pw}"):
        out = redact(text, [token, pw])
        assert token.lower() not in out.lower() and quote(token, safe="").lower() not in out.lower(), out
        assert pw not in out and quote(pw, safe="").lower() not in out.lower(), out


class _Refusing:
    """A stand-in Bot API on 127.0.0.1 that refuses every token with 401, its error page echoing the
    request path (which carries the token), in upper case for good measure."""

    def __enter__(self):
        import http.server
        import json

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self):
                body = json.dumps({"ok": False, "error_code": 401,
                                   "description": f"Unauthorized: {self.path} / {self.path.upper()}"}).encode()
                self.send_response(401)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/bot"

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("level", ["info", "debug"])
def test_a_revoked_token_is_one_line_and_never_printed(tmp_path, level):
    with _Refusing() as base:
        r = subprocess.run(cli_cmd() + ["telegram", "--log-level", level], capture_output=True, text=True, timeout=120,
                           env=_env(TELEGRAM_BOT_TOKEN=TG_TOKEN, TELEGRAM_API_BASE_URL=base,
                                    ROLE_ADVISOR_DATA_DIR=str(tmp_path)))
    everything = (r.stdout + r.stderr).lower()
    assert r.returncode != 0
    assert TG_TOKEN.lower() not in everything and TG_TOKEN.split(":")[1].lower() not in everything, everything
    if level == "info":
        _assert_one_fatal_line(r.stdout, r.stderr)
