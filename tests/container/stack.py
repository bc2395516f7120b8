"""`make container-test`: the image and the compose stack, for real, on this machine.

1. A Docker engine: the one running, else `../shared/tools/docker-standins.sh up` (a local engine and
   stand-ins for the base images; stopped again at the end).
2. The image, built once through docker-compose.yml (the bots share it), with the host's extra CA
   certificates passed as EXTRA_CA_CERTS; in it `ask` answers a question and `health` passes; it runs
   as a non-root user; no build argument is left in its history.
3. The stack from docker-compose.yml plus tests/container/compose.hostnet.yml (host network):
   PostgreSQL with a password holding @ : / % #, both Telegram instances in webhook mode against the
   stand-in Bot API (tests/telegram_stub.py, in this process, on 127.0.0.1) and the Discord bot. A
   question posted to each Telegram webhook is answered through the stand-in and logged in
   PostgreSQL; `health` passes inside every bot container, against PostgreSQL.
   Discord cannot be reached from here and has no stand-in: its bot runs with discord.com resolving
   to 127.0.0.1, where a socket accepts and never answers, so it stays up while logging in — enough
   to check its database (`health` in its container) and its stop, not its conversation.
4. Every container stops within 2 s of `docker stop` and exits 0; the bots' logs have time and
   level on every line, no traceback and no secret.
Nothing reaches an address other than 127.0.0.1, except the image build's package downloads.
Everything started here is stopped and removed at the end, whatever happens (also on SIGTERM).
"""
from __future__ import annotations

import asyncio
import json
import os
import pathlib
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from telegram_stub import FakeBotAPI, private_chat, user  # noqa: E402

STANDINS = pathlib.Path(os.environ.get("DOCKER_STANDINS", ROOT.parent / "shared" / "tools" / "docker-standins.sh"))
PROJECT = "roleadvisor-ct"
IMAGE = "role-advisor:latest"
STOP_LIMIT = 2.0
BOTS = ("telegram-1", "telegram-2", "discord")
SECRETS = {
    "POSTGRES_PASSWORD": "ct@pw:x/y%z#1-Secret",
    "TELEGRAM_BOT_TOKEN": "123456789:AActSecretTokenForTheStandIn_xyz",
    "TELEGRAM_WEBHOOK_SECRET": "ct-webhook-secret-42",
    "DISCORD_BOT_TOKEN": "MTIzNDU2.ct.discord-secret-token-value",
}
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (DEBUG|INFO|WARNING|ERROR|CRITICAL) \S+: ")


class Failed(Exception):
    pass


def say(msg: str) -> None:
    print(f"container-test: {msg}", flush=True)


def run(cmd: list[str], *, timeout: float = 120, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    if check and r.returncode != 0:
        tail = (r.stderr.strip() or r.stdout.strip()).splitlines()[-3:]
        raise Failed(f"{' '.join(cmd[:4])} … exited {r.returncode}: {' | '.join(tail)}")
    return r


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(what: str, predicate, timeout: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.1)
    raise Failed(f"timed out after {timeout:.0f} s waiting for {what}")


class Silent:
    """Accepts connections on 127.0.0.1:443 (discord.com here) and never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.sock.bind(("127.0.0.1", 443))
        except OSError as exc:
            raise Failed(f"127.0.0.1:443 is taken ({exc.strerror}): the Discord stand-in socket needs it") from None
        self.sock.listen(16)
        self.conns: list[socket.socket] = []
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


class Stub:
    """The stand-in Bot API in a thread of its own (the docker commands here block)."""

    def __init__(self):
        self.api = FakeBotAPI()
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()

        def serve():
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(self.api.start())
            ready.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()
        if not ready.wait(10):
            raise Failed("the stand-in Bot API did not start")

    def close(self):
        asyncio.run_coroutine_threadsafe(self.api.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


class Stack:
    def __init__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="ra-ct-")
        self.env_file = pathlib.Path(self.tmp.name) / "stack.env"
        # the .env way the compose file documents: single quotes keep @ : / % # as they are
        self.env_file.write_text("".join(f"{k}='{v}'\n" for k, v in SECRETS.items()), encoding="utf-8")
        self.ports = {"CT_PG_PORT": free_port(), "CT_TG1_PORT": free_port(), "CT_TG2_PORT": free_port()}
        self.env = dict(os.environ)
        self.files = ["-f", str(ROOT / "docker-compose.yml"), "-f", str(ROOT / "tests" / "container" / "compose.hostnet.yml")]
        self._merge()

    def _merge(self) -> None:
        """docker-compose 1.29 refuses published ports on the host network, and an override cannot
        remove the ports docker-compose.yml publishes: the two files are merged uninterpolated (no
        secret is written) and the ports of host-network services dropped (they would publish nothing)."""
        import yaml

        merged = yaml.safe_load(self.compose("config", "--no-interpolate", timeout=60).stdout)
        for svc in merged["services"].values():
            if svc.get("network_mode") == "host":
                svc.pop("ports", None)
        path = pathlib.Path(self.tmp.name) / "stack.yml"
        path.write_text(yaml.safe_dump(merged, sort_keys=False), encoding="utf-8")
        self.files = ["--project-directory", str(ROOT), "-f", str(path)]

    def compose(self, *args: str, timeout: float = 300, check: bool = True) -> subprocess.CompletedProcess:
        cmd = ["docker-compose", "--env-file", str(self.env_file), "-p", PROJECT, *self.files,
               "--profile", "telegram", "--profile", "discord", *args]
        env = {**self.env, **{k: str(v) for k, v in self.ports.items()}}
        return run(cmd, timeout=timeout, check=check, env=env)

    def container(self, service: str) -> str:
        cid = self.compose("ps", "-q", service, timeout=30).stdout.strip()
        if not cid:
            raise Failed(f"no container for {service}")
        return cid


def engine_up() -> bool:
    """True when this run started the engine (and must stop it)."""
    if _has("docker") and subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0:
        say("using the Docker engine already running")
        return False
    if not STANDINS.exists():
        raise Failed(f"no Docker engine, and no {STANDINS} to start one (set DOCKER_STANDINS)")
    start = time.monotonic()
    r = subprocess.run(["bash", str(STANDINS), "up"], cwd=ROOT, timeout=900, text=True, capture_output=True)
    if r.returncode != 0:
        raise Failed(f"docker-standins.sh up failed: {(r.stderr or r.stdout).strip().splitlines()[-1:]}")
    say(f"Docker engine and base-image stand-ins up in {time.monotonic() - start:.1f} s")
    return True


def _has(prog: str) -> bool:
    from shutil import which

    return which(prog) is not None


def check_image(figures: dict) -> None:
    r = run(["docker", "run", "--rm", "--network=host", IMAGE, "ask", "What are the KPIs of the role?"], timeout=60)
    if "Customer satisfaction" not in r.stdout:
        raise Failed(f"`ask` in the image did not answer the KPI question: {r.stdout[:200]!r}")
    r = run(["docker", "run", "--rm", "--network=host", IMAGE, "health"], timeout=60)
    if r.stdout.strip() != "ok":
        raise Failed(f"`health` in the image said {r.stdout.strip()!r}")
    uid = run(["docker", "run", "--rm", "--network=host", "--entrypoint", "id", IMAGE, "-u"], timeout=60).stdout.strip()
    if uid in ("", "0"):
        raise Failed("the image runs as root")
    history = run(["docker", "history", "--no-trunc", IMAGE], timeout=60).stdout
    if "BEGIN CERTIFICATE" in history or "EXTRA_CA_CERTS=" in history:
        raise Failed("a build argument is recorded in the final image's history")
    size = run(["docker", "image", "inspect", "-f", "{{.Size}}", IMAGE], timeout=30).stdout.strip()
    figures["image size"] = f"{int(size) / 1e6:.0f} MB"
    say(f"image: `ask` answers, `health` ok, runs as uid {uid}, no build argument in its history ({figures['image size']})")


def post_update(port: int, update: dict) -> None:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/telegram", data=json.dumps(update).encode(), method="POST",
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRETS["TELEGRAM_WEBHOOK_SECRET"]},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1, never a proxy
    with opener.open(req, timeout=10) as resp:
        if resp.status != 200:
            raise Failed(f"the webhook on port {port} answered {resp.status}")


def check_stack(stack: Stack, stub: Stub, silent: Silent, figures: dict) -> None:
    start = time.monotonic()
    stack.compose("up", "-d", "--no-build", "postgres", timeout=120)
    pg = stack.container("postgres")
    wait_until("PostgreSQL to be healthy", lambda: run(
        ["docker", "inspect", "-f", "{{.State.Health.Status}}", pg], timeout=30).stdout.strip() == "healthy", 90)
    stack.compose("up", "-d", "--no-build", timeout=180)
    api = stub.api
    wait_until("both Telegram instances to set their webhooks", lambda: len(api.sent("setWebhook")) >= 2, 90)
    wait_until("the Discord bot to log in (to the silent stand-in)", lambda: bool(silent.conns), 90)
    figures["stack up"] = f"{time.monotonic() - start:.1f} s"
    hooks = sorted(c["url"] for c in api.sent("setWebhook"))
    say(f"stack up in {figures['stack up']}: PostgreSQL healthy, webhooks set ({', '.join(hooks)}), Discord logging in")

    for n, port in enumerate((stack.ports["CT_TG1_PORT"], stack.ports["CT_TG2_PORT"]), start=1):
        uid = 7000 + n
        msg = {"message_id": n, "date": int(time.time()), "chat": private_chat(uid), "from": user(uid),
               "text": "What are the KPIs?"}
        post_update(port, {"update_id": 100 + n, "message": msg})
        wait_until(f"telegram-{n} to answer", lambda: any("Customer satisfaction" in m.get("text", "")
                                                           for m in api.sent("sendMessage", chat_id=uid)), 30)
    rows = run(["docker", "exec", pg, "psql", "-U", "advisor", "-d", "advisor", "-tAc",
                "SELECT count(*) FROM qa_log WHERE platform = 'telegram'"], timeout=30).stdout.strip()
    if rows != "2":
        raise Failed(f"PostgreSQL holds {rows!r} logged Telegram questions, not 2")
    say("a question to each Telegram webhook was answered through the stand-in Bot API and logged in PostgreSQL")
    for svc in BOTS:
        r = run(["docker", "exec", stack.container(svc), "role-advisor", "health"], timeout=60, check=False)
        if r.returncode != 0 or r.stdout.strip() != "ok":
            raise Failed(f"`health` in {svc} against PostgreSQL: {(r.stdout + r.stderr).strip()[:200]!r}")
    say("`health` passes in " + ", ".join(BOTS) + " against PostgreSQL (password with @ : / % # from .env)")


def check_stops_and_logs(stack: Stack, figures: dict) -> None:
    ids = {svc: stack.container(svc) for svc in (*BOTS, "postgres")}
    logs = {}
    times = {}
    for svc, cid in ids.items():
        start = time.monotonic()
        run(["docker", "stop", "-t", "10", cid], timeout=30)
        times[svc] = time.monotonic() - start
        code = run(["docker", "inspect", "-f", "{{.State.ExitCode}}", cid], timeout=30).stdout.strip()
        if svc in BOTS:
            logs[svc] = run(["docker", "logs", cid], timeout=30)
        if times[svc] > STOP_LIMIT or code != "0":
            raise Failed(f"{svc} took {times[svc]:.2f} s to stop after `docker stop` (limit {STOP_LIMIT:.0f} s), exit code {code}")
    figures["stop times"] = ", ".join(f"{svc} {t:.2f} s" for svc, t in times.items())
    say(f"docker stop: {figures['stop times']} (each exited 0)")
    for svc, r in logs.items():
        text = r.stdout + r.stderr
        for bad in ("Traceback", "Event loop is closed"):
            if bad in text:
                raise Failed(f"{svc}'s log holds {bad!r}:\n{text[-2000:]}")
        for name, value in SECRETS.items():
            if value in text:
                raise Failed(f"{svc}'s log shows {name}")
        odd = [l for l in text.splitlines() if l.strip() and not LOG_LINE.match(l)]
        if odd:
            raise Failed(f"{svc}'s log has a line without time and level: {odd[0][:200]!r}")
    say("bot logs: every line has time and level; no traceback, no secret")


def main() -> int:
    started = time.monotonic()
    figures: dict[str, str] = {}
    stack = stub = silent = None
    engine_started = False

    def on_term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    try:
        engine_started = engine_up()
        stack = Stack()
        stack.compose("down", "-v", "--remove-orphans", timeout=120, check=False)  # a previous run's leftovers
        extra = sorted(pathlib.Path("/usr/local/share/ca-certificates").glob("*.crt"))
        if extra:  # what a TLS-inspecting proxy needs; the stand-in base image trusts them too
            stack.env["EXTRA_CA_CERTS"] = "".join(p.read_text(encoding="utf-8") for p in extra)
        t = time.monotonic()
        stack.compose("build", "telegram-1", timeout=900)  # one image for every bot service
        figures["image build"] = f"{time.monotonic() - t:.1f} s"
        say(f"image {IMAGE} built in {figures['image build']}"
            + (f" (EXTRA_CA_CERTS: {len(extra)} certificate file(s) from the host)" if extra else ""))
        check_image(figures)
        stub, silent = Stub(), Silent()
        stack.ports["CT_STUB_PORT"] = stub.api.port
        check_stack(stack, stub, silent, figures)
        check_stops_and_logs(stack, figures)
        say(f"passed in {time.monotonic() - started:.1f} s")
        return 0
    except Failed as exc:
        say(f"FAILED: {exc}")
        return 1
    except KeyboardInterrupt:
        say("interrupted; cleaning up")
        return 130
    finally:
        if stack is not None:
            stack.compose("down", "-v", "--remove-orphans", timeout=120, check=False)
            stack.tmp.cleanup()
        for thing in (stub, silent):
            if thing is not None:
                thing.close()
        if engine_started:
            subprocess.run(["bash", str(STANDINS), "down"], cwd=ROOT, timeout=120, capture_output=True)


if __name__ == "__main__":
    sys.exit(main())
