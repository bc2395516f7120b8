"""Several processes on one SQLite file (two bots, or a bot and `role-advisor report`): starting
together on a fresh file, and working together on an existing one, nothing fails."""
import subprocess
import sys
import textwrap

from conftest import ROOT

WORKER = textwrap.dedent("""
    import asyncio, sys
    sys.path.insert(0, sys.argv[1])
    from bot.storage import SQLiteStorage

    async def main(path, who, n):
        store = SQLiteStorage(path)
        await store.open()
        failures = 0

        async def member(k):  # several members of one bot at once, as updates arrive
            nonlocal failures
            for i in range(n):
                try:
                    await store.touch_user("telegram", f"{who}-{k}", 1.0 + i, "Name")
                    await store.get_lang("telegram", f"{who}-{k}")
                    log_id = await store.log_question("telegram", "grp", f"{who}-{k}", "q?", "en", "role:kpis", 0.9, True, 2.0 + i)
                    await store.recent_turns("telegram", f"{who}-{k}", None, 0.0)
                    await store.vote(log_id, "telegram", f"{who}-v", 1, 3.0 + i)
                    await store.leaderboard()
                except Exception as exc:
                    failures += 1
                    print("FAIL", type(exc).__name__, exc, file=sys.stderr)

        try:
            await asyncio.gather(*(member(k) for k in range(8)))
        finally:
            await store.close()
        print(failures)

    asyncio.run(main(sys.argv[2], sys.argv[3], int(sys.argv[4])))
""")


def _start(path, who, n):
    return subprocess.Popen([sys.executable, "-c", WORKER, str(ROOT), str(path), who, str(n)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _failures(procs):
    out = []
    for p in procs:
        o, e = p.communicate(timeout=120)
        assert p.returncode == 0, e
        out.append((int(o.strip().splitlines()[-1]), e))
    return out


async def test_two_stores_of_one_process_opening_one_file_at_once(tmp_path):
    """The set-up lock is waited for off the event loop: two stores of one bot opening together
    (a quiz store and a log store, two instances in one process) do not freeze it."""
    import asyncio

    from bot.storage import SQLiteStorage

    stores = [SQLiteStorage(tmp_path / "one.sqlite3") for _ in range(3)]
    await asyncio.wait_for(asyncio.gather(*(s.open() for s in stores)), 10)
    for s in stores:
        await s.touch_user("cli", "u", 1.0)
        await s.close()


def test_two_processes_starting_together_on_a_fresh_file(tmp_path):
    for trial in range(40):
        path = tmp_path / f"fresh-{trial}.sqlite3"
        results = _failures([_start(path, "a", 1), _start(path, "b", 1)])
        assert all(n == 0 for n, _ in results), (trial, results)


def test_two_processes_working_on_one_file_never_see_database_is_locked(tmp_path):
    path = tmp_path / "shared.sqlite3"
    _failures([_start(path, "init", 1)])
    results = _failures([_start(path, "a", 40), _start(path, "b", 40), _start(path, "c", 40)])
    assert all(n == 0 for n, _ in results), results
