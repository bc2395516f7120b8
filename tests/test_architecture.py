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
