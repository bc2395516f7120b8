"""`role-advisor export --format markdown`: the page is read by a real CommonMark parser (markdown-it-py,
with the GFM table extension), as a wiki would render it."""
import subprocess

import pytest
from markdown_it import MarkdownIt

from conftest import cli_cmd


def _export(*args) -> str:
    res = subprocess.run(cli_cmd() + ["export", "--format", "markdown", *args], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    return res.stdout


def _tokens(text):
    return MarkdownIt("commonmark").enable("table").parse(text)


def _text(inline) -> str:
    """The text a reader sees of an inline token (escapes resolved, line breaks as spaces)."""
    return "".join(" " if c.type in ("softbreak", "hardbreak") else c.content for c in inline.children)


def _headings(tokens):
    """(level, text) of every heading."""
    return [(int(tok.tag[1]), _text(tokens[i + 1])) for i, tok in enumerate(tokens) if tok.type == "heading_open"]


def _blocks(tokens):
    """The top-level blocks in order: ("p", text), ("ul", [item texts]), ("ol", …), ("h2", text), ("hr", "")."""
    out, i = [], 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.level != 0:
            i += 1
            continue
        if tok.type == "paragraph_open":
            out.append(("p", _text(tokens[i + 1])))
        elif tok.type == "heading_open":
            out.append((tok.tag, _text(tokens[i + 1])))
        elif tok.type == "hr":
            out.append(("hr", ""))
        elif tok.type in ("bullet_list_open", "ordered_list_open"):
            items, j = [], i + 1
            while tokens[j].type != tok.type.replace("_open", "_close") or tokens[j].level != 0:
                if tokens[j].type == "inline" and tokens[j].level == 3:  # a paragraph right in an item
                    items.append(_text(tokens[j]))
                j += 1
            out.append(("ul" if tok.type == "bullet_list_open" else "ol", items))
            i = j
        i += 1
    return out


def _after(blocks, kind, text):
    """The block right after the first block of ``kind`` whose text starts with ``text``."""
    for n, (k, v) in enumerate(blocks):
        if k == kind and isinstance(v, str) and v.startswith(text):
            return blocks[n + 1]
    raise AssertionError(f"no {kind} {text!r}")


@pytest.mark.parametrize("lang", ["en", "hu"])
def test_lists_stay_lists_and_each_label_is_its_own_paragraph(profile, lang):
    """"Contributes to:" used to merge into the last "Accountable for" bullet (a lazy continuation line)."""
    blocks = _blocks(_tokens(_export("--lang", lang)))
    acc = _after(blocks, "p", "Deliverables — Accountable for:" if lang == "en" else "Leszállítandó anyagok — Felelős:")
    assert acc[0] == "ul" and len(acc[1]) == len(profile.accountable)
    assert acc[1][0] == profile.accountable[0].get(lang)
    assert all("Contributes" not in x and "Hozzájáruló" not in x for x in acc[1])
    contrib = _after(blocks, "p", "Contributes to:" if lang == "en" else "Hozzájáruló:")
    assert contrib == ("ul", [x.get(lang) for x in profile.contributor])
    tasks = _after(blocks, "p", "Main tasks:" if lang == "en" else "Fő feladatok:")
    assert tasks[0] == "ul" and len(tasks[1]) == len(profile.tasks)
    kpis = _after(blocks, "p", "Key performance" if lang == "en" else "Kulcsfontosságú")
    assert kpis == ("ul", [x.get(lang) for x in profile.kpis])
    # the level lines are bullets, not numbered lists ("3. szint: …" at the start of an item)
    assert not [b for b in blocks if b[0] == "ol"]
    a4 = _after(blocks, "p", "e-CF area A" if lang == "en" else "e-CF A terület")
    assert a4[0] == "p"  # the description, then the levels
    levels = _after(blocks, "p", a4[1][:30])
    assert levels == ("ul", ["Level 3: " + profile.competence("A.3").levels[0][1].en] if lang == "en"
                      else ["3. szint: " + profile.competence("A.3").levels[0][1].hu])


@pytest.mark.parametrize("lang", ["en", "hu"])
def test_the_skills_table_has_a_name_in_every_header_cell(profile, lang):
    tokens = _tokens(_export("--lang", lang))
    heads = []
    for i, tok in enumerate(tokens):
        if tok.type == "th_open":
            heads.append(_text(tokens[i + 1]))
    assert heads == (["Code", "Knowledge or skill", "Needed by"] if lang == "en" else ["Kód", "Tudás vagy készség", "Ezekhez kell"])
    rows = [_text(tokens[i + 1]) for i, tok in enumerate(tokens) if tok.type == "td_open"]
    assert len(rows) == 3 * len(profile.skills)
    assert rows[:2] == ["T01", profile.skill("T01").text.get(lang)]


@pytest.mark.parametrize("lang", ["en", "hu"])
def test_one_heading_per_competence_and_no_repeat_of_it(profile, lang):
    tokens = _tokens(_export("--lang", lang))
    heads = _headings(tokens)
    for c in profile.competences:
        name = f"{c.code} {c.title.get(lang)}"
        assert heads.count((3, name)) == 1, name
        texts = [_text(tok) for tok in tokens if tok.type == "inline"]
        assert not [x for x in texts if x.startswith(name + " (")], name  # "A.3 … (e-CF area A: Plan)"
    assert [lvl for lvl, _ in heads].count(1) == 1


def test_both_languages_are_one_page_with_a_section_each_and_a_rule_between(profile):
    tokens = _tokens(_export("--lang", "both"))
    heads = _headings(tokens)
    assert [h for h in heads if h[0] == 1] == [(1, "Online Community Manager / Online Közösség Menedzser (e-CF, 2012-05)")]
    assert [h for h in heads if h[0] == 2] == [(2, "English"), (2, "Magyar")]
    blocks = _blocks(tokens)
    assert blocks.index(("hr", "")) == blocks.index(("h2", "Magyar")) - 1
    # everything of a language sits under its section, one level down
    en_c4 = heads.index((4, "C.4 Problem Management"))
    hu_c4 = heads.index((4, "C.4 Problémakezelés"))
    assert heads.index((2, "English")) < en_c4 < heads.index((2, "Magyar")) < hu_c4
    assert (3, "Knowledge and skills") in heads and (3, "Tudás és készségek") in heads


def test_the_export_keeps_the_editorial_notes():
    texts = [_text(tok) for tok in _tokens(_export("--lang", "en")) if tok.type == "inline"]
    assert "Social networks [Hungarian edition only]" in texts
    assert [x for x in texts if x.startswith("Mission:") and x.endswith("(The English edition is cut off here; completed from the Hungarian.)")]
    assert [x for x in texts if x.startswith("Note: this competence is in the Hungarian edition only")]
