import os
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
DATA = pathlib.Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session", autouse=True)
def _isolated_env(tmp_path_factory):
    """No test touches the user's cache or data directories."""
    cache = tmp_path_factory.mktemp("cache")
    data = tmp_path_factory.mktemp("data")
    old = {k: os.environ.get(k) for k in ("ROLE_ADVISOR_CACHE_DIR", "ROLE_ADVISOR_DATA_DIR", "ROLE_ADVISOR_KNOWLEDGE")}
    os.environ["ROLE_ADVISOR_CACHE_DIR"] = str(cache)
    os.environ["ROLE_ADVISOR_DATA_DIR"] = str(data)
    os.environ.pop("ROLE_ADVISOR_KNOWLEDGE", None)
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
    yield
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
def advisor(_isolated_env):
    from bot import Advisor

    return Advisor.load()


@pytest.fixture(scope="session")
def profile(advisor):
    return advisor.profile


def cli_cmd():
    """The installed console script, or the module form next to this interpreter."""
    exe = pathlib.Path(sys.executable).with_name("role-advisor")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "adapters"]


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server on 127.0.0.1 for the whole session. Where none can run, every test that
    needs it errors with the reason (never a skip: `make test` installs PostgreSQL first)."""
    from pg_server import PgServer, PgUnavailable

    try:
        server = PgServer().start()
    except PgUnavailable as exc:
        pytest.fail(f"PostgreSQL is needed for this test and could not start: {exc}", pytrace=False)
    yield server
    server.stop()


@pytest.fixture
async def pg_url(pg_server):
    """A fresh, empty database on the session's server."""
    return await pg_server.new_database()


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request, tmp_path):
    """The storage backends, each opened on an empty database."""
    from bot.storage import PostgresStorage, SQLiteStorage

    if request.param == "sqlite":
        s = SQLiteStorage(tmp_path / "db.sqlite3")
    else:
        server = request.getfixturevalue("pg_server")
        s = PostgresStorage(await server.new_database())
    await s.open()
    yield s
    await s.close()
