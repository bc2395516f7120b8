"""Taught phrasings and community answers as a file, for review: ``role-advisor export --format
taught`` writes YAML in the knowledge file's format (``examples`` per topic, ready to fold into a
profile file; ``community_answers`` beside them), ``role-advisor import`` reads it back into the
database, and ``validate`` checks it: a phrasing taught for a topic the knowledge does not have is
reported, never dropped in silence."""
from __future__ import annotations

import datetime as dt

from .i18n import t
from .taught import FAQ_ID

HEADER = ("# Taught by the community ({date}). Review, then fold `examples` into the profile file\n"
          "# (knowledge/{profile}.yaml); community_answers stay in the database (role-advisor import).\n")


def dump(rows, answers, profile_id: str, now: float) -> str:
    """YAML of the taught rows and community answers (bot.storage.Taught / CommunityAnswer)."""
    import yaml

    examples: dict[str, dict[str, list[str]]] = {}
    faq: dict[str, dict] = {a.id: {k: v for k, v in (("en", a.text_en), ("hu", a.text_hu)) if v} for a in answers}
    for row in rows:
        lang = row.lang if row.lang in ("en", "hu") else "en"
        if row.topic.startswith("faq:") and row.topic[4:] in faq:
            qs = faq[row.topic[4:]].setdefault("questions", {})
        else:
            qs = examples.setdefault(row.topic, {})
        qs.setdefault(lang, []).append(row.phrasing)
    doc = {"schema_version": 1, "kind": "taught", "profile": profile_id, "examples": examples,
           "community_answers": faq}
    day = dt.datetime.fromtimestamp(now, dt.timezone.utc).date().isoformat()
    return HEADER.format(date=day, profile=profile_id) + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)


def is_taught_file(text: str) -> bool:
    return any(line.split("#", 1)[0].strip().replace(" ", "") in ("kind:taught", "kind:'taught'", 'kind:"taught"')
               for line in text.splitlines()[:40])


def parse(text: str, name: str):
    """A validated :class:`bot.schema.TaughtFile` (a KnowledgeError with located problems else)."""
    from .loader import _validate
    from .schema import TaughtFile

    return _validate(text, name, TaughtFile, "taught")


def problems(tf, advisor, name: str) -> list[str]:
    """What a valid file asks that the knowledge cannot give: topics it does not have, bad answers."""
    out = []
    if tf.profile != advisor.profile_id:
        out.append(t("taught.other_profile", "en", name=name, file=tf.profile, profile=advisor.profile_id))
    for topic, phrases in tf.examples.items():
        if topic.startswith("faq:") and topic[4:] in tf.community_answers:
            continue
        if not advisor.has_topic(topic):
            for p in (*phrases.en, *phrases.hu):
                out.append(t("taught.unknown_topic", "en", name=name, phrasing=p, topic=topic, profile=advisor.profile_id))
    for fid, ans in tf.community_answers.items():
        if not FAQ_ID.match(fid) or not (ans.en or ans.hu):
            out.append(t("taught.bad_answer", "en", name=name, id=fid))
    return out


def counts(tf) -> tuple[int, int]:
    phrasings = sum(len(p.en) + len(p.hu) for p in tf.examples.values())
    phrasings += sum(len(a.questions.en) + len(a.questions.hu) for a in tf.community_answers.values())
    return phrasings, len(tf.community_answers)
