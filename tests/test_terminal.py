"""The terminal as a user sees it: commands run in a real pseudo-terminal of a given size, and the
screen rendered by a terminal emulator (pyte) is checked, not the bytes written."""
import json
import os
import select
import subprocess
import time

import pytest

from conftest import cli_cmd

pty = pytest.importorskip("pty")
pyte = pytest.importorskip("pyte")


class Term:
    """One command in a pseudo-terminal ``cols`` × ``lines`` wide, its output fed to an emulator."""

    def __init__(self, args, cols, lines, env):
        import fcntl
        import struct
        import termios

        self.cols = cols
        self.screen = pyte.Screen(cols, lines)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = b""
        env = {k: v for k, v in env.items() if k not in ("COLUMNS", "LINES")}
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: size its terminal, then become the command
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", lines, cols, 0, 0))
            os.execvpe(cli_cmd()[0], cli_cmd() + args, {**env, "TERM": "xterm"})

    def _read(self, wait: float) -> bool:
        if not select.select([self.fd], [], [], wait)[0]:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # the command ended
            return False
        if not data:
            return False
        self.raw += data
        self.stream.feed(data)
        return True

    def wait_for(self, text: str, timeout: float = 60.0) -> None:
        """Read until ``text`` is on the screen, then until the output pauses."""
        end = time.time() + timeout
        while text not in self.text() and time.time() < end:
            self._read(0.1)
        assert text in self.text(), f"{text!r} never appeared:\n{self.text()}"
        while self._read(0.3):
            pass

    def wait_raw(self, text: str, timeout: float = 60.0) -> None:
        """Read until ``text`` was written (even if it has scrolled off the screen since)."""
        end = time.time() + timeout
        while text.encode() not in self.raw and time.time() < end:
            self._read(0.1)
        assert text.encode() in self.raw, f"{text!r} never written:\n{self.raw.decode('utf-8', 'replace')}"
        while self._read(0.3):
            pass

    def send(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def rows(self) -> list[str]:
        return [row.rstrip() for row in self.screen.display]

    def text(self) -> str:
        return "\n".join(self.rows())

    def words(self) -> str:
        """The screen's text as one line (rows joined by spaces)."""
        return " ".join(self.text().split())

    def close(self) -> int:
        end = time.time() + 30
        while time.time() < end:
            self._read(0.1)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
        os.kill(self.pid, 9)
        os.waitpid(self.pid, 0)
        raise AssertionError("the command did not end")


def _items(env, *args):
    out = subprocess.run(cli_cmd() + ["quiz", "--json", *args], capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


QUIZ = ["--count", "2", "--seed", "7", "--kinds", "task,kpi"]


@pytest.fixture
def env(tmp_path):
    return {**os.environ, "ROLE_ADVISOR_DATA_DIR": str(tmp_path)}


def _option_rows(rows: list[str], n: int) -> dict[int, list[int]]:
    """Screen rows where option ``i`` (1-based) starts: " › 2. …" or "   3. …"."""
    found: dict[int, list[int]] = {i: [] for i in range(1, n + 1)}
    for r, row in enumerate(rows):
        head = row[:6]
        for i in found:
            if head in (f" › {i}. ", f"   {i}. "):
                found[i].append(r)
    return found


@pytest.mark.parametrize("cols", [24, 12])
def test_quiz_menu_redraws_cleanly_when_options_are_wider_than_the_terminal(env, cols):
    """24 columns: an option of 42 characters takes several rows; 12: even single words do not
    fit beside the number. Moving the marker up and down redraws the menu in place — every
    option once, one marker, nothing left over."""
    first, second = _items(env, *QUIZ)
    long_opts = [o for o in first["options"] if len(o) + 6 > cols]
    assert long_opts, "the test needs an option wider than the terminal"
    term = Term(["quiz", *QUIZ], cols=cols, lines=60, env=env)
    term.wait_for("4. ")
    keys = (b"\x1b[B", b"\x1b[B", b"\x1b[A", b"\x1b[B", b"\x1b[A")  # down, down, up, down, up: option 2
    for key in keys:
        term.send(key)
        time.sleep(0.15)
    end = time.time() + 30
    while term.raw.count(b"\x1b[J") < 1 + len(keys) and time.time() < end:  # the first draw and one per key
        term._read(0.1)
    term.wait_for("› 2.")
    rows = term.rows()
    starts = _option_rows(rows, 4)
    assert all(len(v) == 1 for v in starts.values()), term.text()  # each option drawn once
    assert sum(row.count("›") for row in rows) == 1 and rows[starts[2][0]].startswith(" › 2. ")
    assert term.text().count("Question 1/2") == 1
    # the wrapped option reads whole, words intact, continuation rows indented under it
    opt = long_opts[0] if cols >= 20 else None
    if opt:
        i = first["options"].index(opt) + 1
        r = starts[i][0]
        nxt = min([v[0] for v in starts.values() if v[0] > r] + [len(rows)])
        drawn = " ".join(row.strip() for row in rows[r:nxt] if row.strip())
        assert drawn.endswith(opt) and all(row.startswith("      ") for row in rows[r + 1:nxt] if row.strip())
    # Enter chooses the marked option (the second)
    term.send(b"\r")
    term.wait_for("Question 2/2")
    assert ("Right" in term.text()) == (first["answer"] == 1)
    term.send(b"q")
    term.wait_for("Quiz stopped")
    assert term.close() == 0


def test_quiz_keys_accept_letters_and_q_shows_the_partial_score(env):
    first, second = _items(env, *QUIZ)
    term = Term(["quiz", *QUIZ], cols=60, lines=40, env=env)
    term.wait_for("4. ")
    assert "a-d" in term.text()  # the hint names the letters
    term.send("abcd"[first["answer"]].encode())  # the right option, by its letter
    term.wait_for("Question 2/2")
    assert "✅ Right!" in term.text()
    term.wait_for("4. ")
    term.send(b"q")
    term.wait_for("Quiz stopped")
    assert "Quiz stopped after 1 of 2 questions: 1/1 right (100%)." in term.text()
    assert term.close() == 0


def test_typed_letters_and_q_in_a_terminal_without_menu(env):
    """A terminal too short for the menu falls back to typed answers: a letter works there too."""
    first, _ = _items(env, *QUIZ)
    term = Term(["quiz", *QUIZ, "--lang", "en"], cols=80, lines=7, env=env)
    term.wait_raw("Your answer")
    assert b"\x1b[J" not in term.raw  # no menu drawn
    term.send("abcd"[first["answer"]].upper().encode() + b"\r")
    term.wait_raw("Question 2/2")
    assert b"Right!" in term.raw
    term.wait_raw("4. ")
    term.send(b"q\r")
    term.wait_raw("Quiz stopped after 1 of 2 questions: 1/1 right (100%).")
    assert term.close() == 0


def test_chat_answers_are_wrapped_at_word_boundaries(env):
    """30 columns: the answer is wrapped between words, never inside one."""
    plain = subprocess.run(cli_cmd() + ["ask", "What are the main tasks?"], capture_output=True, text=True,
                           timeout=120, env=env).stdout
    words = set(plain.split())
    assert any(len(w) < 30 and len(line) > 30 for line in plain.splitlines() for w in line.split())
    term = Term(["chat"], cols=30, lines=60, env=env)
    term.wait_raw("> ")
    term.send(b"What are the main tasks?\r")
    term.wait_for("Management of")
    rows = term.rows()
    shown = {w for row in rows[rows.index(next(r for r in rows if r.startswith("Main tasks"))):] for w in row.split()}
    missing = words - shown
    assert not missing, f"split inside words: {sorted(missing)}\n{term.text()}"
    assert all(len(row) <= 30 for row in rows)
    term.send(b"/quit\r")
    term.wait_for("Bye!")
    assert term.close() == 0


def test_forget_asks_first_and_names_the_user(env, tmp_path):
    """At a terminal, forget asks: "n" keeps everything, "i" (igen) in Hungarian deletes; another
    user's data is named as theirs, never as "you"."""
    import asyncio

    from test_cli import _seed_user

    assert asyncio.run(_seed_user(tmp_path, "telegram", "4242")) > 0
    term = Term(["forget", "--platform", "telegram", "--user", "4242"], cols=80, lines=24, env=env)
    term.wait_for("[y/N]")
    assert "Delete everything stored about telegram user 4242" in term.words() and "you" not in term.text()
    term.send(b"n\r")
    term.wait_for("Nothing was deleted.")
    assert term.close() == 0
    assert asyncio.run(_seed_user(tmp_path, "telegram", "4242")) > 0  # still there
    term = Term(["forget", "--platform", "telegram", "--user", "4242", "--lang", "hu"], cols=80, lines=24, env=env)
    term.wait_for("[i/N]")
    assert "amit a telegram-felhasználóról tárolok (azonosító: 4242" in term.words()
    term.send(b"i\r")
    term.wait_for("Kész")
    assert "rólad" not in term.text() and "a telegram-felhasználóról tároltam" in term.words()
    assert term.close() == 0
    # the terminal user's own data: asked about "you"
    subprocess.run(cli_cmd() + ["quiz", "--count", "1", "--seed", "1"], input="1\n", text=True, capture_output=True,
                   timeout=120, env=env)
    term = Term(["forget"], cols=80, lines=24, env=env)
    term.wait_for("[y/N]")
    assert "Delete everything stored about you here" in term.words()
    term.send(b"y\r")
    term.wait_for("has been deleted")
    assert term.close() == 0


@pytest.mark.parametrize("lines", [40, 7])
def test_ctrl_c_stops_the_quiz_with_the_partial_score(env, lines):
    """Ctrl-C in the key menu (40 rows) and at the typed prompt (7 rows: no room for the menu)."""
    first, _ = _items(env, *QUIZ)
    term = Term(["quiz", *QUIZ], cols=80, lines=lines, env=env)
    term.wait_raw("4. ")
    term.send(str(first["answer"] + 1).encode() + (b"\r" if lines == 7 else b""))
    term.wait_raw("Question 2/2")
    term.wait_raw("4. ")
    term.send(b"\x03")
    term.wait_raw("Quiz stopped after 1 of 2 questions: 1/1 right (100%).", timeout=15)
    assert term.close() == 0
