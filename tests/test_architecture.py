"""The core stays platform-free; every message exists in both languages."""
import ast
import pathlib
import string

from bot.i18n import MESSAGES

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_core_imports_no_platform_or_adapter():
    for f in (ROOT / "bot").rglob("*.py"):
        tree = ast.parse(f.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for n in names:
                assert n.split(".")[0] not in ("telegram", "discord", "adapters"), f"{f.name} imports {n}"


def _fields(s):
    return {f for _, f, _, _ in string.Formatter().parse(s) if f}


def test_catalogue_is_bilingual_with_same_placeholders():
    for key, entry in MESSAGES.items():
        assert set(entry) == {"en", "hu"}, key
        assert entry["en"].strip() and entry["hu"].strip(), key
        assert _fields(entry["en"]) == _fields(entry["hu"]), key


def _adapter_imports(path: pathlib.Path) -> set[str]:
    """The adapters.* modules a file imports anywhere in it (function-level imports too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("adapters.")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "adapters":
                found |= {f"adapters.{a.name}" for a in node.names}
            elif node.module.startswith("adapters."):
                found.add(node.module)
    return found


def test_adapter_modules_import_in_one_direction():
    """No circle among the adapters' modules: the terminal's cli imports cli_quiz, never back."""
    graph = {f"adapters.{f.stem}": _adapter_imports(f) for f in (ROOT / "adapters").glob("*.py")}
    assert "adapters.cli_quiz" in graph["adapters.cli"]
    assert "adapters.cli" not in graph["adapters.cli_quiz"]

    def cycle_from(node, path):
        for nxt in graph.get(node, ()):
            if nxt in path:
                return path[path.index(nxt):] + [nxt]
            found = cycle_from(nxt, path + [nxt])
            if found:
                return found
        return None

    for module in graph:
        assert cycle_from(module, [module]) is None, " → ".join(cycle_from(module, [module]))


def test_parsing_the_command_line_loads_no_quiz_engine_storage_or_wrapping():
    """`role-advisor ask` starts fast: building the parser (and its argument bounds) imports neither
    the quiz engine, the storage, rapidfuzz nor wcwidth (only output to a terminal needs that)."""
    import subprocess
    import sys

    code = ("import sys; from adapters.cli import build_parser; build_parser().parse_args(['quiz', '--count', '3']); "
            "print(sorted(m for m in ('bot.quizzes', 'bot.storage', 'rapidfuzz', 'wcwidth', 'aiosqlite') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stdout + out.stderr


def test_hungarian_article_before_a_value_is_left_to_t():
    """A value's first sound decides "a" or "az" ("az A.3", "a B05"): the catalogue writes "a(z)"
    before every placeholder and t() chooses; a hard-coded "a {code}" gives "Mi a A.3?"."""
    import re

    bare = [key for key, entry in MESSAGES.items() if re.search(r"(?<![\w(])[Aa]z? [„“\"]?\{", entry["hu"])]
    assert not bare


def test_hungarian_article_before_a_number_follows_how_it_is_read():
    """Line numbers go into knowledge-file messages ("először a(z) {first}. sorban"): "az 1.", "az 5.",
    "az 50.", "az 1000." but "a 10." (tíz), "a 15." (tizenöt), "a 100." (száz)."""
    from bot.i18n import articles

    for n, art in ((1, "az"), (5, "az"), (50, "az"), (512, "az"), (1000, "az"), (1999, "az"), (1_000_000, "az"),
                   (2, "a"), (10, "a"), (15, "a"), (100, "a"), (150, "a"), (10000, "a"), (123456, "a")):
        assert articles(f"a(z) {n}. sorban") == f"{art} {n}. sorban", n
