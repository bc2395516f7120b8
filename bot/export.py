"""The profile as a Markdown wiki page, in one or both languages."""
from __future__ import annotations

from .answers import role_answer
from .i18n import t
from .kb import Profile


def _esc(text: str) -> str:
    return text.replace("|", "\\|")


def to_markdown(profile: Profile, langs: tuple[str, ...] = ("en", "hu")) -> str:
    out: list[str] = []
    for lang in langs:
        out.append(f"# {profile.title.get(lang)} ({profile.framework}, {profile.published})\n")
        out.append(f"## {t('export.heading_role', lang)}\n")
        for field in ("title", "summary", "mission", "responsibility", "deliverables", "tasks", "environment", "kpis"):
            out.append(role_answer(profile, field, lang).replace("• ", "- ") + "\n")
        out.append(f"## {t('export.heading_competences', lang)}\n")
        for c in profile.competences:
            area = profile.area(c.area)
            out.append(f"### {c.code} {c.title.get(lang)}\n")
            out.append(t("comp.header", lang, code=c.code, title=c.title.get(lang), letter=c.area, area=area.get(lang) if area else "") + "\n")
            out.append(f"{t('export.description', lang)}: {c.description.get(lang)}\n")
            for n, lt in c.levels:
                out.append("- " + t("comp.level_line", lang, n=n, text=lt.get(lang)))
            out.append("")
            if c.ks:
                items = []
                for link in c.ks:
                    sk = profile.skill(link.code)
                    code = t("comp.printed", lang, code=link.code, printed=link.printed) if link.printed else link.code
                    items.append(f"{code} {sk.text.get(lang)}")
                out.append(t("comp.ks", lang, items="; ".join(items)) + "\n")
            else:
                out.append(t("comp.ks_none", lang) + "\n")
            if c.origin == "hu" and lang == "en":
                out.append(t("comp.origin_hu", lang) + "\n")
        out.append(f"## {t('export.heading_skills', lang)}\n")
        out.append(f"| | | {t('export.needed_by', lang)} |\n|---|---|---|")
        for sk in profile.skills:
            needing = ", ".join(c.code for c in profile.competences_needing(sk.code)) or "—"
            out.append(f"| {sk.code} | {_esc(sk.text.get(lang))} | {needing} |")
        out.append("")
        if profile.matrix:
            out.append(f"## {t('export.heading_matrix', lang)}\n")
            out.append(role_answer(profile, "matrix", lang).replace("• ", "- ") + "\n")
        if profile.discrepancies:
            out.append(f"## {t('export.heading_discrepancies', lang)}\n")
            for d in profile.discrepancies:  # recorded in English in the knowledge file
                out.append(f"- **{d.where}** ({d.kind}): {d.detail} — {d.resolution}")
            out.append("")
    return "\n".join(out)
