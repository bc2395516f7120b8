"""A PostgreSQL password holding characters that end a URL's parts (@ : / ? # %): accepted
percent-encoded in ROLE_ADVISOR_DATABASE_URL or as it is in ROLE_ADVISOR_DATABASE_PASSWORD; written
raw in the URL, refused with one line that names the fix; never in any output. Checked through
`role-advisor health` against a server on 127.0.0.1 that really asks for the password."""
import os
import subprocess
from urllib.parse import quote

import pytest

from conftest import cli_cmd

PASSWORD = "p@ss:w/rd?#50%-Zz"


@pytest.fixture(scope="module")
def pg_with_password():
    from pg_server import PgServer, PgUnavailable

    try:
        server = PgServer(password=PASSWORD).start()
    except PgUnavailable as exc:
        pytest.fail(f"PostgreSQL is needed for this test and could not start: {exc}", pytrace=False)
    yield server
    server.stop()


def _health(tmp_path, **env):
    e = {k: v for k, v in os.environ.items() if not k.startswith("ROLE_ADVISOR_DATABASE")}
    e.update(env, ROLE_ADVISOR_DATA_DIR=str(tmp_path))
    return subprocess.run(cli_cmd() + ["health"], capture_output=True, text=True, timeout=60, env=e)


def _never_shown(r):
    for piece in (PASSWORD, quote(PASSWORD, safe=""), "p@ss", "w/rd", "50%-Zz"):
        assert piece not in r.stdout and piece not in r.stderr, piece


def test_percent_encoded_password_in_the_url(pg_with_password, tmp_path):
    url = f"postgresql://postgres:{quote(PASSWORD, safe='')}@127.0.0.1:{pg_with_password.port}/postgres"
    r = _health(tmp_path, ROLE_ADVISOR_DATABASE_URL=url)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr
    _never_shown(r)


def test_password_in_its_own_variable(pg_with_password, tmp_path):
    url = f"postgresql://postgres@127.0.0.1:{pg_with_password.port}/postgres"
    r = _health(tmp_path, ROLE_ADVISOR_DATABASE_URL=url, ROLE_ADVISOR_DATABASE_PASSWORD=PASSWORD)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr
    _never_shown(r)
    # it is really the password that lets us in: without it (or with a wrong one) the server refuses
    for wrong in ({}, {"ROLE_ADVISOR_DATABASE_PASSWORD": PASSWORD[::-1]}):
        r = _health(tmp_path, ROLE_ADVISOR_DATABASE_URL=url, **wrong)
        assert r.returncode != 0 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
        _never_shown(r)
        for piece in (PASSWORD[::-1], "Zz-%05"):
            assert piece not in r.stderr


def test_raw_password_in_the_url_is_refused_with_the_fix(pg_with_password, tmp_path):
    url = f"postgresql://postgres:{PASSWORD}@127.0.0.1:{pg_with_password.port}/postgres"
    r = _health(tmp_path, ROLE_ADVISOR_DATABASE_URL=url)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "percent-encoded" in lines[0] and "ROLE_ADVISOR_DATABASE_PASSWORD" in lines[0]
    _never_shown(r)


@pytest.mark.parametrize("raw", ["a@b", "a:b", "a/b", "a?b", "a#b", "50%"])
def test_each_character_that_breaks_a_url_is_caught(raw):
    from bot.storage import StorageError, open_storage

    with pytest.raises(StorageError) as e:
        open_storage(f"postgresql://advisor:{raw}@db.example:5432/advisor")
    assert raw not in str(e.value)
    open_storage(f"postgresql://advisor:{quote(raw, safe='')}@db.example:5432/advisor")  # encoded: accepted


SECRET = "Zq9-s3cr3t pw@:/?#%"
ENC = quote(SECRET, safe="")


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


URL_SHAPES = [
    "postgresql://advisor:{enc}@127.0.0.1:{port}/db",
    "postgres://advisor:{enc}@127.0.0.1:{port}/db",
    "postgresql://advisor:{enc}@127.0.0.1:{port}",
    "postgresql://advisor:{enc}@127.0.0.1:{port}/db?sslmode=disable",
    "postgresql://advisor:{enc}@127.0.0.1:{port}/db#frag",
    "postgresql://advisor:{enc}@[::1]:{port}/db",
    "postgresql://advisor:{enc}@127.0.0.1:{port},127.0.0.1:{port}/db",
    "postgresql://127.0.0.1:{port}/db?user=advisor&password={enc}",
    "postgresql://127.0.0.1:{port}/db?password={enc}&user=advisor",
    "postgresql://advisor@127.0.0.1:{port}/db?password={enc}",
    "postgresql://127.0.0.1:{port}/db?sslmode=disable&password={enc}",
    "postgresql://advisor:{enc}@localhost:{port}/db?application_name=x",
    "postgresql://:{enc}@127.0.0.1:{port}/db",
    "postgresql://advisor:{enc}@127.0.0.1:{port}/db?passfile=/nonexistent&password={enc}",
    "postgresql://advisor:{simple}@127.0.0.1:{port}/db",
]


@pytest.mark.parametrize("shape", URL_SHAPES)
async def test_the_password_is_never_shown_in_any_url_shape(shape):
    from bot.storage import PostgresStorage, StorageError, open_storage, safe_url

    url = shape.format(enc=ENC, simple="simpleSecret99", port=_closed_port())
    forms = [SECRET, ENC, ENC.lower(), "simpleSecret99"]
    store = open_storage(url)
    assert isinstance(store, PostgresStorage)
    shown = [repr(store), safe_url(url)]
    with pytest.raises(StorageError) as err:
        await store.open()
    shown.append(str(err.value))
    for text in shown:
        for f in forms:
            assert f not in text, (shape, text)


@pytest.mark.parametrize("line", [
    "could not connect to postgresql://advisor:x9@db.internal:5432/advisor",
    "dsn postgresql://db.internal/advisor?user=advisor&password=x9&sslmode=require",
    "libpq: host=db.internal password='x9' user=advisor",
])
def test_a_short_password_is_masked_where_a_url_or_dsn_carries_it(line, capsys):
    """A password under 4 characters is not masked as a bare string (it would garble the log), but
    in a URL or a connection string it is, in the message and in the traceback alike."""
    import logging
    import sys
    import threading

    from adapters.logsetup import setup_logging

    hooks = sys.excepthook, threading.excepthook
    handler = setup_logging(logging.INFO, secrets=["x9"])
    try:
        try:
            raise RuntimeError(line)
        except RuntimeError:
            logging.getLogger("role_advisor.test").exception("failed: %s", line)
        out = capsys.readouterr().err
    finally:
        logging.getLogger().removeHandler(handler)
        sys.excepthook, threading.excepthook = hooks
    assert out.count("<secret>") == 2 and "x9" not in out, out


def test_the_drivers_reconnection_warnings_are_one_line(capsys):
    """asyncpg's pool logs a warning with a traceback while PostgreSQL restarts: one line now."""
    import logging
    import sys
    import threading

    from adapters.logsetup import setup_logging

    hooks = sys.excepthook, threading.excepthook
    handler = setup_logging(logging.INFO)
    try:
        try:
            raise ConnectionResetError("connection was closed in the middle of operation")
        except ConnectionResetError:
            logging.getLogger("asyncpg.pool").warning("Pool.release(): resetting connection with an error", exc_info=True)
        out = capsys.readouterr().err
    finally:
        logging.getLogger().removeHandler(handler)
        sys.excepthook, threading.excepthook = hooks
    assert out.count("\n") == 1 and "Traceback" not in out, out
    assert "WARNING" in out and "ConnectionResetError: connection was closed" in out
