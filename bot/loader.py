"""Finding, reading and validating knowledge files.

Every ``*.yaml`` in the knowledge directory is a profile. The directory is the ``knowledge``
package shipped with the install, or ``ROLE_ADVISOR_KNOWLEDGE`` when set. An invalid file
raises :class:`KnowledgeError` whose message names the file, the place in it (path and line)
and the problem.
"""
from __future__ import annotations

import os
from pathlib import Path

# PyYAML and pydantic (with the schema) are imported on first use only: a start whose profile is
# already validated and cached never needs them (see bot.advisor.load_compiled).

ENV_KNOWLEDGE = "ROLE_ADVISOR_KNOWLEDGE"
DEFAULT_PROFILE = "online-community-manager"


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

    return _validate(text, name, Lexicon, "the lexicon")


def profile_files(path: Path | str | None = None) -> list[Path]:
    """The profile files at ``path`` (a file, or a directory of ``*.yaml``)."""
    p = Path(path) if path is not None else knowledge_dir()
    if p.is_dir():
        found = sorted(x for x in p.iterdir() if x.suffix in (".yaml", ".yml") and x.is_file())
        if not found:
            raise KnowledgeError(f"{p}: no profile (*.yaml) in this directory")
        return found
    if not p.exists():
        raise KnowledgeError(f"{p}: no such file or directory")
    return [p]


def _yaml():
    import yaml

    return yaml, getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when the wheel has it


def _line_of(text: str, loc: tuple) -> int | None:
    """The line (1-based) of the YAML node at a pydantic error location, if it can be found."""
    yaml, _Loader = _yaml()
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return None
    best = node
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = None
            for k, v in node.value:
                if str(k.value) == str(part):
                    nxt = v
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            nxt = node.value[part]
        else:
            nxt = None
        if nxt is None:
            break
        node = best = nxt
    return best.start_mark.line + 1 if best is not None else None


def _place(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def parse_profile(text: str, name: str):
    """Parse and validate one profile; returns a :class:`bot.schema.Profile`."""
    from .schema import Profile

    return _validate(text, name, Profile, "a profile")


def _validate(text: str, name: str, model, what: str):
    yaml, _Loader = _yaml()
    from pydantic import ValidationError

    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise KnowledgeError(f"{name}: {where}: not valid YAML: {problem}") from exc
    if not isinstance(data, dict):
        raise KnowledgeError(f"{name}: line 1: {what} must be a mapping (key: value), not {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            loc = tuple(p for p in err["loc"] if p not in ("function-after", "function-before"))
            line = _line_of(text, loc)
            at = f"line {line}: " if line else ""
            msg = err["msg"].removeprefix("Value error, ")
            problems.append(f"{name}: {at}{_place(loc)}: {msg}")
        raise KnowledgeError("\n".join(problems)) from exc


def load_profile(path: Path | str):
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise KnowledgeError(f"{p}: cannot read: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise KnowledgeError(f"{p}: line {line}: not valid UTF-8 (byte {exc.start})") from exc
    return parse_profile(text, str(p))


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
            errors.append(f"{f}: id: profile id {pid!r} is used by another file too")
            continue
        loaded[pid] = result
    if errors:
        raise KnowledgeError("\n".join(errors))
    return loaded


def load_profiles(path: Path | str | None = None) -> dict:
    """All profiles at ``path`` by id, validated with the schema (no cache)."""
    return load_each(path, load_profile, lambda prof: prof.id)
