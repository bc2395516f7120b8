"""The terminal as a user sees it: commands run in a real pseudo-terminal of a given size, and the
screen rendered by a terminal emulator (pyte) is checked, not the bytes written."""
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


@pytest.fixture
def env(tmp_path):
    return {**os.environ, "ROLE_ADVISOR_DATA_DIR": str(tmp_path)}


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
