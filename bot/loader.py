"""Finding, reading and validating knowledge files.

Every ``*.yaml`` in the knowledge directory is a profile. The directory is the ``knowledge``
package shipped with the install, or ``ROLE_ADVISOR_KNOWLEDGE`` when set. An invalid file
raises :class:`KnowledgeError` whose message names the file, the place in it (line and path)
and the problem, one problem a line (the first :data:`MAX_REPORTED` of them).

Knowledge files come from communities, so a hostile or broken one must fail politely and fast:
a file is at most :data:`MAX_FILE_BYTES` with at most :data:`MAX_NODES` values, nested at most
:data:`MAX_DEPTH` deep, has no aliases (``*a``: a few lines of them expand to millions of nodes)
and no key twice in one mapping (YAML would keep the last one silently).
"""
from __future__ import annotations

import os
from pathlib import Path

from .i18n import t

# PyYAML and pydantic (with the schema) are imported on first use only: a start whose profile is
# already validated and cached never needs them (see bot.advisor.load_compiled).

ENV_KNOWLEDGE = "ROLE_ADVISOR_KNOWLEDGE"
DEFAULT_PROFILE = "online-community-manager"

MAX_FILE_BYTES = 2_000_000  # the shipped profile is 0.18 MB
MAX_DEPTH = 40  # the schema nests 6 deep
MAX_NODES = 100_000  # values (texts, lists, mappings) in one file; the shipped profile has 5,769
MAX_REPORTED = 20  # problems listed per file; the rest are counted
LANG = "en"  # knowledge errors are for the people who maintain the files; the catalogue has both


class KnowledgeError(Exception):
    """A knowledge file or directory that cannot be used; the message is for people."""


def knowledge_dir() -> Path:
    env = os.environ.get(ENV_KNOWLEDGE)
    if env:
        return Path(env)
    from importlib.resources import files

    return Path(str(files("knowledge")))


LEXICON_FILE = Path("common") / "conversation.yaml"


def lexicon_file(path: Path | str | None = None) -> Path:
    """The conversation lexicon beside the profiles at ``path`` (a knowledge directory may carry its
    own ``common/conversation.yaml``), else the one shipped with the package."""
    p = Path(path) if path is not None else knowledge_dir()
    own = (p if p.is_dir() else p.parent) / LEXICON_FILE
    if own.is_file():
        return own
    from importlib.resources import files

    return Path(str(files("knowledge"))) / LEXICON_FILE


def parse_lexicon(text: str, name: str):
    """Parse and validate the conversation lexicon; returns a :class:`bot.schema.Lexicon`."""
    from .schema import Lexicon

    return _validate(text, name, Lexicon, "lexicon")


def profile_files(path: Path | str | None = None) -> list[Path]:
    """The profile files at ``path`` (a file, or a directory of ``*.yaml``)."""
    p = Path(path) if path is not None else knowledge_dir()
    if p.is_dir():
        found = sorted(x for x in p.iterdir() if x.suffix in (".yaml", ".yml") and x.is_file())
        if not found:
            raise KnowledgeError(t("kb.no_profiles", LANG, name=p))
        return found
    if not p.exists():
        raise KnowledgeError(t("kb.missing", LANG, name=p))
    return [p]


def read_file(path: Path) -> bytes:
    """The bytes of a knowledge file, refused before reading when it is larger than the limit."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise KnowledgeError(_too_big(str(path), size))
        return path.read_bytes()
    except OSError as exc:
        raise KnowledgeError(t("kb.unreadable", LANG, name=path, error=exc.strerror or exc)) from exc


def decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise KnowledgeError(t("kb.not_utf8", LANG, name=name, line=line, byte=exc.start)) from exc


def _too_big(name: str, size: int) -> str:
    return t("kb.too_big", LANG, name=name, size=f"{size / 1e6:.1f}", limit=f"{MAX_FILE_BYTES / 1e6:.0f}")


# -- YAML --------------------------------------------------------------------------------------
class _Limit(Exception):
    """A file beyond what a knowledge file may be (``key`` names the catalogue message)."""

    def __init__(self, key: str, mark):
        super().__init__(key)
        self.key, self.mark = key, mark


_LOADER = None


def _yaml():
    """PyYAML and the loader class (built on first use)."""
    global _LOADER
    import yaml

    if _LOADER is None:
        _LOADER = loader_class()
    return yaml, _LOADER


def loader_class(pure: bool = False):
    """The YAML loader: libyaml's event parser when the wheel has it and ``pure`` is false (it
    parses without recursion, as fast as libyaml's whole loader here), PyYAML's own parser
    otherwise; nodes are composed in Python with a depth limit (libyaml's composer recurses in C,
    where a file nested 50,000 deep overflows the stack, and PyYAML's pure one hits Python's
    recursion limit), then built with the safe constructor."""
    from yaml.composer import Composer
    from yaml.constructor import SafeConstructor
    from yaml.events import AliasEvent, SequenceStartEvent
    from yaml.resolver import Resolver

    try:
        if pure:
            raise ImportError("the pure parser was asked for")
        from yaml._yaml import CParser

        parser_bases: tuple = (CParser,)

        def init_parser(self, text):
            CParser.__init__(self, text)
    except ImportError:  # no libyaml in this PyYAML, or asked for
        from yaml.parser import Parser
        from yaml.reader import Reader
        from yaml.scanner import Scanner

        parser_bases = (Reader, Scanner, Parser)

        def init_parser(self, text):
            Reader.__init__(self, text)
            Scanner.__init__(self)
            Parser.__init__(self)

    class Loader(Composer, SafeConstructor, Resolver, *parser_bases):
        def __init__(self, text):
            init_parser(self, text)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
            self.depth = self.nodes = 0

        def compose_node(self, parent, index):
            if self.check_event(AliasEvent):
                raise _Limit("kb.alias", self.peek_event().start_mark)
            if self.depth >= MAX_DEPTH:
                raise _Limit("kb.too_deep", self.peek_event().start_mark)
            if self.depth == 0 and self.check_event(SequenceStartEvent):  # said before reading it all
                raise _Limit("kb.not_mapping", self.peek_event().start_mark)
            self.nodes += 1
            if self.nodes > MAX_NODES:
                raise _Limit("kb.too_many", self.peek_event().start_mark)
            self.depth += 1
            try:
                node = Composer.compose_node(self, parent, index)
            finally:
                self.depth -= 1
            return node

    return Loader


def _compose(text: str, name: str, what: str):
    """The root node of ``text`` and the data it holds."""
    yaml, Loader = _yaml()
    loader = Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except _Limit as exc:
        line, col = exc.mark.line + 1, exc.mark.column + 1
        if exc.key == "kb.not_mapping":
            msg = t(f"kb.not_mapping_{what}", LANG, name=name, line=line, kind=t("kb.kind_list", LANG))
        else:
            msg = t(exc.key, LANG, name=name, line=line, column=col, depth=MAX_DEPTH, nodes=f"{MAX_NODES:,}")
        raise KnowledgeError(msg) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if mark is not None and "nesting depth" in problem:  # libyaml's own limit (1,000 levels)
            msg = t("kb.too_deep", LANG, name=name, line=mark.line + 1, column=mark.column + 1, depth=MAX_DEPTH)
        elif mark is not None:
            msg = t("kb.yaml", LANG, name=name, line=mark.line + 1, column=mark.column + 1, problem=problem)
        else:
            msg = t("kb.yaml_nowhere", LANG, name=name, problem=problem)
        raise KnowledgeError(msg) from None
    finally:
        loader.dispose()
    return node, data


class _Places:
    """Finds the line of a place (a pydantic error location) in the composed document."""

    def __init__(self, root):
        self.root = root
        self._maps: dict[int, dict[str, object]] = {}

    def line(self, loc: tuple) -> int:
        """The line of the deepest node on the way to ``loc`` (a missing key: its mapping's line)."""
        from yaml.nodes import MappingNode, SequenceNode

        node = self.root
        for part in loc:
            nxt = None
            if isinstance(node, MappingNode):
                keys = self._maps.get(id(node))
                if keys is None:  # the last of equal keys wins, as when the data is built
                    keys = self._maps[id(node)] = {str(k.value): v for k, v in node.value}
                nxt = keys.get(str(part))
            elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                nxt = node.value[part]
            if nxt is None:
                break
            node = nxt
        return node.start_mark.line + 1


def _duplicate_keys(root) -> list[tuple[int, tuple, int]]:
    """(line, place, line of the first one) of every key given twice in one mapping."""
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

    out = []
    stack = [(root, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, MappingNode):
            first: dict[str, int] = {}
            for k, v in node.value:
                key = str(k.value) if isinstance(k, ScalarNode) else None
                if key is not None:
                    if key in first:
                        out.append((k.start_mark.line + 1, path + (key,), first[key]))
                    else:
                        first[key] = k.start_mark.line + 1
                stack.append((v, path + (key,)))
        elif isinstance(node, SequenceNode):
            stack.extend((v, path + (i,)) for i, v in enumerate(node.value))
    return sorted(out)


def _place(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or t("kb.top_level", LANG)


def _kind(data) -> str:
    if isinstance(data, list):
        return t("kb.kind_list", LANG)
    if isinstance(data, str):
        return t("kb.kind_text", LANG)
    if isinstance(data, bool):
        return t("kb.kind_bool", LANG)
    if isinstance(data, (int, float)):
        return t("kb.kind_number", LANG)
    return t("kb.kind_other", LANG)


def parse_profile(text: str, name: str):
    """Parse and validate one profile; returns a :class:`bot.schema.Profile`."""
    from .schema import Profile

    return _validate(text, name, Profile, "profile")


def _validate(text: str, name: str, model, what: str):
    size = len(text.encode("utf-8")) if len(text) <= MAX_FILE_BYTES else len(text)
    if size > MAX_FILE_BYTES:
        raise KnowledgeError(_too_big(name, size))
    root, data = _compose(text, name, what)
    if data is None:
        raise KnowledgeError(t(f"kb.empty_{what}", LANG, name=name))
    if not isinstance(data, dict):
        line = root.start_mark.line + 1
        raise KnowledgeError(t(f"kb.not_mapping_{what}", LANG, name=name, line=line, kind=_kind(data)))
    from pydantic import ValidationError

    places = _Places(root)
    problems: list[tuple[int, tuple, str, object]] = []  # (line, place, catalogue key, detail)
    for line, loc, first in _duplicate_keys(root):
        problems.append((line, loc, "kb.duplicate", first))
    obj = None
    try:
        obj = model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False, include_context=False, include_input=False):
            loc = tuple(p for p in err["loc"] if p not in ("function-after", "function-before"))
            problems.append((places.line(loc), loc, "kb.problem", err["msg"].removeprefix("Value error, ")))
    if obj is not None and hasattr(obj, "reference_problems"):
        for loc, msg in obj.reference_problems():
            problems.append((places.line(loc), loc, "kb.problem", msg))
    if problems:
        problems.sort(key=lambda p: p[0])
        lines = [t(key, LANG, name=name, line=line, place=_place(loc), problem=detail, first=detail)
                 for line, loc, key, detail in problems[:MAX_REPORTED]]
        if len(problems) > MAX_REPORTED:
            lines.append(t("kb.more", LANG, name=name, n=len(problems) - MAX_REPORTED))
        raise KnowledgeError("\n".join(lines))
    return obj


def load_profile(path: Path | str):
    p = Path(path)
    return parse_profile(decode(read_file(p), str(p)), str(p))


def load_each(path, load_one, id_of) -> dict:
    """``load_one`` applied to every profile file at ``path``, by profile id (``id_of(result)``);
    every problem of every file reported together in one :class:`KnowledgeError`."""
    loaded: dict = {}
    errors: list[str] = []
    for f in profile_files(path):
        try:
            result = load_one(f)
        except KnowledgeError as exc:
            errors.append(str(exc))
            continue
        pid = id_of(result)
        if pid in loaded:
            errors.append(t("kb.same_id", LANG, name=f, id=pid))
            continue
        loaded[pid] = result
    if errors:
        raise KnowledgeError("\n".join(errors))
    return loaded


def load_profiles(path: Path | str | None = None) -> dict:
    """All profiles at ``path`` by id, validated with the schema (no cache)."""
    return load_each(path, load_profile, lambda prof: prof.id)
