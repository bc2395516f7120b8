"""Can the Telegram tests fail? Break adapters/telegram_bot.py on purpose, one small change at a
time, and run the Telegram tests against each broken copy: every mutant must be caught (a test
goes red). The checkout is never touched: each mutant is a copy of the repository in a temporary
directory, put first on PYTHONPATH, so the tests and the `role-advisor telegram` processes they
start import the broken adapter.

    python tools/mutate_telegram.py            # every mutant
    python tools/mutate_telegram.py utf16 edits   # some of them

Exit status 0 when every mutant was caught, 1 otherwise.
"""
from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
ADAPTER = "adapters/telegram_bot.py"
TESTS = ["tests/test_telegram_process.py", "tests/test_telegram.py", "tests/test_operator.py"]

# name: (what it breaks, the exact text, its replacement); each text occurs once in the adapter
MUTANTS: dict[str, tuple[str, str, str]] = {
    "no-html-escaping": (
        "no HTML escaping anywhere",
        "from bot.i18n import t\n",
        "from bot.i18n import t\nhtml = type('h', (), {'escape': staticmethod(lambda s, quote=True: s)})\n",
    ),
    "forget-unconfirmed": (
        "/forget deletes at once, without the confirmation",
        '        await self._send(context.bot, update.effective_chat.id, html.escape(t("chat.forget_confirm", lang)), markup,',
        '        await self.svc.forget(_user(update.effective_user), lang)\n'
        '        await self._send(context.bot, update.effective_chat.id, html.escape(t("chat.forget_confirm", lang)), markup,',
    ),
    "forget-anyone": (
        "anyone may confirm someone else's /forget",
        "            if owner != str(tg_user.id) and not (not owner and private):",
        "            if False:",
    ),
    "token-in-logs": (
        "the token is not among the secrets the logs mask",
        "    secrets = [token, secret, *database_secrets()]",
        "    secrets = [secret, *database_secrets()]",
    ),
    "welcomes-itself": (
        "the bot welcomes itself (and other bots) to a group",
        "            if member.is_bot:\n                continue",
        "            if False:\n                continue",
    ),
    "webhook-no-secret": (
        "the webhook is registered and served without its secret",
        "webhook_url=args.webhook, secret_token=secret,",
        "webhook_url=args.webhook, secret_token=None,",
    ),
    "utf16-ignored": (
        "entity offsets used as Python string indexes (UTF-16 ignored)",
        '    units = text.encode("utf-16-le")\n    return (units[: 2 * offset] + units[2 * (offset + length):]).decode("utf-16-le").strip()',
        "    return (text[:offset] + text[offset + length:]).strip()",
    ),
    "edits-answered": (
        "edited messages answered like new ones",
        "    app.add_handler(_EditsIgnored(adapter.on_edited), group=-1)",
        "    pass",
    ),
    "reply-required": (
        "a reply to a deleted question is refused (no allow_sending_without_reply)",
        "ReplyParameters(replying, allow_sending_without_reply=True)",
        "ReplyParameters(replying)",
    ),
    "client-language": (
        "'did you mean' answers in the client's language, not the question's",
        '            data = f"t:{reply.lang}:{topic}"',
        '            data = f"t:{topic}"',
    ),
    "stock-rate-limiter": (
        "AIORateLimiter as it comes: one chat's flood wait stops every chat",
        "        .rate_limiter(PerChatRateLimiter(",
        "        .rate_limiter(AIORateLimiter(",
    ),
    "topic-lost": (
        "forum topics ignored: replies and notices land in General",
        "                message_thread_id=thread, disable_web_page_preview=True,",
        "                message_thread_id=None, disable_web_page_preview=True,",
    ),
    "topic-commands": (
        "commands and buttons used in a forum topic answered in General",
        "            thread = here[1]  # an answer to a command or button in a forum topic stays in the topic",
        "            pass",
    ),
    "poison-update": (
        "an unparseable update stops polling (no repair, no skip)",
        "            result = [_parseable(u) for u in result]",
        "            result = result",
    ),
    "revoked-token": (
        "a token refused while polling ends polling for good",
        '            raise TokenRefused("the token was refused") from exc',
        "            raise",
    ),
    "no-inbox": (
        "updates not recorded before they are confirmed",
        "    app = build_application(service, token, base_url, inbox=not args.webhook)",
        "    app = build_application(service, token, base_url, inbox=False)",
    ),
    "unsigned-onboarding": (
        "an onboarding link's signature is not checked",
        "        return community if hmac.compare_digest(sig, self._signature(community)) else None",
        "        return community",
    ),
    "tag-left-open": (
        "the splitter leaves a tag open at a cut",
        '        out.append(part + "".join(f"</{name}>" for name, _ in reversed(stack)))',
        "        out.append(part)",
    ),
    "inline-shared": (
        "inline results cached for everyone",
        "        await iq.answer(results, cache_time=300, is_personal=True)",
        "        await iq.answer(results, cache_time=300)",
    ),
    "slow-stop": (
        "SIGTERM waits for a group's flood wait to end",
        "            limiter.closing.set()",
        "            pass",
    ),
    "rejoin-quiz-again": (
        "a member who passed onboarding gets the quiz again on rejoining",
        "            if await self.svc.storage.has_passed(PLATFORM, str(chat.id), str(member.id)):",
        "            if False:",
    ),
}


def _copy(dst: pathlib.Path) -> None:
    ignore = shutil.ignore_patterns(".venv", ".git", "build", "*.egg-info", "__pycache__", ".pytest_cache")
    for item in ("adapters", "bot", "knowledge", "tests", "pyproject.toml"):
        src = ROOT / item
        if src.is_dir():
            shutil.copytree(src, dst / item, ignore=ignore)
        elif src.exists():
            shutil.copy2(src, dst / item)


def run(name: str) -> tuple[bool, float, str]:
    what, old, new = MUTANTS[name]
    with tempfile.TemporaryDirectory(prefix=f"mutant-{name}-") as d:
        dst = pathlib.Path(d)
        _copy(dst)
        path = dst / ADAPTER
        text = path.read_text(encoding="utf-8")
        if text.count(old) != 1:
            raise SystemExit(f"{name}: the text to change occurs {text.count(old)} times in {ADAPTER}; update this script")
        path.write_text(text.replace(old, new), encoding="utf-8")
        env = dict(os.environ, PYTHONPATH=str(dst), PYTHONDONTWRITEBYTECODE="1")
        started = time.monotonic()
        r = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *TESTS],
                           cwd=dst, env=env, capture_output=True, text=True)
        took = time.monotonic() - started
        failed = [line for line in r.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
        return r.returncode != 0, took, (failed[0] if failed else r.stdout.strip().splitlines()[-1] if r.stdout.strip() else "")


def main(argv: list[str]) -> int:
    names = argv or list(MUTANTS)
    unknown = [n for n in names if n not in MUTANTS]
    if unknown:
        raise SystemExit(f"unknown mutants: {', '.join(unknown)}; known: {', '.join(MUTANTS)}")
    survivors = []
    for name in names:
        caught, took, detail = run(name)
        print(f"{'caught  ' if caught else 'SURVIVED'} {name:22} {took:6.1f} s  {MUTANTS[name][0]}\n"
              f"         {detail}", flush=True)
        if not caught:
            survivors.append(name)
    print(f"\n{len(names) - len(survivors)}/{len(names)} mutants caught" + (f"; survived: {', '.join(survivors)}" if survivors else ""))
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
