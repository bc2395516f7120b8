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
