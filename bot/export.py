"""The profile as a Markdown (CommonMark, with a GFM table) wiki page, in one or both languages.

The texts are the answers' texts with the editorial notes on where each comes from; every block
is separated by a blank line (a line after a list item would otherwise continue the item), and
text is escaped so that nothing in it turns into Markdown ("3. szint" at the start of a list item
would open a numbered list). With both languages there is one page title, a section per language
and a rule between them.
"""
from __future__ import annotations

import re

from .answers import ks_items, role_answer
from .i18n import t
from .kb import Profile

_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")
_BLOCK_START = re.compile(r"^(\s*)(\d+)([.)])(\s|$)|^(\s*)([#+=~-])")


def _esc(text: str) -> str:
    """``text`` as literal Markdown text (inline and at the start of a block)."""
    text = _SPECIAL.sub(r"\\\1", text)
    return _BLOCK_START.sub(lambda m: f"{m[1]}{m[2]}\\{m[3]}{m[4]}" if m[2] else f"{m[5]}\\{m[6]}", text, count=1)


def _blocks(plain: str) -> list[str]:
    """An answer's plain text as Markdown blocks: "• " lines become one list, other lines paragraphs."""
    out: list[str] = []
    items: list[str] = []
    for line in plain.split("\n"):
        if line.startswith("• "):
            items.append("- " + _esc(line[2:]))
            continue
        if items:
            out.append("\n".join(items))
            items = []
        if line.strip():
            out.append(_esc(line))
    if items:
        out.append("\n".join(items))
    return out


def _language(profile: Profile, lang: str, level: int) -> list[str]:
    h = "#" * level
    out = [f"{h} {_esc(t('export.heading_role', lang))}"]
    for field in ("title", "summary", "mission", "responsibility", "deliverables", "tasks", "environment", "kpis"):
        out += _blocks(role_answer(profile, field, lang, notes=True))
    out.append(f"{h} {_esc(t('export.heading_competences', lang))}")
    for c in profile.competences:
        area = profile.area(c.area)
        out.append(f"{h}# {_esc(c.code)} {_esc(c.title.get(lang))}")
        out.append(_esc(t("export.area", lang, letter=c.area, area=area.get(lang) if area else "")))
        out.append(f"{_esc(t('export.description', lang))}: {_esc(c.description.get(lang))}")
        out.append("\n".join("- " + _esc(t("comp.level_line", lang, n=n, text=lt.get(lang))) for n, lt in c.levels))
        out.append(_esc(t("comp.ks", lang, items=ks_items(profile, c, lang)) if c.ks else t("comp.ks_none", lang)))
        if c.origin == "hu" and lang == "en":
            out.append(_esc(t("comp.origin_hu", lang)))
    out.append(f"{h} {_esc(t('export.heading_skills', lang))}")
    table = [f"| {t('export.code', lang)} | {t('export.skill', lang)} | {t('export.needed_by', lang)} |", "|---|---|---|"]
    for sk in profile.skills:
        needing = ", ".join(c.code for c in profile.competences_needing(sk.code)) or "—"
        table.append(f"| {sk.code} | {_esc(sk.text.get(lang))} | {needing} |")
    out.append("\n".join(table))
    if profile.matrix:
        out.append(f"{h} {_esc(t('export.heading_matrix', lang))}")
        out += _blocks(role_answer(profile, "matrix", lang))
    if profile.discrepancies:
        out.append(f"{h} {_esc(t('export.heading_discrepancies', lang))}")
        # recorded in English in the knowledge file
        out.append("\n".join(f"- **{_esc(d.where)}** ({_esc(d.kind)}): {_esc(d.detail)} — {_esc(d.resolution)}"
                             for d in profile.discrepancies))
    return out


def to_markdown(profile: Profile, langs: tuple[str, ...] = ("en", "hu")) -> str:
    if len(langs) == 1:
        lang = langs[0]
        out = [f"# {_esc(profile.title.get(lang))} ({_esc(profile.framework)}, {_esc(profile.published)})"]
        out += _language(profile, lang, 2)
    else:
        titles = " / ".join(_esc(profile.title.get(lang)) for lang in langs)
        out = [f"# {titles} ({_esc(profile.framework)}, {_esc(profile.published)})"]
        for i, lang in enumerate(langs):
            if i:
                out.append("---")
            out.append(f"## {t('export.language', lang)}")
            out += _language(profile, lang, 3)
    return "\n\n".join(out) + "\n"
