"""Question understanding: language, e-CF codes, and the best topic of a profile.

The index is built once per profile (and cached with it). A question is matched in three ways:

* codes: competence codes (``C.4``, ``c4``, ``C 4``, ``C.4-hez``) and knowledge/skill codes
  (``B11``, ``b 11``, ``M2``) are found with regular expressions and decide the topic outright;
* names: every topic has short names (field names in both languages, competence titles from the
  detailed profile and the matrix, skill labels, aliases); a name scores by how much of it the
  question covers (idf-weighted, stems compared exactly, by prefix for Hungarian suffixes, and with
  rapidfuzz for typos) and how much of the question it explains;
* content: the topic's own text (descriptions, level texts, field texts) scores by how much of the
  question it explains, capped below a name match.

The best topic above a threshold wins; topics close behind it are offered as alternatives.
"""
from __future__ import annotations

import bisect
import math
import re

from rapidfuzz import fuzz, process

from .kb import Profile
from .record import Record
from .text import HU_LETTERS, HU_ONLY_LETTERS, fold, stem, tokens

ANSWER_THRESHOLD = 0.68
UNION_RECALL = 0.75
CONTENT_MIN_SIM = 0.9
ROLE_ONLY_SCORE = 0.75
OOV_WEIGHT = 0.75  # share of the top idf given to a word the profile never uses
ALT_MARGIN = 0.12
CONTENT_CAP = 0.8
FUZZY_CUTOFF = 82
FUZZY_WHOLE_BELOW = 0.9


def _fold_set(words) -> frozenset:
    return frozenset(fold(w) for w in words)


def _stem_set(words) -> frozenset:
    return frozenset(stem(fold(w)) for w in words)


class Words(Record):
    """The word lists of :mod:`bot.vocab`, folded and stemmed once (kept in the index, so a cached
    start neither imports the vocabulary nor stems it)."""

    __slots__ = ("stop", "hu_mark", "en_mark", "level", "ks", "matrix", "neutral", "intent_raw", "out_of_scope")

    @classmethod
    def build(cls) -> "Words":
        from . import vocab

        level, ks, matrix = _stem_set(vocab.LEVEL_WORDS), _stem_set(vocab.KS_WORDS), _stem_set(vocab.MATRIX_WORDS)
        return cls(
            stop=_fold_set(vocab.STOP_EN | vocab.STOP_HU),
            hu_mark=_fold_set(vocab.HU_MARKERS),
            en_mark=_fold_set(vocab.EN_MARKERS),
            level=level,
            ks=ks,
            matrix=matrix,
            neutral=_stem_set(vocab.GENERIC_WORDS) | level | ks | matrix,
            intent_raw=_fold_set(vocab.LEVEL_WORDS | vocab.KS_WORDS | vocab.MATRIX_WORDS),
            out_of_scope=_fold_set(vocab.OUT_OF_SCOPE),
        )

# Competence code: letter A-E, optional '.', '-' or space, 1-2 digits; a Hungarian suffix may follow.
_COMP = re.compile(r"(?<![a-z0-9])([a-e])(\s?[.\-]\s?|\s)?(\d{1,2})(?![0-9])(?:\s?-\s?[a-z]{1,6})?", re.I)
# Knowledge/skill code: T, B or M and 1-2 digits (B with a single digit is competence B.n).
_KS = re.compile(r"(?<![a-z0-9.])([tbm])\s?(\d{1,2})(?![0-9])", re.I)
_HU_SUFFIX_AFTER_HYPHEN = re.compile(
    r"(?<=[\w.])-(?:hoz|hez|höz|ja|je|jai|jei|ai|ei|ok|ek|ak|k|t|ot|et|at|ban|ben|ról|ről|nak|nek|val|vel|"
    r"ra|re|ig|tól|től|ből|ból|ba|be|ás|és|ként|ját|jét|it|ait|eit|s|os|es)\b",
    re.I,
)


class Codes(Record):
    """Codes found in a question, normalised: competences "C.4" (maybe absent from the profile),
    knowledge/skills "B11"."""

    __slots__ = ("competences", "skills")
    _defaults = {"competences": (), "skills": ()}


_DIGIT = re.compile(r"\d")
_NO_CODES = Codes()


def find_codes(text: str) -> Codes:
    if not _DIGIT.search(text):
        return _NO_CODES  # every code has a digit
    comps: list[str] = []
    skills: list[str] = []
    spans: list[tuple[int, int]] = []
    for m in _KS.finditer(text):
        letter, num = m.group(1).upper(), int(m.group(2))
        if letter == "B" and len(m.group(2)) == 1:
            continue  # b3 is competence B.3; B03 is the skill
        if num == 0:
            continue
        code = f"{letter}{num:02d}"
        if code not in skills:
            skills.append(code)
        spans.append(m.span())
    for m in _COMP.finditer(text):
        if any(a <= m.start() < b for a, b in spans):
            continue
        letter, sep, digits = m.group(1), m.group(2), m.group(3)
        if sep is not None and sep.strip() == "" and letter.islower() and letter in "ae":
            continue  # Hungarian article "a 3." / "e 2" is not a code
        if letter.upper() == "B" and len(digits) == 2 and sep in (None, ""):
            continue  # B10-B12 are skills (handled above)
        if digits.startswith("0"):
            continue
        code = f"{letter.upper()}.{int(digits)}"
        if code not in comps:
            comps.append(code)
    return Codes(tuple(comps), tuple(skills))


def strip_codes(text: str) -> str:
    text = _KS.sub(" ", text)
    return _COMP.sub(" ", text)


# ---------------------------------------------------------------------------------------------
class Phrase(Record):
    """One name of a topic: its stems and how strongly it names the topic."""

    __slots__ = ("topic", "stems", "weight", "weights", "total")
    _defaults = {"weights": (), "total": 1.0}  # idf of each stem and their sum, set by build_index


class Index(Record):
    """Everything the matcher needs about one profile, precomputed (and cached on disk).

    names: every Phrase; by_stem: stem -> indexes into names; content: topic -> {stem: count};
    content_by_stem: stem -> topics; idf: stem -> weight; vocab: sorted stems (for rapidfuzz);
    lang_vocab: words only one language uses; role_words: the role's own name (neutral);
    topics: topic order for ties; name_strings: each name's stems joined; sim_cache: a memo of
    query word -> similar stems (not saved)."""

    __slots__ = (
        "names", "by_stem", "content", "content_by_stem", "idf", "max_idf", "vocab", "vocab_set",
        "lang_vocab", "role_words", "topics", "topic_rank", "name_strings", "words", "sim_cache",
    )
    _defaults = {
        "names": list, "by_stem": dict, "content": dict, "content_by_stem": dict, "idf": dict,
        "max_idf": 1.0, "vocab": list, "vocab_set": frozenset, "lang_vocab": dict,
        "role_words": frozenset, "topics": tuple, "topic_rank": dict, "name_strings": list, "words": Words.build,
        "sim_cache": dict,
    }

    def __getstate__(self):  # the memo is not part of what is cached on disk
        return None, {k: ({} if k == "sim_cache" else getattr(self, k)) for k in self.__slots__}


def _stems(text: str, stop: frozenset) -> tuple[str, ...]:
    return tuple(stem(t) for t in tokens(text) if t not in stop and not t.isdigit())


def build_index(profile: Profile) -> Index:
    from . import vocab

    ix = Index()
    stop = ix.words.stop
    role_words = set()
    for t in (profile.title.en, profile.title.hu, "online community manager", "közösségi menedzser"):
        role_words |= {stem(w) for w in tokens(t)}
        role_words.add("".join(w[0] for w in tokens(t)))  # "ocm", "okm"
    ix.role_words = frozenset(role_words)

    def add_name(topic: str, text: str, weight: float) -> None:
        st = tuple(s for s in _stems(text, stop) if s not in role_words or topic.startswith("role:title"))
        if st:
            ix.names.append(Phrase(topic, st, weight))

    def add_content(topic: str, *texts: str) -> None:
        bag = ix.content.setdefault(topic, {})
        for text in texts:
            for s in _stems(text, stop):
                if s not in role_words:
                    bag[s] = bag.get(s, 0) + 1

    lang_words: dict[str, set[str]] = {"en": set(), "hu": set()}

    def note_lang(t) -> None:
        for lang in ("en", "hu"):
            lang_words[lang].update(tokens(t.get(lang)))

    for topic, by_lang in vocab.FIELD_ALIASES.items():
        for lang, aliases in by_lang.items():
            for phrase, w in aliases:
                add_name(topic, phrase, w)
                lang_words[lang].update(tokens(phrase))

    fields = {
        "role:title": [profile.title, *profile.alternative_names],
        "role:summary": [profile.summary],
        "role:mission": [profile.mission],
        "role:responsibility": [profile.responsibility],
        "role:deliverables": [*profile.accountable, *profile.contributor],
        "role:tasks": list(profile.tasks),
        "role:environment": [profile.environment],
        "role:kpis": list(profile.kpis),
    }
    for topic, texts in fields.items():
        for t in texts:
            add_content(topic, t.en, t.hu)
            note_lang(t)
    for t in profile.kpis:  # each KPI names the topic well
        for lang in ("en", "hu"):
            add_name("role:kpis", t.get(lang), 0.9)
    for t in profile.tasks:
        for lang in ("en", "hu"):
            add_name("role:tasks", t.get(lang), 0.85)
    for t in (*profile.accountable, *profile.contributor):
        for lang in ("en", "hu"):
            add_name("role:deliverables", t.get(lang), 0.8)

    for comp in profile.competences:
        topic = f"competence:{comp.code}"
        for lang in ("en", "hu"):
            add_name(topic, comp.title.get(lang), 1.0)
        for lang, alias in comp.aliases:
            add_name(topic, alias, 0.95)
            lang_words[lang].update(tokens(alias))
        row = profile.matrix_row(comp.code)
        if row:
            add_name(topic, row.en, 0.95)
            add_name(topic, row.hu, 0.95)
        add_content(topic, comp.description.en, comp.description.hu, comp.title.en, comp.title.hu)
        for _, lt in comp.levels:
            add_content(topic, lt.en, lt.hu)
            note_lang(lt)
        note_lang(comp.title)
        note_lang(comp.description)

    for sk in profile.skills:
        topic = f"skill:{sk.code}"
        for lang in ("en", "hu"):
            add_name(topic, sk.text.get(lang), 0.95)
        for lang, v in sk.variants:
            add_name(topic, v, 0.9)
            lang_words[lang].update(tokens(v))
        for lang, v in sk.aliases:
            add_name(topic, v, 0.95)
            lang_words[lang].update(tokens(v))
        add_content(topic, sk.text.en, sk.text.hu, *(v for _, v in sk.variants))
        note_lang(sk.text)

    # idf over topics (names and content together)
    df: dict[str, int] = {}
    topic_stems: dict[str, set[str]] = {}
    for ph in ix.names:
        topic_stems.setdefault(ph.topic, set()).update(ph.stems)
    for topic, bag in ix.content.items():
        topic_stems.setdefault(topic, set()).update(bag)
    for stems in topic_stems.values():
        for s in stems:
            df[s] = df.get(s, 0) + 1
    n = max(len(topic_stems), 1)
    ix.idf = {s: 1.0 + math.log(n / d) for s, d in df.items()}
    ix.max_idf = 1.0 + math.log(n)
    for s in ix.words.neutral:
        if s in ix.idf:
            ix.idf[s] = min(ix.idf[s], 1.0)
    for i, ph in enumerate(ix.names):
        ph.weights = tuple(ix.idf[s] for s in ph.stems)
        ph.total = sum(ph.weights) or 1.0
        for s in set(ph.stems):
            ix.by_stem.setdefault(s, []).append(i)
    for topic, bag in ix.content.items():
        for s in bag:
            ix.content_by_stem.setdefault(s, []).append(topic)
    ix.vocab = sorted(df)
    ix.vocab_set = frozenset(df)
    ix.name_strings = [" ".join(ph.stems) for ph in ix.names]
    # words (and their stems) that only one language uses: "list" is English even though "lista" is not
    forms = {lang: {f for w in words if len(w) > 2 for f in (w, stem(w))} for lang, words in lang_words.items()}
    ix.lang_vocab = {"en": frozenset(forms["en"] - forms["hu"]), "hu": frozenset(forms["hu"] - forms["en"])}
    ix.topics = tuple(dict.fromkeys(ph.topic for ph in ix.names)) + tuple(
        t for t in ix.content if t not in {ph.topic for ph in ix.names}
    )
    ix.topic_rank = {t: i for i, t in enumerate(ix.topics)}
    return ix


# ---------------------------------------------------------------------------------------------
def detect_lang(text: str, ix: Index, hint: str | None = None) -> str:
    """'hu' or 'en' for one question; ``hint`` (e.g. a platform's language) breaks ties."""
    words = ix.words
    low = text.casefold()
    hu = 0.0
    en = 0.0
    letters = set(low)
    if letters & HU_ONLY_LETTERS:
        hu += 3
    elif letters & HU_LETTERS:
        hu += 2
    if _HU_SUFFIX_AFTER_HYPHEN.search(text):
        hu += 2
    for w in tokens(text):
        if w in words.hu_mark:
            hu += 1
        if w in words.en_mark:
            en += 1
        if len(w) > 2:
            if w in ix.lang_vocab["hu"] or stem(w) in ix.lang_vocab["hu"]:
                hu += 0.75
            elif w in ix.lang_vocab["en"] or stem(w) in ix.lang_vocab["en"]:
                en += 0.75
    if hu > en:
        return "hu"
    if en > hu:
        return "en"
    return hint if hint in ("en", "hu") else "en"


_SIM_CACHE_MAX = 20000


def similar(ix: Index, word: str) -> dict[str, float]:
    """Indexed stems close to a query stem, with a similarity in 0..1 (memoised per index)."""
    hit = ix.sim_cache.get(word)
    if hit is not None:
        return hit
    out: dict[str, float] = {}
    if word in ix.vocab_set:
        out[word] = 1.0
    # Hungarian suffixes the stemmer left: the query word extends an indexed stem
    for k in range(len(word) - 1, 4, -1):
        pre = word[:k]
        if k / len(word) < 0.55:
            break
        if pre in ix.vocab_set and pre not in out:
            out[pre] = 0.9
            break
    if len(word) >= 5:
        for cand, score, _ in process.extract(
            word, ix.vocab, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=4
        ):
            if cand not in out:
                out[cand] = 0.95 * score / 100
        # an indexed stem extends the query word ("moder" of "moderate" for "moderation")
        lo = bisect.bisect_left(ix.vocab, word)
        for cand in ix.vocab[lo:lo + 40]:
            if not cand.startswith(word):
                break
            if cand not in out and len(word) / len(cand) >= 0.5:
                out[cand] = 0.85
    if not out and len(word) >= 8:
        # a compound of two indexed words typed as one ("jegykezeles" = jegy + kezeles)
        for i in range(4, len(word) - 3):
            a, b = word[:i], stem(word[i:])
            if a in ix.vocab_set and b in ix.vocab_set and len(b) >= 4:
                out[a] = out[b] = 0.75
                break
    if len(ix.sim_cache) >= _SIM_CACHE_MAX:
        ix.sim_cache.clear()
    ix.sim_cache[word] = out
    return out


def _names_near_length(ix: Index, n: int) -> tuple[list[str], list[int]]:
    """Names whose length allows a fuzz.ratio of 85 with a string of length n (2*min/(a+b) >= .85)."""
    key = ("len", n)
    hit = ix.sim_cache.get(key)
    if hit is None:
        lo, hi = n * 0.739, n * 1.353
        pairs = [(s, i) for i, s in enumerate(ix.name_strings) if lo <= len(s) <= hi]
        hit = ([p[0] for p in pairs], [p[1] for p in pairs])
        ix.sim_cache[key] = hit
    return hit


class Match(Record):
    """The matcher's verdict: best topic (None below the threshold), its score, the close
    alternatives, the codes found, what kind of answer is wanted, and every topic's score."""

    __slots__ = ("topic", "score", "alternatives", "codes", "want_level", "want_ks", "want_matrix", "scores")

    def __init__(self, topic, score, alternatives, codes, want_level, want_ks, want_matrix, scores):
        # written out: this runs once per question, and Record's generic __init__ is slower
        self.topic, self.score, self.alternatives, self.codes = topic, score, alternatives, codes
        self.want_level, self.want_ks, self.want_matrix, self.scores = want_level, want_ks, want_matrix, scores


def match(ix: Index, text: str) -> Match:
    codes = find_codes(text)
    words = tokens(strip_codes(text) if codes is not _NO_CODES else text)
    vw = ix.words
    stop, intent, role_words = vw.stop, vw.intent_raw, ix.role_words
    want_level = want_ks = want_matrix = False
    q: list[str] = []
    for w in words:
        is_stop = w in stop
        if is_stop and w not in intent:
            continue
        s = stem(w)
        if s in vw.neutral:
            want_level = want_level or s in vw.level
            want_ks = want_ks or s in vw.ks
            want_matrix = want_matrix or s in vw.matrix
        if not is_stop and len(w) > 1 and not w.isdigit() and s not in role_words:
            q.append(s)
    # compounds typed apart ("folyamat fejlesztes") and together ("folyamatfejlesztes")
    joined = [a + b for a, b in zip(q, q[1:]) if a + b in ix.vocab_set]
    q_all = list(dict.fromkeys(q + joined))

    sims: dict[str, dict[str, float]] = {}  # query stem -> {index stem: sim}
    for s in q_all:
        sims[s] = similar(ix, s)
    neutral = vw.neutral
    content_q = [s for s in dict.fromkeys(q) if s not in neutral]

    idf = ix.idf
    oov = ix.max_idf * OOV_WEIGHT
    qw = {s: idf.get(s, oov) for s in content_q}  # weight of each content word of the question
    den = sum(qw.values())
    best_for: dict[str, tuple[float, str]] = {}  # indexed stem -> (similarity, query stem)
    for s, m in sims.items():
        for t, v in m.items():
            cur = best_for.get(t)
            if cur is None or v > cur[0]:
                best_for[t] = (v, s)
    parts = {j: [x for x in q if x in j] for j in joined}  # a joined compound explains both halves

    scores: dict[str, float] = {}
    # names
    cand: set[int] = set()
    for t in best_for:
        cand.update(ix.by_stem.get(t, ()))
    names = ix.names
    # several names of one topic may each explain part of the question ("KPIs ... measured"):
    # precision counts every word explained by a well-matched name of the topic
    explained: dict[str, set[str]] = {}
    matched: list[tuple[str, float, float, set[str]]] = []
    for i in cand:
        ph = names[i]
        got = 0.0
        used: set[str] = set()
        for p, wp in zip(ph.stems, ph.weights):
            hit = best_for.get(p)
            if hit is not None:
                got += wp * hit[0]
                used.add(hit[1])
                if hit[1] in parts:
                    used.update(parts[hit[1]])
        recall = got / ph.total
        matched.append((ph.topic, recall, ph.weight, used))
        if recall >= UNION_RECALL:
            explained.setdefault(ph.topic, set()).update(used)
    for topic, recall, weight, used in matched:
        covered = used | explained.get(topic, set()) if recall >= UNION_RECALL else used
        if den:
            hit_w = 0.0
            for x in covered:
                hit_w += qw.get(x, 0.0)
            prec = hit_w / den
        else:
            prec = 1.0
        # ties go to the name that explains more of the question ("summary matrix" over "summary")
        sc = recall * (0.5 + 0.5 * prec) * weight + 0.002 * len(used)
        if sc > scores.get(topic, 0.0):
            scores[topic] = sc

    # content
    if content_q:
        hits: dict[str, float] = {}
        for s in content_q:
            best_topics: dict[str, float] = {}
            for t, v in sims.get(s, {}).items():
                if v < CONTENT_MIN_SIM:
                    continue  # typos are forgiven in names, not in running text
                for topic in ix.content_by_stem.get(t, ()):
                    if v > best_topics.get(topic, 0.0):
                        best_topics[topic] = v
            for topic, v in best_topics.items():
                hits[topic] = hits.get(topic, 0.0) + qw[s] * v
        for topic, h in hits.items():
            sc = CONTENT_CAP * h / den
            if sc > scores.get(topic, 0.0):
                scores[topic] = sc

    # whole-string fuzzy (typos across word boundaries), when words alone found nothing sure
    if q and len(q) <= 4 and len(" ".join(q)) >= 6 and max(scores.values(), default=0.0) < FUZZY_WHOLE_BELOW:
        qs = " ".join(q)
        strings, idxs = _names_near_length(ix, len(qs))
        for _, sc, j in process.extract(qs, strings, scorer=fuzz.ratio, score_cutoff=85, limit=3):
            ph = ix.names[idxs[j]]
            v = 0.95 * sc / 100 * ph.weight
            if v > scores.get(ph.topic, 0.0):
                scores[ph.topic] = v

    if not q and not scores and any(stem(w) in ix.role_words for w in words):
        scores["role:summary"] = ROLE_ONLY_SCORE  # "What is an online community manager?"
    if not vw.out_of_scope.isdisjoint(words):
        scores = {}  # e.g. salary: whatever else matches, the profile cannot answer it
    top = max(scores.values(), default=0.0)
    if top < ANSWER_THRESHOLD:
        return Match(None, top, [], codes, want_level, want_ks, want_matrix, scores)
    floor = max(ANSWER_THRESHOLD * 0.9, top - ALT_MARGIN)
    rank = ix.topic_rank
    near = sorted((-v, rank.get(t, 999), t) for t, v in scores.items() if v >= floor)
    best = near[0][2]
    alts = [t for _, _, t in near[1:4]]
    return Match(best, top, alts, codes, want_level, want_ks, want_matrix, scores)

