"""Quiz items generated from a profile: multiple choice, bilingual, deterministic for a seed.

Every item is built from the knowledge base (no hand-written question bank): a question, 2-4
options with exactly one right, the index of the right one, the topic it tests (the answering
core's topic ids, so a wrong answer can be followed by a question to the advisor) and a one-line
explanation citing the profile section. Distractors are of the same kind, drawn from the profile,
checked never to be right as well, and never duplicates of another option.
"""
from __future__ import annotations

import random

from .i18n import join_list, t
from .kb import Competence, Profile
from .record import Record
from .text import fold

KINDS = (
    "competence_title", "competence_code", "competence_level", "skill_meaning", "skill_competence",
    "kpi", "deliverable", "task",
)
N_OPTIONS = 4
# Plausible level sets for distractors (e-CF levels run 1..5).
_LEVEL_SETS = ((1,), (2,), (3,), (4,), (5,), (1, 2), (2, 3), (3, 4), (4, 5), (2, 3, 4))


class QuizItem(Record):
    __slots__ = ("kind", "topic", "question", "options", "answer", "explanation")

    def to_dict(self) -> dict:
        return {
            "kind": self.kind, "topic": self.topic, "question": self.question,
            "options": list(self.options), "answer": self.answer, "explanation": self.explanation,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "QuizItem":
        return cls(d["kind"], d["topic"], d["question"], tuple(d["options"]), int(d["answer"]), d["explanation"])


class QuizError(ValueError):
    """A quiz request that cannot be met (unknown kind, nothing to ask)."""


def _item_text(text: str) -> str:
    return text.strip().rstrip(".")


def levels_text(levels: tuple[int, ...], lang: str) -> str:
    nums = [str(n) for n in levels]
    return t("quiz.level_one" if len(nums) == 1 else "quiz.level_many", lang, levels=join_list(nums, lang))


class QuizGenerator:
    """Builds items for one profile. ``rng`` is injected: same seed, same quiz."""

    def __init__(self, profile: Profile):
        self.p = profile
        # links a quiz must not rely on: a code printed for another (E.3 "B03" is B05's label)
        self._ambiguous = {(c.code, link.printed) for c in profile.competences for link in c.ks if link.printed}
        self._ambiguous |= {(c.code, link.code) for c in profile.competences for link in c.ks if link.printed}
        self._role = profile.title

    # -- public ---------------------------------------------------------------------------------
    def available_kinds(self) -> list[str]:
        return [k for k in KINDS if self._candidates(k)]

    def generate(self, rng: random.Random, lang: str = "en", count: int = 10, kinds: list[str] | None = None) -> list[QuizItem]:
        kinds = list(kinds or self.available_kinds())
        bad = [k for k in kinds if k not in KINDS]
        if bad:
            raise QuizError(f"unknown quiz kind(s): {', '.join(bad)}; known: {', '.join(KINDS)}")
        kinds = [k for k in kinds if self._candidates(k)]
        if not kinds or count < 1:
            raise QuizError("nothing to ask with these settings")
        # every (kind, subject) pair once before any repeats; kinds interleaved
        pools = {k: rng.sample(self._candidates(k), len(self._candidates(k))) for k in kinds}
        order = kinds[:]
        rng.shuffle(order)
        items: list[QuizItem] = []
        seen: set[tuple[str, str]] = set()
        i = 0
        while len(items) < count:
            kind = order[i % len(order)]
            i += 1
            pool = pools[kind]
            if not pool:
                pools[kind] = pool = rng.sample(self._candidates(kind), len(self._candidates(kind)))
                if len(seen) >= sum(len(self._candidates(k)) for k in kinds):
                    seen.clear()  # everything asked once: allow repeats
            subject = pool.pop()
            if (kind, subject) in seen and i < count * 20:
                continue
            seen.add((kind, subject))
            items.append(getattr(self, f"_make_{kind}")(subject, rng, lang))
        return items

    def make(self, kind: str, subject: str, rng: random.Random, lang: str = "en") -> QuizItem:
        return getattr(self, f"_make_{kind}")(subject, rng, lang)

    # -- candidates -----------------------------------------------------------------------------
    def _candidates(self, kind: str) -> list[str]:
        p = self.p
        if kind in ("competence_title", "competence_code"):
            return [c.code for c in p.competences] if len(p.competences) >= 2 else []
        if kind == "competence_level":
            return [c.code for c in p.competences]
        if kind == "skill_meaning":
            return [s.code for s in p.skills] if len(p.skills) >= 2 else []
        if kind == "skill_competence":
            out = []
            for s in p.skills:
                right = self._needing(s.code)
                wrong = self._not_needing(s.code)
                if right and wrong:
                    out.append(s.code)
            return out
        if kind == "kpi":
            return [str(i) for i in range(len(p.kpis))] if self._others("kpi") else []
        if kind == "deliverable":
            return [str(i) for i in range(len(p.accountable))] if self._others("deliverable") else []
        if kind == "task":
            return [str(i) for i in range(len(p.tasks))] if self._others("task") else []
        return []

    def _needing(self, code: str) -> list[Competence]:
        return [c for c in self.p.competences if code in c.ks_codes and (c.code, code) not in self._ambiguous]

    def _not_needing(self, code: str) -> list[Competence]:
        return [c for c in self.p.competences if code not in c.ks_codes and (c.code, code) not in self._ambiguous]

    def _others(self, kind: str) -> list:
        """Role-description items that are not of ``kind`` (distractors for kpi/deliverable/task)."""
        p = self.p
        groups = {"kpi": p.kpis, "deliverable": p.accountable + p.contributor, "task": p.tasks}
        own = {fold(_item_text(x.en)) for x in groups[kind]} | {fold(_item_text(x.hu)) for x in groups[kind]}
        out = []
        for k, items in groups.items():
            if k == kind:
                continue
            for x in items:
                if fold(_item_text(x.en)) not in own and fold(_item_text(x.hu)) not in own:
                    out.append(x)
        return out

    # -- assembling -----------------------------------------------------------------------------
    def _assemble(self, kind, topic, question, right: str, wrong: list[str], explanation, rng) -> QuizItem:
        options = [right]
        keys = {fold(right)}
        rng.shuffle(wrong)
        for w in wrong:
            if len(options) == N_OPTIONS:
                break
            if fold(w) not in keys:
                options.append(w)
                keys.add(fold(w))
        rng.shuffle(options)
        return QuizItem(kind, topic, question, tuple(options), options.index(right), explanation)

    def _comp_expl(self, c: Competence, lang: str) -> str:
        area = self.p.area(c.area)
        return t("quiz.expl.competence", lang, code=c.code, title=c.title.get(lang), letter=c.area,
                 area=area.get(lang) if area else "")

    def _make_competence_title(self, code, rng, lang):
        c = self.p.competence(code)
        wrong = [o.title.get(lang) for o in self.p.competences if o.code != code]
        q = t("quiz.q.competence_title", lang, code=code, role=self._role.get(lang))
        return self._assemble("competence_title", f"competence:{code}", q, c.title.get(lang), wrong, self._comp_expl(c, lang), rng)

    def _make_competence_code(self, code, rng, lang):
        c = self.p.competence(code)
        wrong = [o.code for o in self.p.competences if o.code != code]
        q = t("quiz.q.competence_code", lang, title=c.title.get(lang))
        return self._assemble("competence_code", f"competence:{code}", q, code, wrong, self._comp_expl(c, lang), rng)

    def _make_competence_level(self, code, rng, lang):
        c = self.p.competence(code)
        right = levels_text(c.level_numbers, lang)
        wrong = [levels_text(s, lang) for s in _LEVEL_SETS if s != c.level_numbers]
        q = t("quiz.q.competence_level", lang, code=code, title=c.title.get(lang))
        expl = t("quiz.expl.level", lang, code=code, title=c.title.get(lang), levels=right)
        return self._assemble("competence_level", f"competence:{code}", q, right, wrong, expl, rng)

    def _make_skill_meaning(self, code, rng, lang):
        s = self.p.skill(code)
        wrong = [o.text.get(lang) for o in self.p.skills if o.code != code]
        q = t("quiz.q.skill_meaning", lang, code=code)
        expl = t("quiz.expl.skill", lang, code=code, label=s.text.get(lang))
        return self._assemble("skill_meaning", f"skill:{code}", q, s.text.get(lang), wrong, expl, rng)

    def _make_skill_competence(self, code, rng, lang):
        s = self.p.skill(code)
        right_c = rng.choice(self._needing(code))
        fmt = lambda c: f"{c.code} {c.title.get(lang)}"  # noqa: E731
        wrong = [fmt(c) for c in self._not_needing(code)]
        q = t("quiz.q.skill_competence", lang, code=code, label=s.text.get(lang))
        comps = ", ".join(c.code for c in self.p.competences_needing(code))
        expl = t("quiz.expl.skill_competence", lang, code=code, comps=comps)
        return self._assemble("skill_competence", f"skill:{code}", q, fmt(right_c), wrong, expl, rng)

    def _role_item(self, kind, idx, rng, lang, items, label_key, topic):
        right = _item_text(items[int(idx)].get(lang))
        wrong = [_item_text(x.get(lang)) for x in self._others(kind)]
        q = t(f"quiz.q.{kind}", lang, role=self._role.get(lang))
        expl = t(label_key, lang, items="; ".join(_item_text(x.get(lang)) for x in items))
        return self._assemble(kind, topic, q, right, wrong, expl, rng)

    def _make_kpi(self, idx, rng, lang):
        return self._role_item("kpi", idx, rng, lang, self.p.kpis, "quiz.expl.kpi", "role:kpis")

    def _make_deliverable(self, idx, rng, lang):
        return self._role_item("deliverable", idx, rng, lang, self.p.accountable, "quiz.expl.deliverable", "role:deliverables")

    def _make_task(self, idx, rng, lang):
        return self._role_item("task", idx, rng, lang, self.p.tasks, "quiz.expl.task", "role:tasks")
