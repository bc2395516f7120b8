"""A throwaway PostgreSQL server on 127.0.0.1 for tests and benchmarks: initdb into a temporary
directory, start on a free port, stop and delete at the end. Uses the distribution's binaries
(`make test` installs them as root); as root, the server runs as the 'postgres' user."""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid


class PgUnavailable(RuntimeError):
    pass


def _bin_dir() -> str:
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(d, "postgres")):
            return d
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl:
        return os.path.dirname(pg_ctl)
    raise PgUnavailable("no PostgreSQL server binaries (apt-get install postgresql)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    def __init__(self, password: str | None = None):
        """With ``password``, connections over TCP need it (scram-sha-256) — for tests of passwords
        that a URL cannot hold raw; without, every connection is trusted."""
        self.password = password
        self.bin = _bin_dir()
        self.dir = tempfile.mkdtemp(prefix="ra-pg-")
        self.data = os.path.join(self.dir, "data")
        self.port = _free_port()
        self.user = None
        if os.geteuid() == 0:
            try:
                self.user = pwd.getpwnam("postgres")
            except KeyError:
                raise PgUnavailable("running as root and there is no 'postgres' user to run the server") from None
            os.chown(self.dir, self.user.pw_uid, self.user.pw_gid)

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = [os.path.join(self.bin, args[0]), *args[1:]]
        if self.user is not None:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120)

    def start(self) -> "PgServer":
        auth = ["-A", "trust"]
        if self.password is not None:
            pwfile = os.path.join(self.dir, "pw")
            with open(pwfile, "w", encoding="utf-8") as f:
                f.write(self.password + "\n")
            if self.user is not None:
                os.chown(pwfile, self.user.pw_uid, self.user.pw_gid)
            auth = ["--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={pwfile}"]
        r = self._run("initdb", "-D", self.data, *auth, "-U", "postgres", "--no-sync", "-E", "UTF8")
        if r.returncode != 0:
            raise PgUnavailable(f"initdb failed: {r.stderr.strip()[-300:]}")
        return self.resume()

    def resume(self) -> "PgServer":
        """Start the server (again, after :meth:`halt`), on the same port and data."""
        opts = f"-p {self.port} -h 127.0.0.1 -k {self.dir} -c fsync=off -c max_connections=200"
        r = self._run("pg_ctl", "-D", self.data, "-o", opts, "-l", os.path.join(self.dir, "log"), "-w", "start")
        if r.returncode != 0:
            raise PgUnavailable(f"pg_ctl start failed: {r.stderr.strip()[-300:]}")
        return self

    def halt(self) -> None:
        """Stop the server, keeping its data (an outage)."""
        self._run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")

    @property
    def admin_url(self) -> str:
        if self.password is None:
            return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        from urllib.parse import quote

        return f"postgresql://postgres:{quote(self.password, safe='')}@127.0.0.1:{self.port}/postgres"

    async def new_database(self) -> str:
        import asyncpg

        name = "t_" + uuid.uuid4().hex[:12]
        conn = await asyncpg.connect(self.admin_url)
        try:
            await conn.execute(f"CREATE DATABASE {name}")
        finally:
            await conn.close()
        return self.admin_url.rsplit("/", 1)[0] + f"/{name}"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
