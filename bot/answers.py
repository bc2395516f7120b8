"""Answer texts for topics, in one neutral plain-text form (adapters render it for their platform).

``notes=True`` adds the editorial notes on where a text comes from ("[Hungarian edition only]",
"The English edition is cut off here …"): they belong in the export and in verbose answers, not in
what a member asking a question reads.
"""
from __future__ import annotations

from .i18n import join_list, t
from .kb import Competence, Profile, Text


def _with_note(text: Text, lang: str, notes: bool) -> str:
    body = text.get(lang)
    if not notes:
        return body
    if lang in text.translated:
        return f"{body} {t('label.translated', lang)}"
    if lang in text.reconstructed:
        return f"{body} {t('label.reconstructed', lang)}"
    return body


def _item(text: Text, lang: str, notes: bool) -> str:
    mark = ""
    if notes and text.origin == "hu":
        mark = t("label.item_from_hu", lang)
    elif notes and text.origin == "en":
        mark = t("label.item_from_en", lang)
    return f"• {text.get(lang)}{mark}"


def _levels(comp: Competence, lang: str) -> str:
    nums = [str(n) for n in comp.level_numbers]
    key = "comp.level_one" if len(nums) == 1 else "comp.level_many"
    return t(key, lang, levels=join_list(nums, lang))


def ks_items(profile: Profile, comp: Competence, lang: str) -> str:
    parts = []
    for link in comp.ks:
        sk = profile.skill(link.code)
        label = sk.text.get(lang) if sk else ""
        code = t("comp.printed", lang, code=link.code, printed=link.printed) if link.printed else link.code
        parts.append(f"{code} {label}".strip())
    return "; ".join(parts)


def competence_answer(
    profile: Profile, comp: Competence, lang: str, *, level: bool = False, ks: bool = False, matrix: bool = False,
    notes: bool = False,
) -> str:
    area = profile.area(comp.area)
    lines = [t("comp.header", lang, code=comp.code, title=comp.title.get(lang), letter=comp.area, area=area.get(lang) if area else "")]
    ks_line = t("comp.ks", lang, items=ks_items(profile, comp, lang)) if comp.ks else t("comp.ks_none", lang)
    level_lines = [_levels(comp, lang)] + [t("comp.level_line", lang, n=n, text=lt.get(lang)) for n, lt in comp.levels]
    if ks and not level:
        lines += [ks_line, _levels(comp, lang)]
    elif level and not ks:
        lines += level_lines + [ks_line]
    else:
        lines += [comp.description.get(lang)] + level_lines + [ks_line]
    if matrix:
        lines.append(matrix_row_line(profile, comp.code, lang))
    if notes and comp.origin == "hu" and lang == "en":
        lines.append(t("comp.origin_hu", lang))
    return "\n".join(lines)


def matrix_row_line(profile: Profile, code: str, lang: str) -> str:
    row = profile.matrix_row(code)
    if row is None:
        return ""
    marks = ", ".join(row.marks) if row.marks else t("comp.matrix_none", lang)
    line = t("comp.matrix", lang, code=code, title=row.get(lang), marks=marks)
    comp = profile.competence(code)
    if comp is not None and set(row.marks) != set(comp.ks_codes):
        line += " " + t("comp.matrix_differs", lang)
    return line


def skill_answer(profile: Profile, code: str, lang: str) -> str:
    sk = profile.skill(code)
    lines = [t("skill.header", lang, code=code, category=t(f"cat.{sk.category}", lang), text=sk.text.get(lang))]
    needing = profile.competences_needing(code)
    if needing:
        items = [f"{c.code} {c.title.get(lang)}" for c in needing]
        lines.append(t("skill.needed_by", lang, items="; ".join(items)))
    else:
        lines.append(t("skill.needed_by_none", lang, code=code))
    for comp, link in profile.printed_links(code):
        lines.append(t("skill.printed_elsewhere", lang, comp=comp.code, printed=link.printed, code=link.code))
    return "\n".join(lines)


def role_answer(profile: Profile, field: str, lang: str, *, notes: bool = False) -> str:
    if field == "title":
        lines = [f"{t('label.title', lang)}: {profile.title.get(lang)}"]
        other = "hu" if lang == "en" else "en"
        lines[0] += f" ({profile.title.get(other)})"
        if profile.alternative_names:
            lines.append(f"{t('label.alt_names', lang)}: " + "; ".join(n.get(lang) for n in profile.alternative_names))
        else:
            lines.append(t("label.alt_names_none", lang))
        return "\n".join(lines)
    if field in ("summary", "mission", "responsibility", "environment"):
        text = getattr(profile, field)
        return f"{t('label.' + field, lang)}: {_with_note(text, lang, notes)}"
    if field == "deliverables":
        lines = [f"{t('label.deliverables', lang)} — {t('label.accountable', lang)}:"]
        lines += [_item(x, lang, notes) for x in profile.accountable]
        if profile.contributor:
            lines.append(f"{t('label.contributor', lang)}:")
            lines += [_item(x, lang, notes) for x in profile.contributor]
        return "\n".join(lines)
    if field == "tasks":
        return "\n".join([f"{t('label.tasks', lang)}:"] + [_item(x, lang, notes) for x in profile.tasks])
    if field == "kpis":
        return "\n".join([f"{t('label.kpis', lang)}:"] + [_item(x, lang, notes) for x in profile.kpis])
    if field == "competences":
        lines = [t("label.competences", lang, title=profile.title.get(lang))]
        for c in profile.competences:
            ks = ", ".join(c.ks_codes) if c.ks else t("label.no_ks", lang)
            levels = join_list([str(n) for n in c.level_numbers], lang)
            lines.append("• " + t("label.competence_line", lang, code=c.code, title=c.title.get(lang), levels=levels, ks=ks))
        return "\n".join(lines)
    if field == "matrix":
        lines = [t("matrix.header", lang)]
        for row in profile.matrix:
            if row.marks:
                lines.append(f"• {row.code} {row.get(lang)}: {', '.join(row.marks)}")
        return "\n".join(lines)
    raise KeyError(field)


def topic_label(profile: Profile, topic: str, lang: str) -> str:
    kind, _, key = topic.partition(":")
    if kind == "role":
        return t(f"topic.{topic}", lang)
    if kind == "competence":
        comp = profile.competence(key)
        return t("topic.competence", lang, code=key, title=comp.title.get(lang) if comp else "")
    sk = profile.skill(key)
    return t("topic.skill", lang, code=key, title=sk.text.get(lang) if sk else "")
