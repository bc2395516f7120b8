"""The runtime knowledge model: plain, immutable, cheap to import and to unpickle.

Built once from a validated :class:`bot.schema.Profile`; everything after load (matching,
answers, quizzes) reads these objects only.
"""
from __future__ import annotations

from .record import Record


class Text(Record):
    __slots__ = ("en", "hu", "origin", "reconstructed", "translated", "note")
    _defaults = {"origin": "both", "reconstructed": (), "translated": (), "note": None}
    # Fields: en: str; hu: str; origin: str; reconstructed: tuple[str, ...]; translated: tuple[str,
    # ...]; note: str | None

    def get(self, lang: str) -> str:
        return self.hu if lang == "hu" else self.en


class Skill(Record):
    __slots__ = ("code", "text", "category", "variants", "aliases")
    _defaults = {"variants": (), "aliases": ()}
    # Fields: code: str; text: Text; category: str; variants: tuple[tuple[str, str], ...] # (lang,
    # wording printed in the sources); aliases: tuple[tuple[str, str], ...] # (lang, how people say
    # it; matching only)


class KsLink(Record):
    __slots__ = ("code", "printed", "note")
    _defaults = {"printed": None, "note": None}
    # Fields: code: str; printed: str | None; note: str | None


class MatrixRow(Record):
    __slots__ = ("code", "en", "hu", "marks")
    # Fields: code: str; en: str; hu: str; marks: tuple[str, ...]

    def get(self, lang: str) -> str:
        return self.hu if lang == "hu" else self.en


class Competence(Record):
    __slots__ = ("code", "area", "origin", "title", "description", "levels", "ks", "aliases")
    _defaults = {"aliases": ()}
    # Fields: code: str; area: str; origin: str; title: Text; description: Text; levels:
    # tuple[tuple[int, Text], ...]; ks: tuple[KsLink, ...]; aliases: tuple[tuple[str, str], ...] #
    # (lang, alias)

    @property
    def ks_codes(self) -> tuple[str, ...]:
        return tuple(link.code for link in self.ks)

    @property
    def level_numbers(self) -> tuple[int, ...]:
        return tuple(n for n, _ in self.levels)


class Discrepancy(Record):
    __slots__ = ("id", "where", "kind", "detail", "resolution")
    # Fields: id: str; where: str; kind: str; detail: str; resolution: str


class Profile(Record):
    __slots__ = (
        "id", "framework", "published", "title", "alternative_names", "summary", "mission",
        "responsibility", "accountable", "contributor", "tasks", "environment", "kpis", "areas",
        "skills", "competences", "matrix", "discrepancies", "examples", "concepts", "_by_code"
    )
    _defaults = {"matrix": (), "discrepancies": (), "examples": (), "concepts": (), "_by_code": dict}
    # Fields: id: str; framework: str; published: str; title: Text; alternative_names: tuple[Text,
    # ...]; summary: Text; mission: Text; responsibility: Text; accountable: tuple[Text, ...];
    # contributor: tuple[Text, ...]; tasks: tuple[Text, ...]; environment: Text; kpis: tuple[Text,
    # ...]; areas: tuple[tuple[str, Text], ...]; skills: tuple[Skill, ...]; competences:
    # tuple[Competence, ...]; matrix: tuple[MatrixRow, ...]; discrepancies: tuple[Discrepancy, ...];
    # examples, concepts: tuple[tuple[str, str, str], ...] # (topic, lang, phrase); _by_code: dict

    def __post_init__(self):
        table = self._by_code
        table.update({("c", c.code): c for c in self.competences})
        table.update({("s", s.code): s for s in self.skills})
        table.update({("m", r.code): r for r in self.matrix})
        table.update({("a", k): t for k, t in self.areas})

    def competence(self, code: str) -> Competence | None:
        return self._by_code.get(("c", code))

    def skill(self, code: str) -> Skill | None:
        return self._by_code.get(("s", code))

    def matrix_row(self, code: str) -> MatrixRow | None:
        return self._by_code.get(("m", code))

    def area(self, letter: str) -> Text | None:
        return self._by_code.get(("a", letter))

    def competences_needing(self, ks_code: str) -> list[Competence]:
        return [c for c in self.competences if ks_code in c.ks_codes]

    def printed_links(self, ks_code: str) -> list[tuple[Competence, KsLink]]:
        """Competences whose source printed ``ks_code`` for what was resolved as another code."""
        return [(c, l) for c in self.competences for l in c.ks if l.printed == ks_code and l.code != ks_code]


def _text(d: dict) -> Text:
    return Text(
        en=d["en"],
        hu=d["hu"],
        origin=d.get("origin", "both"),
        reconstructed=tuple(d.get("reconstructed", ())),
        translated=tuple(d.get("translated", ())),
        note=d.get("note"),
    )


def from_schema(p) -> Profile:
    """Runtime profile from a validated :class:`bot.schema.Profile`."""
    d = p.model_dump()
    skills = tuple(
        Skill(
            code=code,
            text=_text(s),
            category=s["category"],
            variants=tuple((lang, v) for lang, vs in s.get("variants", {}).items() for v in vs),
            aliases=tuple((lang, v) for lang, vs in s.get("aliases", {}).items() for v in vs),
        )
        for code, s in d["knowledge_skills"].items()
    )
    comps = tuple(
        Competence(
            code=c["code"],
            area=c["code"][0],
            origin=c["origin"],
            title=_text(c["title"]),
            description=_text(c["description"]),
            levels=tuple((int(n), _text(t)) for n, t in c["levels"].items()),
            ks=tuple(KsLink(**k) for k in c["ks"]),
            aliases=tuple((lang, a) for lang, al in c.get("aliases", {}).items() for a in al),
        )
        for c in d["competences"]
    )
    matrix = tuple(
        MatrixRow(code=r["code"], en=r["en"], hu=r["hu"], marks=tuple(r["marks"]))
        for r in (d["matrix"] or {}).get("rows", ())
    )
    return Profile(
        id=d["id"],
        framework=d["framework"],
        published=d["published"],
        title=_text(d["title"]),
        alternative_names=tuple(_text(t) for t in d["alternative_names"]),
        summary=_text(d["summary"]),
        mission=_text(d["mission"]),
        responsibility=_text(d["responsibility"]),
        accountable=tuple(_text(t) for t in d["deliverables"]["accountable"]),
        contributor=tuple(_text(t) for t in d["deliverables"]["contributor"]),
        tasks=tuple(_text(t) for t in d["tasks"]),
        environment=_text(d["environment"]),
        kpis=tuple(_text(t) for t in d["kpis"]),
        areas=tuple((k, _text(t)) for k, t in d["areas"].items()),
        skills=skills,
        competences=comps,
        matrix=matrix,
        discrepancies=tuple(Discrepancy(**x) for x in d["discrepancies"]),
        examples=_phrases(d.get("examples") or {}),
        concepts=_phrases(d.get("concepts") or {}),
    )


def _phrases(by_topic: dict) -> tuple[tuple[str, str, str], ...]:
    return tuple((topic, lang, x) for topic, langs in by_topic.items() for lang in ("en", "hu") for x in langs.get(lang, ()))


class Lexicon(Record):
    """How people chat, whatever the profile (see ``knowledge/common/conversation.yaml``).
    smalltalk: (intent, lang, phrase); words, roles, role_heads: (lang, word)."""

    __slots__ = ("smalltalk", "words", "roles", "role_heads", "abbreviations", "requests")
    _defaults = {"smalltalk": (), "words": (), "roles": (), "role_heads": (), "abbreviations": (), "requests": ()}


def lexicon_from_schema(x) -> Lexicon:
    d = x.model_dump()

    def pairs(p):
        return tuple((lang, w) for lang in ("en", "hu") for w in p.get(lang, ()))

    return Lexicon(
        smalltalk=tuple((intent, lang, w) for intent, p in d["smalltalk"].items() for lang, w in pairs(p)),
        words=pairs(d["smalltalk_words"]),
        roles=pairs(d["roles"]),
        role_heads=pairs(d["role_heads"]),
        abbreviations=tuple(d["abbreviations"].items()),
        requests=pairs(d["requests"]),
    )
