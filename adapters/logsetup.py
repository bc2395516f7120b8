"""Operator output of the long-running bots: one log format (UTC time, level, logger), a level from
``--log-level`` or ``ROLE_ADVISOR_LOG_LEVEL``, secrets masked in every formatted line (message and
traceback alike), and the libraries' start-up tracebacks kept out of the way of the one line that
``main`` prints for a fatal condition."""
from __future__ import annotations

import functools
import logging
import os
import re
import sys
import time

LOG_LEVEL_ENV = "ROLE_ADVISOR_LOG_LEVEL"
LEVELS = ("debug", "info", "warning", "error")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
DATEFMT = "%Y-%m-%dT%H:%M:%SZ"
MASK = "<secret>"


class LogLevelError(ValueError):
    pass


def log_level(args=None, env=None) -> int:
    """The level asked for: ``args.log_level`` (the command-line flag), else the environment, else INFO."""
    env = os.environ if env is None else env
    raw = (getattr(args, "log_level", None) or env.get(LOG_LEVEL_ENV) or "info").strip().lower()
    if raw not in LEVELS:
        raise LogLevelError(f"{LOG_LEVEL_ENV} (or --log-level) must be one of {', '.join(LEVELS)}, not {raw!r}")
    return getattr(logging, raw.upper())


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then masks every secret anywhere in the line, the traceback included."""

    converter = time.gmtime

    def __init__(self, secrets=()):
        super().__init__(FORMAT, DATEFMT)
        # longest first, so a secret containing another is masked whole
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.secrets)


# Whatever the secrets, a URL's userinfo password and a ``password=`` pair are masked by their
# place: a password shorter than 4 characters is not masked as a bare string (it would garble
# every word holding it), but where a URL or a connection string carries it, it is.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@?#]*:)[^\s@/?#]*@")
_PASSWORD_PAIR = re.compile(r"(?i)\b((?:ssl)?pass(?:wd|word)?\s*=\s*)('[^']*'|\"[^\"]*\"|[^&\s#,;]+)")


def redact(text: str, secrets) -> str:
    """``text`` with every secret masked: in any case (python-telegram-bot lower-cases some error
    texts), and percent-encoded as a URL would carry it; and any URL password or ``password=``
    value, known or not."""
    pattern = _secret_pattern(tuple(secrets))
    if pattern is not None:
        text = pattern.sub(MASK, text)
    if "@" in text:
        text = _USERINFO.sub(lambda m: m.group(1) + MASK + "@", text)
    if "=" in text:
        text = _PASSWORD_PAIR.sub(lambda m: m.group(1) + MASK, text)
    return text


@functools.lru_cache(maxsize=16)
def _secret_pattern(secrets: tuple[str, ...]):
    from urllib.parse import quote

    forms = {f for s in secrets if s for f in (s, quote(s, safe=""), quote(s, safe="/:"))}
    if not forms:
        return None
    return re.compile("|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)), re.IGNORECASE)


class _FatalStartup(logging.Filter):
    """python-telegram-bot logs the exception that ends its start-up retry loop with a full traceback,
    then raises it; ``main`` turns that exception into one line, so the record is dropped here. So is
    discord.py's warning at every start that voice is unsupported (the bot has no voice features)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "discord.client" and "voice will NOT be supported" in str(record.msg):
            return False
        if record.name.startswith("telegram.ext") and isinstance(record.msg, str) \
                and record.msg.startswith("%s") and record.args:
            head = str(record.args[0])
            if head.startswith("Network Retry Loop") and ("Aborting" in record.msg or "Aborting" in head):
                return False
        return True


class _OneLineDriver(logging.Filter):
    """The database driver's own warnings while a server restarts (asyncpg's pool reconnecting)
    come with a traceback: the outage is expected and handled (answers never wait on it), so the
    record keeps one line, the exception's type and message appended."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.name.split(".")[0] in ("asyncpg", "aiosqlite"):
            exc = record.exc_info[1]
            record.msg = f"{record.getMessage()} ({type(exc).__name__}: {exc})" if exc is not None else record.getMessage()
            record.args = None
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True


def database_secrets(env=None) -> list[str]:
    """The database password in every form the configuration carries it (its own variable, the
    URL's userinfo and query, raw and percent-decoded)."""
    from bot.storage import url_secrets

    env = os.environ if env is None else env
    return url_secrets(env.get("ROLE_ADVISOR_DATABASE_URL") or "", env.get("ROLE_ADVISOR_DATABASE_PASSWORD"))


def setup_logging(level: int, secrets=()) -> logging.Handler:
    """One handler on the root logger, to stderr; the noisy HTTP libraries stay at WARNING (their
    request lines carry the Telegram token in the URL, masked anyway)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter(secrets))
    handler.addFilter(_FatalStartup())
    handler.addFilter(_OneLineDriver())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
    _mask_uncaught(handler.formatter.secrets)
    return handler


def _mask_uncaught(secrets) -> None:
    """An exception nobody caught is printed with the secrets masked too (its message may quote a
    URL with the token in it)."""
    import threading
    import traceback

    def show(exc_type, exc, tb) -> None:
        sys.stderr.write(redact("".join(traceback.format_exception(exc_type, exc, tb)), secrets))

    sys.excepthook = show
    threading.excepthook = lambda a: show(a.exc_type, a.exc_value, a.exc_traceback)


def fatal(message: str, secrets=()) -> None:
    """The one line for a fatal condition, in the log format (time, level), on stderr."""
    logging.getLogger("role_advisor").critical(redact(message, secrets))


def stop_on_sigterm() -> None:
    """From now until the bot's own handlers take over, SIGTERM ends the process like Ctrl-C (exit
    130). A container's PID 1 has no default action for SIGTERM: without this, `docker stop` during
    the first second (imports, loading the knowledge base) would wait its 10 s and kill."""
    import signal

    def _term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _term)
