"""Quiz items: checked one by one, independently, against the detailed profile (many seeds, both
languages); determinism; kinds."""
import json
import random
import re
import subprocess

import pytest

from bot.quiz import KINDS, QuizError, QuizGenerator
from bot.text import fold
from conftest import cli_cmd
from test_knowledge import EXPECTED

def _levels_of(option):
    return tuple(int(d) for d in re.findall(r"\d", option))


def check_item(profile, it, lang):
    """Raises AssertionError when the item is wrong in any way."""
    opts = list(it.options)
    assert 2 <= len(opts) <= 4 and 0 <= it.answer < len(opts)
    assert len({fold(o) for o in opts}) == len(opts), "duplicate options"
    assert it.explanation.strip() and it.question.strip()
    right = opts[it.answer]
    wrong = [o for i, o in enumerate(opts) if i != it.answer]
    titles = {c.code: c.title.get(lang) for c in profile.competences}
    labels = {s.code: s.text.get(lang) for s in profile.skills}
    kind, topic = it.kind, it.topic
    if kind == "competence_title":
        code = topic.split(":")[1]
        assert code in it.question and right == titles[code]
        assert all(w in titles.values() and w != titles[code] for w in wrong)
    elif kind == "competence_code":
        code = topic.split(":")[1]
        assert right == code and titles[code] in it.question
        assert all(w in titles and w != code and titles[w] != titles[code] for w in wrong)
    elif kind == "competence_level":
        code = topic.split(":")[1]
        assert _levels_of(right) == tuple(EXPECTED[code][0]), (code, right)
        assert all(_levels_of(w) != tuple(EXPECTED[code][0]) for w in wrong)
    elif kind == "skill_meaning":
        code = topic.split(":")[1]
        assert code in it.question and right == labels[code]
        assert all(w in labels.values() and w != labels[code] for w in wrong)
    elif kind == "skill_competence":
        code = topic.split(":")[1]
        rc = right.split()[0]
        assert code in EXPECTED[rc][1], (code, right)
        for w in wrong:
            wc = w.split()[0]
            assert wc in EXPECTED and code not in EXPECTED[wc][1], (code, w)
        # E.3 prints B03 with B05's label: never used either way
        assert not (code in ("B03", "B05") and any(o.startswith("E.3 ") for o in opts))
    elif kind in ("kpi", "deliverable", "task"):
        pool = {"kpi": profile.kpis, "deliverable": profile.accountable, "task": profile.tasks}[kind]
        everything = {"kpi": profile.kpis, "deliverable": profile.accountable + profile.contributor, "task": profile.tasks}[kind]
        norm = lambda s: fold(s).strip().rstrip(".")  # noqa: E731
        good = {norm(x.get(lang)) for x in pool}
        assert norm(right) in good
        assert all(norm(w) not in {norm(x.get(lang)) for x in everything} for w in wrong)
    else:
        raise AssertionError(f"unknown kind {kind}")


def test_every_item_over_many_seeds_and_both_languages(advisor, profile):
    gen = QuizGenerator(profile)
    seen_kinds = set()
    n = 0
    for seed in range(150):
        for lang in ("en", "hu"):
            for it in gen.generate(random.Random(seed), lang, 12):
                check_item(profile, it, lang)
                assert advisor.has_topic(it.topic)
                seen_kinds.add(it.kind)
                n += 1
    assert seen_kinds == set(KINDS) and n == 150 * 2 * 12


def test_every_subject_of_every_kind(profile):
    gen = QuizGenerator(profile)
    for kind in KINDS:
        for subject in gen._candidates(kind):
            for lang in ("en", "hu"):
                for seed in range(5):
                    check_item(profile, gen.make(kind, subject, random.Random(seed), lang), lang)


def test_deterministic_for_a_seed(profile):
    gen = QuizGenerator(profile)
    a = [i.to_dict() for i in gen.generate(random.Random(7), "en", 10)]
    b = [i.to_dict() for i in gen.generate(random.Random(7), "en", 10)]
    c = [i.to_dict() for i in gen.generate(random.Random(8), "en", 10)]
    assert a == b and a != c
    hu = [i.to_dict() for i in gen.generate(random.Random(7), "hu", 10)]
    assert [x["kind"] for x in hu] == [x["kind"] for x in a] and hu[0]["question"] != a[0]["question"]


def test_no_repeats_before_the_pool_is_used_up(profile):
    gen = QuizGenerator(profile)
    items = gen.generate(random.Random(1), "en", 40)
    keys = [(i.kind, i.question, i.options[i.answer]) for i in items]
    assert len(set(keys)) == len(keys)


def test_kind_selection_and_errors(profile):
    gen = QuizGenerator(profile)
    items = gen.generate(random.Random(0), "en", 6, ["kpi"])
    assert {i.kind for i in items} == {"kpi"}
    with pytest.raises(QuizError):
        gen.generate(random.Random(0), "en", 5, ["nonsense"])
    with pytest.raises(QuizError):
        gen.generate(random.Random(0), "en", 0)


def test_cli_quiz_json():
    out = subprocess.run(cli_cmd() + ["quiz", "--json", "--count", "9", "--seed", "5", "--lang", "hu"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    rows = [json.loads(l) for l in out.stdout.splitlines()]
    assert len(rows) == 9
    assert set(rows[0]) == {"kind", "topic", "question", "options", "answer", "explanation"}
    again = subprocess.run(cli_cmd() + ["quiz", "--json", "--count", "9", "--seed", "5", "--lang", "hu"],
                           capture_output=True, text=True, timeout=120)
    assert again.stdout == out.stdout
    bad = subprocess.run(cli_cmd() + ["quiz", "--json", "--kinds", "bogus"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
