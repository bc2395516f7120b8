"""The role-advisor command as a user runs it."""
import json
import subprocess

from conftest import DATA, cli_cmd


def run(args, stdin=None, timeout=120):
    return subprocess.run(cli_cmd() + args, input=stdin, capture_output=True, timeout=timeout)


def test_ask_one_question_plain():
    r = run(["ask", "What level is required for E.4?"])
    assert r.returncode == 0
    out = r.stdout.decode()
    assert "E.4 Relationship Management" in out and "level: 3" in out


def test_ask_batch_json_one_line_per_question():
    qs = [json.loads(l)["q"] for l in open(DATA / "questions.public.jsonl", encoding="utf-8")]
    r = run(["ask", "--json"], stdin="\n".join(qs).encode())
    assert r.returncode == 0, r.stderr
    lines = r.stdout.decode().splitlines()
    assert len(lines) == len(qs)
    first = json.loads(lines[0])
    assert first["topic"] == "role:kpis" and first["question"] == qs[0]


def test_ask_lang_flag_and_bad_bytes():
    r = run(["ask", "--json", "--lang", "hu"], stdin=b"What are the KPIs?\n\xff\xfe\xfd\n\n" + b"x" * 200_000 + b"\n")
    assert r.returncode == 0 and b"Traceback" not in r.stderr
    rows = [json.loads(l) for l in r.stdout.decode().splitlines()]
    assert len(rows) == 4 and all(x["lang"] == "hu" for x in rows)
    assert rows[0]["answered"] and rows[1]["answered"] is False


def test_chat_piped_with_commands():
    script = "What are the KPIs?\n/lang hu\nWhat are the KPIs?\n/lang xx\n/help\n/quit\nnever asked\n"
    r = run(["chat"], stdin=script.encode())
    out = r.stdout.decode()
    assert r.returncode == 0
    assert "Customer satisfaction" in out and "Ügyfél elégedettség" in out
    assert "/lang auto" in out and "never asked" not in out
    assert "Viszlát" in out


def test_export_markdown_in_both_languages():
    r = run(["export", "--format", "markdown"])
    out = r.stdout.decode()
    assert r.returncode == 0
    assert out.startswith("# Online Community Manager / Online Közösség Menedzser (e-CF, 2012-05)\n")
    assert "\n## English\n" in out and "\n## Magyar\n" in out  # structure: tests/test_export.py
    assert "#### E.3 Risk Management" in out and "#### E.3 Kockázatkezelés" in out
    assert "| B11 | Can analyse |" in out


def test_no_command_prints_help():
    r = run([])
    assert r.returncode == 2 and b"ask" in r.stdout


# -- the terminal adapter's arguments, messages and piped use -------------------------------------
import asyncio  # noqa: E402
import os  # noqa: E402

import pytest  # noqa: E402

from adapters.cli import build_parser  # noqa: E402


def run_in(tmp_path, args, stdin="", **env):
    """The command with its own data directory, piped (no terminal)."""
    full = {**os.environ, "ROLE_ADVISOR_DATA_DIR": str(tmp_path), **env}
    return subprocess.run(cli_cmd() + args, input=stdin, capture_output=True, text=True, timeout=120, env=full)


def one_clear_line(r):
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    return r.stderr


@pytest.mark.parametrize("args", [["--count", "0"], ["--count", "100"], ["--count", "-3"], ["--json", "--count", "0"],
                                  ["--json", "--count", "51"], ["--onboarding", "--count", "0"]])
def test_quiz_count_outside_1_to_50_is_a_clear_error(tmp_path, args):
    r = run_in(tmp_path, ["quiz", *args], stdin="1\n" * 60)
    assert "1 to 50" in one_clear_line(r) and r.stdout == ""


def test_quiz_count_error_in_hungarian(tmp_path):
    assert "1 és 50 között" in one_clear_line(run_in(tmp_path, ["quiz", "--count", "0", "--lang", "hu"]))


def test_quiz_count_limits_accepted(tmp_path):
    assert len(run_in(tmp_path, ["quiz", "--json", "--count", "50", "--seed", "1"]).stdout.splitlines()) == 50
    r = run_in(tmp_path, ["quiz", "--count", "1", "--seed", "1"], stdin="1\n")
    assert r.returncode == 0 and "Question 1/1" in r.stdout and "Quiz finished" in r.stdout


@pytest.mark.parametrize("args,expect", [(["--limit", "0"], "1 to 100"), (["--limit", "-3"], "1 to 100"),
                                         (["--limit", "101"], "1 to 100"), (["--platform", "foo"], "invalid choice"),
                                         (["--limit", "x"], "invalid int")])
def test_leaderboard_arguments_are_checked(tmp_path, args, expect):
    assert expect in one_clear_line(run_in(tmp_path, ["leaderboard", *args]))


def test_leaderboard_good_arguments(tmp_path):
    r = run_in(tmp_path, ["leaderboard", "--limit", "1", "--platform", "telegram"])
    assert r.returncode == 0 and "Leaderboard" in r.stdout


def test_piped_quiz_letters_q_and_partial_score(tmp_path):
    """Piped answers are echoed after the prompt; a letter answers; q stops with the score so far."""
    items = [json.loads(l) for l in run_in(tmp_path, ["quiz", "--json", "--count", "3", "--seed", "4"]).stdout.splitlines()]
    right = "abcd"[items[0]["answer"]]
    r = run_in(tmp_path, ["quiz", "--count", "3", "--seed", "4"], stdin=f"{right.upper()}\nq\n2\n")
    assert r.returncode == 0, r.stderr
    assert f"): {right.upper()}\n✅ Right!" in r.stdout
    assert "Quiz stopped after 1 of 3 questions: 1/1 right (100%)." in r.stdout and "Question 3/3" not in r.stdout
    r = run_in(tmp_path, ["quiz", "--count", "3", "--seed", "4", "--lang", "hu"], stdin="")  # input ends at once
    assert r.returncode == 0 and "mielőtt a 3 kérdés közül egyre is válaszoltál volna" in r.stdout


def test_failed_onboarding_says_when_to_retry(tmp_path):
    args = ["--count", "2", "--seed", "3", "--kinds", "kpi"]
    items = [json.loads(l) for l in run_in(tmp_path, ["quiz", "--json", *args]).stdout.splitlines()]
    wrong = "".join(f"{(it['answer'] + 1) % len(it['options']) + 1}\n" for it in items)
    # the onboarding quiz's length and kinds are the community's settings, not options
    env = {"ROLE_ADVISOR_ONBOARDING_COOLDOWN": "1800", "ROLE_ADVISOR_ONBOARDING_COUNT": "2",
           "ROLE_ADVISOR_ONBOARDING_KINDS": "kpi"}
    r = run_in(tmp_path, ["quiz", "--onboarding", "--seed", "3"], stdin=wrong, **env)
    assert r.returncode == 0 and "Not passed yet" in r.stdout
    assert "You can retake the onboarding quiz in 30 minutes." in r.stdout
    again = run_in(tmp_path, ["quiz", "--onboarding", "--lang", "hu", "--seed", "3"], stdin=wrong, **env)
    assert "30 perc múlva próbálhatod újra" in one_clear_line(again)


def test_onboarding_cannot_be_shortened_from_the_command_line(tmp_path):
    r = run_in(tmp_path, ["quiz", "--onboarding", "--count", "1"], stdin="1\n")
    assert r.returncode == 2 and "always has the community's 5 questions" in one_clear_line(r)


async def _seed_user(tmp_path, platform, user):
    from bot.storage import SQLiteStorage

    store = SQLiteStorage(tmp_path / "role-advisor.sqlite3")
    await store.open()
    try:
        await store.touch_user(platform, user, 1_700_000_000.0, "Someone")
        await store.set_lang(platform, user, "hu", 1_700_000_000.0)
        return await store.count_rows_about(platform, user)
    finally:
        await store.close()


def test_forget_needs_confirmation_and_names_the_user(tmp_path):
    assert asyncio.run(_seed_user(tmp_path, "telegram", "4242")) > 0
    # no terminal to ask at: nothing is deleted without --yes
    r = run_in(tmp_path, ["forget", "--platform", "telegram", "--user", "4242"])
    assert "--yes" in one_clear_line(r)
    assert asyncio.run(_seed_user(tmp_path, "telegram", "4242")) > 0
    r = run_in(tmp_path, ["forget", "--platform", "telegram", "--user", "4242", "--yes"])
    assert r.returncode == 0
    assert "everything stored about telegram user 4242 has been deleted" in r.stdout and "you" not in r.stdout
    r = run_in(tmp_path, ["forget", "--platform", "telegram", "--user", "4242", "--yes", "--lang", "hu"])
    assert r.returncode == 0 and "A telegram-felhasználóról semmit sem tárolok (azonosító: 4242)." in r.stdout
    # another platform needs an id; an unknown platform is refused
    assert "--user" in one_clear_line(run_in(tmp_path, ["forget", "--platform", "discord", "--yes"]))
    assert "invalid choice" in one_clear_line(run_in(tmp_path, ["forget", "--platform", "slack", "--user", "1", "--yes"]))
    # the terminal user's own data: "you"
    run_in(tmp_path, ["quiz", "--count", "1", "--seed", "1"], stdin="1\n")
    r = run_in(tmp_path, ["forget", "--yes"])
    assert r.returncode == 0 and "everything stored about you here has been deleted" in r.stdout


def test_version():
    from importlib.metadata import version

    r = run(["--version"])
    assert r.returncode == 0 and r.stdout.decode().strip() == f"role-advisor {version('role-advisor')}"


def test_every_command_and_option_is_described():
    parser = build_parser()
    sub = parser._subparsers._group_actions[0]
    helps = {a.dest: a.help for a in sub._choices_actions}
    names = set(sub.choices)
    assert {"ask", "chat", "quiz", "leaderboard", "forget", "report", "health", "telegram", "discord"} <= names
    for name, sp in sub.choices.items():
        assert helps.get(name) and sp.description == helps[name], name  # one line, in the list and in --help
        for action in sp._actions:
            assert action.help, f"{name} {action.option_strings or action.dest} has no help text"
    r = run(["leaderboard", "--help"])
    out = r.stdout.decode()
    assert r.returncode == 0 and "quiz leaderboard, per community or overall" in out and "rows to show" in out


def test_bad_arguments_are_one_line():
    r = run(["quiz", "--count", "many"])
    err = r.stderr.decode()
    assert r.returncode == 2 and len(err.strip().splitlines()) == 1 and "--count" in err


def test_piped_chat_shows_each_question_before_its_answer():
    r = run(["chat"], stdin="What are the KPIs?\nmi a C.4?\n/quit\n".encode())
    out = r.stdout.decode()
    assert r.returncode == 0
    q1, a1 = out.index("> What are the KPIs?"), out.index("Customer satisfaction")
    q2, a2 = out.index("> mi a C.4?"), out.index("Problémakezelés")
    assert q1 < a1 < q2 < a2


def test_readme_commands_table_matches_the_parser():
    """Every command is in the README's table, and every option the table shows exists."""
    import re

    from conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Commands", 1)[1].split("\n## ", 1)[0]
    parser = build_parser()
    sub = parser._subparsers._group_actions[0]
    listed = {}
    for row in section.splitlines():
        m = re.match(r"\| `role-advisor (\S+)([^`]*)`", row)
        if m:
            listed.setdefault(m.group(1), set()).update(re.findall(r"--[a-z][a-z-]*", m.group(2)))
    assert set(sub.choices) == set(listed) - {"--version"}
    for name, options in listed.items():
        known = {o for a in (parser if name == "--version" else sub.choices[name])._actions for o in a.option_strings}
        assert options <= known, f"README shows {options - known} for {name}"


def test_terminal_questions_are_not_logged(tmp_path):
    """As the README says: the terminal's chat and ask keep no question log (no database at all)."""
    assert run_in(tmp_path, ["ask", "What are the KPIs?"]).returncode == 0
    assert run_in(tmp_path, ["chat"], stdin="What are the KPIs?\n").returncode == 0
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_unknown_quiz_kind_is_one_line_in_the_quiz_language(tmp_path, json_flag):
    err = one_clear_line(run_in(tmp_path, ["quiz", *json_flag, "--kinds", "kpi,bogus", "--lang", "hu"]))
    assert err.startswith("Nem készíthető kvíz: ismeretlen típus: bogus;") and "skill_meaning" in err


def test_verbose_adds_the_editorial_notes_in_the_terminal(tmp_path):
    plain = run_in(tmp_path, ["ask", "What are the deliverables?"])
    verbose = run_in(tmp_path, ["ask", "--verbose", "What are the deliverables?"])
    assert plain.returncode == verbose.returncode == 0
    assert "[Hungarian edition only]" in verbose.stdout and "[Hungarian edition only]" not in plain.stdout
    chat = run_in(tmp_path, ["chat", "--verbose"], stdin="What are the deliverables?\n")
    assert "[Hungarian edition only]" in chat.stdout
