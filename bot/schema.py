"""The knowledge-file schema: one e-CF role profile, bilingual, validated with pydantic.

Only the loader imports this module (pydantic costs ~180 ms to import and build); the rest of
the core works on the plain runtime model in :mod:`bot.kb`. The schema is generic: any e-CF profile (title, mission, deliverables, tasks, KPIs, competences
with levels and knowledge/skill codes, the summary matrix) fits it.
"""
from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Lang = Literal["en", "hu"]
LANGS: tuple[Lang, ...] = ("en", "hu")

COMPETENCE_CODE = re.compile(r"^[A-E]\.\d{1,2}$")
KS_CODE = re.compile(r"^[A-Z]\d{2}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A text in both languages, with where it comes from."""

    en: str = Field(min_length=1)
    hu: str = Field(min_length=1)
    origin: Literal["both", "en", "hu"] = "both"
    reconstructed: tuple[Lang, ...] = ()
    translated: tuple[Lang, ...] = ()
    note: str | None = None

    def get(self, lang: str) -> str:
        return self.hu if lang == "hu" else self.en

    @field_validator("en", "hu")
    @classmethod
    def _no_blank(cls, v: str) -> str:
        v = " ".join(v.split())
        if not v:
            raise ValueError("must not be blank")
        return v

    @model_validator(mode="after")
    def _provenance(self):
        if self.origin != "both":
            missing = "en" if self.origin == "hu" else "hu"
            if missing not in self.translated:
                raise ValueError(
                    f"origin is {self.origin!r} only, so the {missing!r} text must be listed in 'translated'"
                )
        if (self.reconstructed or self.translated) and not self.note and self.origin == "both":
            raise ValueError("a reconstructed or translated text needs a 'note' saying what was printed")
        return self


class KnowledgeSkill(Text):
    category: Literal["technical", "behavioural", "business"]
    variants: dict[Lang, tuple[str, ...]] = {}  # other wordings printed in the sources
    aliases: dict[Lang, tuple[str, ...]] = {}  # how people say it (matching only, never shown)


class KsRef(_Strict):
    """A knowledge/skill code as listed by a competence; `printed` when the source printed another."""

    code: str
    printed: str | None = None
    note: str | None = None

    @field_validator("code", "printed")
    @classmethod
    def _code(cls, v):
        if v is not None and not KS_CODE.match(v):
            raise ValueError(f"{v!r} is not a knowledge/skill code like B11")
        return v

    @model_validator(mode="after")
    def _note_needed(self):
        if self.printed and not self.note:
            raise ValueError("a corrected code needs a 'note' saying why")
        return self


class Competence(_Strict):
    code: str
    origin: Literal["both", "en", "hu"] = "both"
    title: Text
    description: Text
    levels: dict[int, Text] = Field(min_length=1)
    ks: tuple[KsRef, ...] = ()
    aliases: dict[Lang, tuple[str, ...]] = {}

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        if not COMPETENCE_CODE.match(v):
            raise ValueError(f"{v!r} is not an e-CF competence code like C.4")
        return v

    @field_validator("levels")
    @classmethod
    def _levels(cls, v: dict[int, Text]) -> dict[int, Text]:
        bad = [k for k in v if not 1 <= k <= 5]
        if bad:
            raise ValueError(f"e-CF proficiency levels run from 1 to 5, not {bad}")
        return dict(sorted(v.items()))

    @field_validator("ks", mode="before")
    @classmethod
    def _ks(cls, v):
        if isinstance(v, (list, tuple)):
            return [{"code": x} if isinstance(x, str) else x for x in v]
        return v

    @property
    def area(self) -> str:
        return self.code[0]

    @property
    def ks_codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.ks)


class Deliverables(_Strict):
    accountable: tuple[Text, ...]
    contributor: tuple[Text, ...] = ()


class MatrixRow(_Strict):
    code: str
    en: str
    hu: str
    marks: tuple[str, ...] = ()

    def get(self, lang: str) -> str:
        return self.hu if lang == "hu" else self.en


class Matrix(_Strict):
    importance_column: Text | None = None
    rows: tuple[MatrixRow, ...]


class Discrepancy(_Strict):
    id: str
    where: str
    kind: str
    detail: str
    resolution: str


class Source(_Strict):
    file: str
    title: str


class Phrases(_Strict):
    """Phrases in each language (example questions, concept words, small talk, role names)."""

    en: tuple[str, ...] = ()
    hu: tuple[str, ...] = ()

    @field_validator("en", "hu")
    @classmethod
    def _clean(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        out = tuple(" ".join(x.split()) for x in v)
        if any(not x for x in out):
            raise ValueError("a phrase must not be blank")
        return out


ROLE_TOPICS = (
    "role:title", "role:summary", "role:mission", "role:responsibility", "role:deliverables", "role:tasks",
    "role:environment", "role:kpis", "role:competences", "role:matrix",
)


class Profile(_Strict):
    schema_version: Literal[1]
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    framework: str
    published: str
    sources: dict[Lang, Source]
    title: Text
    alternative_names: tuple[Text, ...] = ()
    summary: Text
    mission: Text
    responsibility: Text
    deliverables: Deliverables
    tasks: tuple[Text, ...] = Field(min_length=1)
    environment: Text
    kpis: tuple[Text, ...] = Field(min_length=1)
    areas: dict[str, Text]
    knowledge_skills: dict[str, KnowledgeSkill]
    competences: tuple[Competence, ...] = Field(min_length=1)
    matrix: Matrix | None = None
    discrepancies: tuple[Discrepancy, ...] = ()
    # How people ask (matching only, never shown): example questions per topic, and concept words
    # that point to a topic though the profile's text never uses them. A community extends these.
    examples: dict[str, Phrases] = {}
    concepts: dict[str, Phrases] = {}

    @field_validator("knowledge_skills")
    @classmethod
    def _ks_codes(cls, v: dict[str, KnowledgeSkill]) -> dict[str, KnowledgeSkill]:
        for code in v:
            if not KS_CODE.match(code):
                raise ValueError(f"{code!r} is not a knowledge/skill code like B11")
        return v

    def reference_problems(self) -> list[tuple[tuple, str]]:
        """What the field types cannot check: codes that must be defined elsewhere in the file, and
        things that must be unique. Each problem comes with the place of the offending entry (a
        location like pydantic's), so the loader reports its line rather than the top of the file."""
        out: list[tuple[tuple, str]] = []
        seen: dict[str, int] = {}
        for i, comp in enumerate(self.competences):
            at = ("competences", i)
            if comp.code in seen:
                out.append((at + ("code",), _msg("kb.ref_comp_twice", code=comp.code, first=seen[comp.code])))
            seen.setdefault(comp.code, i)
            if comp.area not in self.areas:
                out.append((at + ("code",), _msg("kb.ref_area", code=comp.code, area=comp.area)))
            listed: set[str] = set()
            for j, ref in enumerate(comp.ks):
                if ref.code not in self.knowledge_skills:
                    out.append((at + ("ks", j), _msg("kb.ref_ks", comp=comp.code, code=ref.code)))
                if ref.code in listed:
                    out.append((at + ("ks", j), _msg("kb.ref_ks_twice", comp=comp.code, code=ref.code)))
                listed.add(ref.code)
        if self.matrix:
            for j, row in enumerate(self.matrix.rows):
                at = ("matrix", "rows", j)
                if not COMPETENCE_CODE.match(row.code):
                    out.append((at + ("code",), _msg("kb.ref_matrix_code", code=row.code)))
                for k, mark in enumerate(row.marks):
                    if mark not in self.knowledge_skills:
                        out.append((at + ("marks", k), _msg("kb.ref_matrix_mark", row=row.code, code=mark)))
        topics = set(ROLE_TOPICS) | {f"competence:{c.code}" for c in self.competences}
        topics |= {f"skill:{k}" for k in self.knowledge_skills}
        for section in ("examples", "concepts"):
            for topic in getattr(self, section):
                if topic not in topics:
                    out.append(((section, topic), _msg("kb.ref_topic", section=section, topic=topic)))
        ids: set[str] = set()
        for j, d in enumerate(self.discrepancies):
            if d.id in ids:
                out.append((("discrepancies", j, "id"), _msg("kb.ref_discrepancy_twice", id=d.id)))
            ids.add(d.id)
        return out


def _msg(key: str, **values) -> str:
    from .i18n import t

    return t(key, "en", **values)


class SmallTalk(_Strict):
    greeting: Phrases
    thanks: Phrases
    help: Phrases
    bye: Phrases


class Lexicon(_Strict):
    """How people chat, whatever the profile: small talk, filler words, and other job roles (which
    the advisor declines). Shipped as ``knowledge/common/conversation.yaml``."""

    schema_version: Literal[1]
    smalltalk: SmallTalk
    smalltalk_words: Phrases = Phrases()
    roles: Phrases = Phrases()
    role_heads: Phrases = Phrases()
    abbreviations: dict[str, str] = {}
    requests: Phrases = Phrases()


class TaughtAnswer(_Strict):
    """A community answer in a taught file: its text in one or both languages, and the questions
    taught for it."""

    en: str | None = Field(default=None, min_length=1, max_length=2000)
    hu: str | None = Field(default=None, min_length=1, max_length=2000)
    questions: Phrases = Phrases()


class TaughtFile(_Strict):
    """What ``role-advisor export --format taught`` writes and ``import`` reads: the taught
    phrasings per topic in the profile file's ``examples`` format, and the community answers."""

    schema_version: Literal[1]
    kind: Literal["taught"]
    profile: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    examples: dict[str, Phrases] = {}
    community_answers: dict[str, TaughtAnswer] = {}
