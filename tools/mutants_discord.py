#!/usr/bin/env python3
"""Can the Discord tests fail? Break the adapter on purpose, one way at a time, and run them.

Each mutant is a one-line (or one-block) change a careless edit could make: buttons dead after a
restart, votes reversed, DMs unanswered, the onboarding role never granted, commands never
registered, … . Every mutant is applied to a copy of the checkout in a temporary directory (the
checkout itself is never touched), and the Discord tests run against that copy (the process test's
``role-advisor discord`` too, through PYTHONPATH). A mutant is caught when a test fails. The
unchanged copy is run first and must pass.

    .venv/bin/python tools/mutants_discord.py            # all of them, about 3 minutes
    .venv/bin/python tools/mutants_discord.py votes      # those whose name contains "votes"

Exit 0 when every mutant was caught, 1 otherwise.
"""
from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
ADAPTER = "adapters/discord_bot.py"
TESTS = ["tests/test_discord.py", "tests/test_handoff_report.py"]

# (name, file, the text as it is, the text broken); the text must occur in the file.
MUTANTS = [
    ("buttons dead after a restart", ADAPTER,
     "self.add_dynamic_items(VoteButton, TopicButton, QuizButton, ModeratorButton, OnboardButton)",
     "self.add_dynamic_items(QuizButton, OnboardButton)"),
    ("votes reversed", ADAPTER,
     "ok = await self.svc.vote(_user(interaction.user), log_id, up)",
     "ok = await self.svc.vote(_user(interaction.user), log_id, not up)"),
    ("DMs unanswered", ADAPTER,
     "        if message.guild is None:\n            return message.content",
     "        if message.guild is None:\n            return None"),
    ("role never granted", ADAPTER,
     'await member.add_roles(role, reason="Role Advisor: onboarding quiz passed")',
     "pass"),
    ("commands not synced", ADAPTER,
     "        await self.sync_commands()\n",
     ""),
    ("moderator commands shown to every member", ADAPTER,
     "        @app_commands.default_permissions(MODERATOR_PERMISSIONS)\n",
     ""),
    ("quiz posted publicly", ADAPTER,
     "ephemeral=interaction.guild is not None)",
     "ephemeral=False)"),
    ("slow work never deferred", ADAPTER,
     "timer = asyncio.create_task(_defer_later(event, private, edit)) if is_interaction else None",
     "timer = None"),
    ("moderator's long answer sent in one piece", ADAPTER,
     'parts = _chunks(f"<@{uid}> {body}")',
     'parts = [f"<@{uid}> {body}"]'),
    ("no DM fallback for an answer", ADAPTER,
     "                            type(exc).__name__)\n        try:\n            user = await self.bot.fetch_user(uid)",
     "                            type(exc).__name__)\n            return False\n        try:\n            user = await self.bot.fetch_user(uid)"),
    ("closed DMs: nobody welcomed in the server", ADAPTER,
     "        channel = guild.system_channel\n",
     "        channel = None\n"),
    ("Hungarian server welcomed in English", ADAPTER,
     "lang = await self.lang_for(member, None, guild.preferred_locale)",
     "lang = await self.lang_for(member)"),
    ("masked links reposted clickable to moderators", ADAPTER,
     "for part in _chunks(_plain(opened.moderator_text)):",
     "for part in _chunks(_safe(opened.moderator_text)):"),
    ("replies ping everyone", ADAPTER,
     "NO_PINGS = discord.AllowedMentions.none()",
     "NO_PINGS = discord.AllowedMentions.all()"),
    ("/report escaped after fitting", ADAPTER,
     "    return discord.Embed(title=_fit(escape(title), 256), description=_fit(escape(rest), EMBED_DESCRIPTION_LIMIT) or None,",
     "    return discord.Embed(title=escape(_fit(title, 256)), description=escape(_fit(rest, EMBED_DESCRIPTION_LIMIT)) or None,"),
    ("/report grouping on the event loop", "bot/report.py",
     "groups = await asyncio.to_thread(cluster_questions, grouped)",
     "groups = cluster_questions(grouped)"),
]


def _copy() -> pathlib.Path:
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="mutant-"))
    for part in ("adapters", "bot", "knowledge", "tests"):
        shutil.copytree(ROOT / part, tmp / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for f in ("pyproject.toml", "README.md"):
        if (ROOT / f).exists():
            shutil.copy2(ROOT / f, tmp / f)
    return tmp


def _run(tree: pathlib.Path) -> tuple[bool, float, str]:
    """(passed, seconds, the first failing test) for the Discord tests on ``tree``."""
    env = dict(os.environ, PYTHONPATH=str(tree), PYTHONDONTWRITEBYTECODE="1")
    start = time.monotonic()
    r = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q", "-rfE", "-p", "no:cacheprovider", *TESTS],
                       cwd=tree, env=env, capture_output=True, text=True, timeout=900)
    lines = [line for line in r.stdout.splitlines() if line.strip()]
    failed = next((m[2] for m in map(re.compile(r"^(FAILED|ERROR) (tests/\S+)").match, lines) if m), "")
    if r.returncode != 0 and not failed:
        failed = (lines or r.stderr.splitlines() or ["?"])[-1]
    return r.returncode == 0, time.monotonic() - start, failed


def main(argv: list[str]) -> int:
    chosen = [m for m in MUTANTS if not argv or any(a in m[0] for a in argv)]
    tree = _copy()
    try:
        ok, took, failed = _run(tree)
        print(f"unchanged: {'passes' if ok else 'FAILS ' + failed} ({took:.0f} s)", flush=True)
        if not ok:
            return 1
        caught = 0
        for name, path, before, after in chosen:
            target = tree / path
            original = target.read_text()
            if before not in original:
                print(f"{name}: the text to break is not in {path} any more: update this script", flush=True)
                continue
            target.write_text(original.replace(before, after))
            try:
                ok, took, failed = _run(tree)
            finally:
                target.write_text(original)
            caught += not ok
            print(f"{'caught' if not ok else 'MISSED'}: {name} ({took:.0f} s){' by ' + failed if failed else ''}", flush=True)
        print(f"{caught}/{len(chosen)} mutants caught")
        return 0 if caught == len(chosen) else 1
    finally:
        shutil.rmtree(tree, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
