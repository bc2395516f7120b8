"""The profile cache cannot run code it did not write, and a tampered cache changes no answer:
files are authenticated (HMAC under a key kept in a 0700 directory) and must be this user's and
writable by nobody else; anything else is ignored and rebuilt."""
import os
import pickle
import stat

import pytest

from bot import Advisor
from bot.advisor import _seal


class _Boom:
    """Unpickling this runs code: it creates the file ``path``."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


@pytest.fixture
def cache(tmp_path, monkeypatch):
    d = tmp_path / "cache"
    monkeypatch.setenv("ROLE_ADVISOR_CACHE_DIR", str(d))
    Advisor.load()  # fills the cache
    files = list(d.glob("*.cache"))
    assert len(files) == 1
    return d, files[0]


def _kpis(advisor):
    a = advisor.ask("What are the KPIs?")
    return a.topic, a.answer


def test_cache_directory_and_files_are_private(cache):
    d, f = cache
    assert stat.S_IMODE(os.stat(d).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(f).st_mode) & 0o077 == 0
    assert stat.S_IMODE(os.stat(d / "key").st_mode) == 0o600


@pytest.mark.parametrize("how", ["raw pickle", "sealed with another key"])
def test_a_planted_cache_file_never_runs_code(cache, tmp_path, how):
    d, f = cache
    marker = tmp_path / "pwned"
    evil = pickle.dumps((1, _Boom(str(marker)), None))
    f.write_bytes(evil if how == "raw pickle" else _seal(os.urandom(32), evil))
    a = Advisor.load()
    assert not marker.exists()
    assert _kpis(a)[0] == "role:kpis"


def test_a_world_writable_cache_file_is_not_trusted_even_with_a_good_mac(cache, tmp_path):
    d, f = cache
    marker = tmp_path / "pwned"
    f.write_bytes(_seal((d / "key").read_bytes(), pickle.dumps((1, _Boom(str(marker)), None))))
    os.chmod(f, 0o666)  # anyone could have written it
    Advisor.load()
    assert not marker.exists()


def test_a_tampered_cache_changes_no_answer(cache):
    d, f = cache
    adv = Advisor.load()
    good = _kpis(adv)
    kpi = adv.profile.kpis[0].en.encode("utf-8")[:12]
    data = f.read_bytes()
    assert kpi in data
    f.write_bytes(data.replace(kpi, b"X" * len(kpi)))  # the answer text edited in place
    assert _kpis(Advisor.load()) == good


def test_an_open_cache_directory_is_left_alone_and_a_linked_one_is_not_used(tmp_path, monkeypatch):
    """A directory the operator chose (a shared one, say) is not re-moded: the cache goes into a
    private subdirectory of it."""
    d = tmp_path / "open"
    d.mkdir(mode=0o777)
    os.chmod(d, 0o777)
    monkeypatch.setenv("ROLE_ADVISOR_CACHE_DIR", str(d))
    Advisor.load()
    assert stat.S_IMODE(os.stat(d).st_mode) == 0o777
    sub = d / f"role-advisor-{os.getuid()}"
    assert stat.S_IMODE(os.stat(sub).st_mode) == 0o700 and len(list(sub.glob("*.cache"))) == 1
    assert not list(d.glob("*.cache"))
    link = tmp_path / "link"
    link.symlink_to(d)
    monkeypatch.setenv("ROLE_ADVISOR_CACHE_DIR", str(link))
    before = sorted(p.name for p in d.iterdir())
    assert _kpis(Advisor.load())[0] == "role:kpis"
    assert sorted(p.name for p in d.iterdir()) == before  # nothing written through the link


def test_processes_starting_together_agree_on_one_key(tmp_path, monkeypatch):
    """Several processes starting at once on an empty cache: one key, used by all (a key is linked
    into place whole, never read half-written and replaced), and the cache they leave serves the
    next start without validating the profile again (pydantic not even imported)."""
    import subprocess
    import sys

    d = tmp_path / "together"
    env = dict(os.environ, ROLE_ADVISOR_CACHE_DIR=str(d))
    code = "from bot import Advisor; Advisor.load(); print(open(__import__('sys').argv[1], 'rb').read().hex())"
    procs = [subprocess.Popen([sys.executable, "-c", code, str(d / "key")], env=env, stdout=subprocess.PIPE, text=True)
             for _ in range(6)]
    keys = {p.communicate(timeout=120)[0].strip() for p in procs}
    assert len(keys) == 1 and len(keys.pop()) == 64
    assert not list(d.glob(".key-*"))  # no temporary key left behind
    probe = "import sys; from bot import Advisor; Advisor.load(); print('pydantic' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True,
                          timeout=120).stdout.strip() == "False"
