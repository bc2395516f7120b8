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
from functools import reduce
from itertools import chain, compress, filterfalse
from operator import add, itemgetter, or_


from .kb import Profile
from .record import Record
from .text import HU_LETTERS, HU_ONLY_LETTERS, fold, stem, tokens

_RF = None


def _rapidfuzz():
    """rapidfuzz, imported on first use (a question that needs no fuzzy match, such as one naming
    a code, starts without it)."""
    global _RF
    if _RF is None:
        from rapidfuzz import fuzz, process

        _RF = (fuzz.ratio, process)
    return _RF


def _extract(query: str, choices, cutoff: float, limit: int):
    ratio, process = _rapidfuzz()
    return process.extract(query, choices, scorer=ratio, score_cutoff=cutoff, limit=limit)


def _extract_one(query: str, choices, cutoff: float):
    ratio, process = _rapidfuzz()
    return process.extractOne(query, choices, scorer=ratio, score_cutoff=cutoff)

ANSWER_THRESHOLD = 0.68
ABOUT_THRESHOLD = 0.55  # the threshold for a question that says it is about the profile
SUPPORTED_THRESHOLD = 0.5  # ... for a best topic that several of the question's words point to
SUPPORT = 3
PEOPLE_MARGIN = 0.35  # how far behind the best the people topic may be
PEOPLE_MIN = 0.4  # ... and how low it may score
UNION_RECALL = 0.75
CONTENT_MIN_SIM = 0.9
ROLE_ONLY_SCORE = 0.75
OOV_WEIGHT = 0.75  # share of the top idf given to a word the profile never uses
ALT_MARGIN = 0.12
CONTENT_CAP = 0.8
FUZZY_CUTOFF = 82
FUZZY_WHOLE_BELOW = 0.9
NAME_PRUNE = 0.25  # a name matched below this share of its weight cannot score near the threshold
EX_WHOLE_CUTOFF = 85  # fuzz.ratio for a question of function words against an example, word for word
BAG_CAP = 0.9  # the score of a topic whose bag of words explains the whole question
BAG_OOV = 0.5  # share of the top idf given to an unknown word in the bag score
BAG_MARGIN = 0.3  # how far ahead of the next topic's evidence the best must be for the full score
BAG_MIN_SIM = 0.85
BAG_MIN_IDF = 1.8  # words used by most topics are left out of the bag evidence


def _fold_set(words) -> frozenset:
    return frozenset(fold(w) for w in words)


def _stem_set(words) -> frozenset:
    return frozenset(stem(fold(w)) for w in words)


class Words(Record):
    """The word lists of :mod:`bot.vocab`, folded and stemmed once (kept in the index, so a cached
    start neither imports the vocabulary nor stems it)."""

    __slots__ = ("stop", "hu_mark", "en_mark", "level", "ks", "matrix", "neutral", "intent_raw", "out_of_scope",
                 "about", "stop_en", "people", "people_topic", "competence")

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
            about=_stem_set(vocab.ABOUT_WORDS),
            stop_en=_fold_set(vocab.STOP_EN),
            people=_fold_set(vocab.PEOPLE_WORDS),
            people_topic=vocab.PEOPLE_TOPIC,
            competence=_fold_set(vocab.COMPETENCE_WORDS),
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

    def __init__(self, competences=(), skills=()):
        # written out: this runs for every question with a digit, and Record's generic __init__ is slower
        self.competences, self.skills = competences, skills


_DIGIT = re.compile(r"\d")
_NO_CODES = Codes()


def find_codes(text: str) -> Codes:
    digit = _DIGIT.search(text)
    if digit is None:
        return _NO_CODES  # every code has a digit
    # a code starts at most four characters before its first digit ("E . 4"): the patterns are
    # tried from there on, not at every character before it (their look-behinds still see those)
    start = max(digit.start() - 4, 0)
    comps: list[str] = []
    skills: list[str] = []
    spans: list[tuple[int, int]] = []
    for m in _KS.finditer(text, start):
        letter, digits = m.groups()
        letter, num = letter.upper(), int(digits)
        if letter == "B" and len(digits) == 1:
            continue  # b3 is competence B.3; B03 is the skill
        if num == 0:
            continue
        code = f"{letter}{num:02d}"
        if code not in skills:
            skills.append(code)
        spans.append(m.span())
    for m in _COMP.finditer(text, start):
        if spans and any(a <= m.start() < b for a, b in spans):
            continue
        letter, sep, digits = m.groups()
        if sep is not None and sep.strip() == "" and letter.islower() and letter in "ae":
            continue  # Hungarian article "a 3." / "e 2" is not a code
        upper = letter.upper()
        if upper == "B" and len(digits) == 2 and sep in (None, ""):
            continue  # B10-B12 are skills (handled above)
        if digits.startswith("0") and (len(digits) == 1 or sep is None or upper == "B"):
            continue  # "E.07" is E.7; "E0", "e07" are not codes
        code = f"{upper}.{int(digits)}"
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

    concepts: first stem -> [(stems, "@topic")], longest first (concept words are rewritten to one
    token naming their topic); examples: example questions as Phrases, ex_by_stem: stem -> their
    indexes; ex_strings/ex_topics: the examples word for word, with their topics; smalltalk:
    first token -> [(tokens, intent, language or None)], st_single: one-word small talk (for
    typos), st_words: filler words, st_vocab: word -> the intents whose phrases use it; roles:
    first stem -> [stems of another job role]; role_heads: {"en": heads, "hu": heads} of job
    titles ("developer", "fejlesztő"); abbrev: short form -> words; requests: first word ->
    [request phrases]; bag_by_stem: stem -> every topic known by it;
    names: every Phrase; by_stem: stem -> indexes into names; content: topic -> {stem: count};
    content_by_stem: stem -> topics; idf: stem -> weight; vocab: sorted stems (for rapidfuzz);
    lang_vocab: words only one language uses; role_words: the role's own name (neutral);
    topics: topic order for ties; name_strings: each name's stems joined; ex_sieve: bit sets
    of the example strings by the characters they have and by length (_near), name_sieve: the
    distinct name strings, the names each stands for, and their bit sets; sim_cache:
    a memo of query word -> similar stems (not saved)."""

    __slots__ = (
        "names", "by_stem", "content", "content_by_stem", "idf", "max_idf", "vocab", "vocab_set",
        "lang_vocab", "role_words", "topics", "topic_rank", "name_strings", "words", "concepts", "examples",
        "ex_by_stem", "ex_total", "ex_topics_of", "keywords", "smalltalk", "st_single", "st_words", "st_vocab", "roles", "role_heads", "abbrev", "requests", "bag_by_stem", "ex_strings", "ex_topics", "sim_cache", "fast",
        "ex_sieve", "name_sieve",
    )
    _defaults = {
        "names": list, "by_stem": dict, "content": dict, "content_by_stem": dict, "idf": dict,
        "max_idf": 1.0, "vocab": list, "vocab_set": frozenset, "lang_vocab": dict,
        "role_words": frozenset, "topics": tuple, "topic_rank": dict, "name_strings": list, "words": Words.build,
        "concepts": dict, "examples": list, "ex_by_stem": dict, "ex_total": list, "ex_topics_of": list, "keywords": frozenset, "smalltalk": dict, "st_single": list,
        "st_words": frozenset, "st_vocab": dict, "roles": dict, "role_heads": dict, "abbrev": dict, "requests": dict, "bag_by_stem": dict, "ex_strings": list, "ex_topics": list,
        "sim_cache": dict, "fast": None,
        "ex_sieve": tuple, "name_sieve": tuple,
    }

    def __getstate__(self):  # the memo is not part of what is cached on disk
        return None, {k: ({} if k == "sim_cache" else None if k == "fast" else getattr(self, k)) for k in self.__slots__}


def _stems(text: str, stop: frozenset) -> tuple[str, ...]:
    return tuple(stem(t) for t in tokens(text) if t not in stop and not t.isdigit())


CONCEPT_WEIGHT = 0.97
EXAMPLE_WEIGHT = 0.95


def _concept_token(topic: str) -> str:
    return "@" + topic


def _ckey(s: str) -> str:
    return s[:5]


def _same(concept: str, word: str) -> bool:
    """A question's stem matches a concept's: equal, or the question's extends it by a suffix the
    stemmer left ("vezetnem" for "vezet")."""
    if concept == word:
        return True
    return len(concept) >= 5 and word.startswith(concept) and len(word) - len(concept) <= 3


def rewrite(ix: Index, toks: list[str]) -> list[tuple[str, str]]:
    """(word, stem) pairs of a question: abbreviations spelled out ("mgmt"), concept phrases
    replaced by their topic's token ("good job" -> "@role:kpis")."""
    abbr = ix.abbrev
    if abbr and not abbr.keys().isdisjoint(toks):
        toks = [x for w in toks for x in abbr.get(w, (w,))]
    stems = [stem(w) for w in toks]
    concepts = ix.concepts
    if not concepts:
        return list(zip(toks, stems))
    concepts_at = _fast(ix).concepts_at
    out: list[tuple[str, str]] = []
    i, n = 0, len(toks)
    while i < n:
        for seq, tok in concepts_at(stems[i]):
            k = len(seq)
            if i + k <= n and (k == 1 or all(_same(a, b) for a, b in zip(seq[1:], stems[i + 1:i + k]))):
                out.append((tok, tok))
                i += k
                break
        else:
            out.append((toks[i], stems[i]))
            i += 1
    return out


def _concepts_at(ix: Index, s: str) -> list:
    """The concept phrases that may start at a word with stem ``s`` (longest first)."""
    return [c for c in ix.concepts.get(_ckey(s), ()) if _same(c[0][0], s)]


def _concepts_next(ix: Index, s: str, nxt: str) -> tuple:
    """Of the concept phrases that may start at a word with stem ``s``, those whose second word
    matches the next stem ``nxt`` ("" at the end), with their length: (stems, token, length),
    longest first. Memoised per pair of stems (_Fast)."""
    return tuple((seq, tok, len(seq)) for seq, tok in _fast(ix).concepts_at(s)
                 if len(seq) == 1 or (nxt and _same(seq[1], nxt)))



def build_index(profile: Profile, lexicon=None) -> Index:
    from . import vocab

    ix = Index()
    role_words = set()
    for t in (profile.title.en, profile.title.hu, "online community manager", "közösségi menedzser"):
        role_words |= {stem(w) for w in tokens(t)}
        role_words.add("".join(w[0] for w in tokens(t)))  # "ocm", "okm"
    # "this role", "ez a munkakör" name the role as its title does: no topic of their own
    role_words |= {stem(fold(w)) for w in vocab.ROLE_NOUNS}
    ix.role_words = frozenset(role_words)
    if lexicon is not None:
        _add_lexicon(ix, lexicon)
    stop = ix.words.stop

    neutral = ix.words.neutral

    def add_name(topic: str, text: str, weight: float) -> None:
        st = tuple(s for s in _stems(text, stop) if s not in role_words or topic.startswith("role:title"))
        if st and not topic.startswith("role:") and all(s in neutral for s in st):
            return  # "people skills" -> "skills" would name every question about skills
        if st:
            ix.names.append(Phrase(topic, st, weight))

    def add_example(topic: str, text: str) -> None:
        folded = " ".join(w for w in tokens(text) if w not in ix.st_words)
        if folded:
            ix.ex_strings.append(folded)
            ix.ex_topics.append(topic)
        st = []
        for w, s in rewrite(ix, tokens(text)):
            if s.startswith("@") or (w not in stop and not w.isdigit() and s not in role_words and len(w) > 1):
                st.append(s)
        st = tuple(dict.fromkeys(st))
        if st:
            ix.examples.append(Phrase(topic, st, EXAMPLE_WEIGHT))

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

    keywords = set(role_words) | set(ix.words.neutral)  # what a short typo may be taken for
    for topic, by_lang in vocab.FIELD_ALIASES.items():
        for lang, aliases in by_lang.items():
            for phrase, w in aliases:
                add_name(topic, phrase, w)
                lang_words[lang].update(tokens(phrase))
                keywords.update(_stems(phrase, stop))
    ix.keywords = frozenset(keywords)

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

    # concept words: "good job", "jól tolom" -> @role:kpis (matched as a name of the topic); a
    # concept that is (part of) a name already is left to the names ("összefoglaló mátrix")
    name_seqs = [ph.stems for ph in ix.names]
    concept_topics: list[str] = []
    for topic, _lang, phrase in profile.concepts:
        toks = tokens(phrase)
        if not toks or any(c.isdigit() for c in phrase):
            continue
        # stop words at the edges are left out ("in one sentence" matches "in a sentence"), unless
        # what remains is one short common word ("what it takes" is not every "take") or one whose
        # stem is short ("egy mondatban" is not every "mond")
        lo, hi = 0, len(toks)
        while lo < hi and toks[lo] in stop:
            lo += 1
        while hi > lo and toks[hi - 1] in stop:
            hi -= 1
        core_toks = toks[lo:hi]
        if core_toks and (len(core_toks) > 1 or (len(core_toks[0]) >= 7 and len(stem(core_toks[0])) >= 5)) and \
                any(stem(w) not in role_words and stem(w) not in ix.words.neutral for w in core_toks):
            toks = core_toks
        if all(w in stop or (stem(w) in ix.words.neutral and stem(w) not in role_words) for w in core_toks or toks):
            # stop or answer-kind words alone ("skills do i need") would hijack follow-ups; a phrase
            # of several such words that asks for no kind of answer ("mire jó", "miért van
            # szükség") is kept whole
            if len(toks) < 2 or any(w in ix.words.intent_raw for w in toks) or \
                    (len(toks) == 2 and any(stem(w) in ix.words.neutral for w in toks)):
                continue  # ("mit takar" is any "what does it cover")
        seq = tuple(stem(w) for w in toks)
        core = [x for w, x in zip(toks, seq) if w not in stop and x not in role_words]
        if core and any(all(any(_same(c, y) for y in st) for c in core) for st in name_seqs):
            continue  # its words are a name's words already
        ix.concepts.setdefault(_ckey(seq[0]), []).append((seq, _concept_token(topic)))
        concept_topics.append(topic)
    for lst in ix.concepts.values():
        lst.sort(key=lambda x: -len(x[0]))
    for topic in dict.fromkeys(concept_topics):
        ix.names.append(Phrase(topic, (_concept_token(topic),), CONCEPT_WEIGHT))
    for topic, lang, text in profile.examples:
        add_example(topic, text)
        lang_words[lang].update(tokens(text))

    # idf over topics (names, examples and content together)
    df: dict[str, int] = {}
    topic_stems: dict[str, set[str]] = {}
    for ph in ix.names:
        topic_stems.setdefault(ph.topic, set()).update(ph.stems)
    for ph in ix.examples:
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
    # an example left with one word that other topics use too says nothing of its own ("people
    # management" -> "management"): drop it
    ix.examples = [ph for ph in ix.examples
                   if len(ph.stems) > 1 or ph.stems[0][0] == "@" or ix.idf[ph.stems[0]] >= ix.max_idf - 0.7]
    for i, ph in enumerate(ix.examples):
        ph.weights = tuple(ix.idf[s] for s in ph.stems)
        ph.total = sum(ph.weights) or 1.0
        for s in set(ph.stems):
            ix.ex_by_stem.setdefault(s, []).append(i)
    ix.ex_total = [ph.total for ph in ix.examples]
    ix.ex_topics_of = [ph.topic for ph in ix.examples]
    for topic, bag in ix.content.items():
        for s in bag:
            ix.content_by_stem.setdefault(s, []).append(topic)
    # every word a topic is known by (names, examples, its text): the topic's bag of words
    bags: dict[str, set[str]] = {}
    for topic, stems in topic_stems.items():
        for s in stems:
            bags.setdefault(s, set()).add(topic)
    ix.bag_by_stem = {s: tuple(sorted(t)) for s, t in bags.items()}
    ix.vocab = sorted(df)
    ix.vocab_set = frozenset(df)
    ix.name_strings = [" ".join(ph.stems) for ph in ix.names]
    ix.ex_sieve = _char_sieve(ix.ex_strings)
    owners: dict[str, list[int]] = {}
    for i, s in enumerate(ix.name_strings):
        owners.setdefault(s, []).append(i)
    ix.name_sieve = (list(owners), [tuple(o) for o in owners.values()], _char_sieve(list(owners)))
    # words (and their stems) that only one language uses: "list" is English even though "lista" is not
    forms = {lang: {f for w in words if len(w) > 2 for f in (w, stem(w))} for lang, words in lang_words.items()}
    ix.lang_vocab = {"en": frozenset(forms["en"] - forms["hu"]), "hu": frozenset(forms["hu"] - forms["en"])}
    ix.topics = tuple(dict.fromkeys(ph.topic for ph in ix.names)) + tuple(
        t for t in ix.content if t not in {ph.topic for ph in ix.names}
    )
    ix.topic_rank = {t: i for i, t in enumerate(ix.topics)}
    ix.fast = None  # made while building (by rewrite), before the names and examples were complete
    return ix


def _add_lexicon(ix: Index, lex) -> None:
    langs_of: dict[tuple, set[str]] = {}
    for intent, lang, phrase in lex.smalltalk:
        langs_of.setdefault(tuple(tokens(phrase)), set()).add(lang)
    for intent, _lang, phrase in lex.smalltalk:
        seq = tuple(tokens(phrase))
        if seq:
            lang = next(iter(langs_of[seq])) if len(langs_of[seq]) == 1 else None
            ix.smalltalk.setdefault(seq[0], []).append((seq, intent, lang))
            if len(seq) == 1 and len(seq[0]) >= 4:
                ix.st_single.append((seq[0], intent))
    for lst in ix.smalltalk.values():
        lst.sort(key=lambda x: -len(x[0]))
    ix.st_words = frozenset(w for _, phrase in lex.words for w in tokens(phrase))
    ix.abbrev = {fold(k): tuple(tokens(v)) for k, v in lex.abbreviations}
    for _, p in lex.requests:
        seq = tuple(tokens(p))
        if seq:
            ix.requests.setdefault(seq[0], []).append(seq)
    vocab: dict[str, set[str]] = {}
    for intent, _lang, phrase in lex.smalltalk:
        for w in tokens(phrase):
            if w in ix.words.stop or w in ix.st_words or len(w) < 3:
                continue
            for key in {w, stem(w)} | ({w[:5] + "*"} if len(w) >= 5 else set()):
                vocab.setdefault(key, set()).add(intent)
    ix.st_vocab = {k: tuple(sorted(v, key=SMALLTALK_ORDER.index)) for k, v in vocab.items()}
    ix.words.stop = ix.words.stop | (ix.st_words - ix.words.intent_raw)  # fillers are no content
    mine = ix.role_words
    for _lang, phrase in lex.roles:
        seq = tuple(stem(w) for w in tokens(phrase))
        if seq and not set(seq) <= mine:
            ix.roles.setdefault(seq[0], []).append(seq)
    for lst in ix.roles.values():
        lst.sort(key=lambda x: -len(x))
    heads: dict[str, set[str]] = {"en": set(), "hu": set()}
    for lang, phrase in lex.role_heads:
        heads[lang].update(tokens(phrase))
    ix.role_heads = {k: tuple(sorted(v, key=len, reverse=True)) for k, v in heads.items()}


# ---------------------------------------------------------------------------------------------
# The characters whose case fold holds a letter of HU_ONLY_LETTERS / HU_LETTERS are those letters and
# their capitals (checked over all of Unicode): searched for directly, the text is not case-folded.
_HU_ONLY_CHAR = re.compile("[%s]" % "".join(sorted(HU_ONLY_LETTERS | {c.upper() for c in HU_ONLY_LETTERS}))).search
_HU_CHAR = re.compile("[%s]" % "".join(sorted(HU_LETTERS | {c.upper() for c in HU_LETTERS}))).search


def detect_lang(text: str, ix: Index, hint: str | None = None, toks: list[str] | None = None,
                recs: list[tuple] | None = None, votes: float | None = None) -> str:
    """'hu' or 'en' for one question; ``hint`` (e.g. a platform's language) breaks ties. ``toks``
    (its words, typos fixed), ``recs`` (:func:`words`) or ``votes`` (the sum of its words' votes,
    :func:`read_signs`): when the caller has them already."""
    # every vote is a multiple of 1/4, so one running difference (Hungarian minus English) is exact
    d = 0.0
    if not text.isascii():
        if _HU_ONLY_CHAR(text):
            d += 3
        elif _HU_CHAR(text):
            d += 2
    if "-" in text and _HU_SUFFIX_AFTER_HYPHEN.search(text):
        d += 2
    if votes is not None:
        d += votes
    elif recs is not None:
        d += sum(map(_LANG_VOTE, recs))
    else:
        d += sum(map(_fast(ix).lang, tokens(text) if toks is None else toks))
    if d > 0:
        return "hu"
    if d < 0:
        return "en"
    return hint if hint in ("en", "hu") else "en"


def _lang_word(ix: Index, w: str) -> float:
    """What one word says of the language: its Hungarian votes minus its English votes."""
    words = ix.words
    d = 0.0
    if w in words.hu_mark:
        d += 1
    if w in words.en_mark:
        d -= 1
    if len(w) > 2:
        if w in ix.lang_vocab["hu"] or stem(w) in ix.lang_vocab["hu"]:
            d += 0.75
        elif w in ix.lang_vocab["en"] or stem(w) in ix.lang_vocab["en"]:
            d -= 0.75
    return d


_SIM_CACHE_MAX = 20000


class _Fast:
    """The index's per-word and per-stem functions, each memoised by functools.lru_cache (its hits
    run in C, with no Python call: what a word is, its stem's similar stems and postings, are
    worked out once per word and then cost a dictionary look-up). Bounded; not pickled."""

    __slots__ = ("token", "typo", "concepts_at", "concepts_next", "similar", "postings", "cpostings", "lang", "st_block", "roleish",
                 "word", "piece", "ours", "floor", "ex_info")

    def __init__(self, ix: Index):
        from functools import lru_cache, partial

        def memo(fn):
            return lru_cache(maxsize=_SIM_CACHE_MAX)(partial(fn, ix))

        self.token, self.typo, self.concepts_at = memo(_token_of), memo(_typo_of), memo(_concepts_at)
        self.concepts_next = memo(_concepts_next)
        self.similar, self.postings, self.cpostings = memo(_similar), memo(_postings_of), memo(_content_postings_of)
        self.lang, self.st_block, self.roleish = memo(_lang_word), memo(_st_block), memo(_roleish)
        self.word, self.piece, self.ours = memo(_word_of), memo(_piece_of), memo(_ours)
        self.floor = [NAME_PRUNE * ph.total for ph in ix.names]  # below it a name is not looked at
        self.ex_info = list(zip(ix.ex_total, ix.ex_topics_of))


def _fast(ix: Index) -> _Fast:
    f = ix.fast
    if f is None:
        f = ix.fast = _Fast(ix)
    return f


def _remember(ix: Index, key, value):
    """Keep ``value`` in the index's memo (word similarities, what a word does in a question…),
    which is emptied when it grows past _SIM_CACHE_MAX entries: memory stays bounded."""
    memo = ix.sim_cache
    if len(memo) >= _SIM_CACHE_MAX:
        memo.clear()
    memo[key] = value
    return value


def similar(ix: Index, word: str) -> dict[str, float]:
    """Indexed stems close to a query stem, with a similarity in 0..1 (memoised per index)."""
    return _fast(ix).similar(word)


def _similar(ix: Index, word: str) -> dict[str, float]:
    out: dict[str, float] = {}
    if word[:1] == "@":
        return {word: 1.0}
    if word in ix.vocab_set:
        out[word] = 1.0
    # Hungarian suffixes the stemmer left: the query word extends an indexed stem
    for k in range(len(word) - 1, 4, -1):
        pre = word[:k]
        if k / len(word) < 0.5:
            break
        if pre in ix.vocab_set and pre not in out:
            out[pre] = 0.9
            break
    if len(word) >= 5:
        for cand, score, _ in _extract(word, ix.vocab, FUZZY_CUTOFF, 4):
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
    return out


def _role_typo(ix: Index, s: str) -> bool:
    """A misspelt word of the role's own name ("comunity", "menedszer")."""
    if len(s) < 6:
        return False
    key = ("role", s)
    hit = ix.sim_cache.get(key)
    if hit is None:
        hit = _extract_one(s, list(ix.role_words), 85) is not None
        _remember(ix, key, hit)
    return hit


def request(ix: Index, text: str, toks: list[str] | None = None) -> bool:
    """A request for a service the advisor does not give ("write me a cover letter", "írj egy
    verset"): it starts, after politeness, with a request phrase of the lexicon."""
    if not ix.requests:
        return False
    toks = tokens(text) if toks is None else toks
    if ix.requests.keys().isdisjoint(toks):
        return False  # no word starts a request phrase: the common case, decided fast
    toks = [w for w in toks if w not in ix.st_words]
    while toks and toks[0] in ("can", "could", "would", "will", "you", "u", "tudnal", "tudsz", "please", "pls"):
        toks = toks[1:]
    return bool(toks) and any(tuple(toks[:len(r)]) == r for r in ix.requests.get(toks[0], ()))


def _bit_indexes(mask: int) -> list[int]:
    """The set bits of ``mask``, lowest first (str.find runs in C)."""
    bits = bin(mask)[:1:-1]
    out = []
    i = bits.find("1")
    while i >= 0:
        out.append(i)
        i = bits.find("1", i + 1)
    return out


def _char_sieve(strings: list[str]) -> tuple[dict[tuple[str, int], int], dict[int, int], int, dict]:
    """((character, j) -> the strings with fewer than j copies of it, length -> the strings that
    long, all the strings), as bit sets (bit i: strings[i]), and a memo for :func:`_near` (per
    length of a question, where its counters start: at most MAX_QUESTION_CHARS entries)."""
    has: dict[tuple[str, int], int] = {}
    lens: dict[int, int] = {}
    for i, s in enumerate(strings):
        bit = 1 << i
        seen: dict[str, int] = {}
        for ch in s:
            j = seen[ch] = seen.get(ch, 0) + 1
            has[(ch, j)] = has.get((ch, j), 0) | bit
        lens[len(s)] = lens.get(len(s), 0) | bit
    full = (1 << len(strings)) - 1
    return {k: full ^ m for k, m in has.items()}, lens, full, {}


def _near(q: str, sieve: tuple, cutoff: float, window) -> list[int]:
    """The indexes of the strings of ``sieve`` (:func:`_char_sieve`) that may reach a fuzz.ratio
    of ``cutoff`` with ``q``, in order (rapidfuzz then compares a few instead of hundreds, and
    picks the same); ``window(len(q))``: the lengths (lo, hi) worth comparing at all.
    fuzz.ratio is 100 * 2 * LCS / (la + lb), and the LCS is at most the characters the two share,
    so a string of length lb may lack at most M(lb) of q's characters (counted with repeats).
    The misses are counted for all strings at once, in bit-sliced counters over ints (bit i:
    string i) preloaded with 2**w - 1 - M(lb): a string whose counter overflows is out."""
    lack, lens, full, starts = sieve
    start = starts.get(len(q))
    if start is None:
        la = len(q)
        c = cutoff / 100
        lo, hi = window(la)
        allow = {}
        for lb in lens:
            most = math.floor(la - (c / 2 * (la + lb) - 0.01))  # shared >= c/2 * (la + lb), with slack
            if lo <= lb <= hi and most >= 0:
                allow[lb] = most
        w = max(1, max(allow.values(), default=0).bit_length())
        planes = [0] * w
        out = full
        for lb, most in allow.items():
            out ^= lens[lb]
            base = (1 << w) - 1 - most
            for b in range(w):
                if base >> b & 1:
                    planes[b] |= lens[lb]
        start = starts[la] = (tuple(planes), out)
    planes, out = start
    if out == full:
        return []  # no string has a length that allows it
    planes = list(planes)
    seen: dict[str, int] = {}
    for ch in q:
        j = seen[ch] = seen.get(ch, 0) + 1
        carry = lack.get((ch, j), full)  # the strings that miss this copy: add one to their count
        for b, p in enumerate(planes):
            planes[b] = p ^ carry
            carry &= p
        out |= carry
        if out == full:
            return []  # every string lacks too much already
    return _bit_indexes(full ^ out)


def _ex_window(la: int) -> tuple[float, float]:
    c = EX_WHOLE_CUTOFF / 100
    # the lengths that allow it (as computed so far: rounding leaves out an example exactly at the
    # cutoff, e.g. 17 characters for 23)
    return la * c / (2 - c), la * (2 - c) / c


def _name_window(la: int) -> tuple[float, float]:
    return la * 0.739, la * 1.353  # 2 * min / (a + b) >= .85, loosely


def _examples_near(ix: Index, q: str) -> tuple[list[str], list[int]]:
    """The example strings that may reach a fuzz.ratio of EX_WHOLE_CUTOFF with ``q``, in order,
    with their indexes (:func:`_near`)."""
    idxs = _near(q, ix.ex_sieve, EX_WHOLE_CUTOFF, _ex_window)
    strings = ix.ex_strings
    return [strings[i] for i in idxs], idxs


def _names_near(ix: Index, q: str) -> tuple[list[str], list[tuple[int, ...]]]:
    """The distinct name strings that may reach a fuzz.ratio of 85 with ``q`` (:func:`_near`), in
    order, each with the indexes of the names it stands for (551 strings for 634 names:
    rapidfuzz compares each once)."""
    strings, owners, sieve = ix.name_sieve
    idxs = _near(q, sieve, 85, _name_window)
    return [strings[i] for i in idxs], [owners[i] for i in idxs]


def _postings(ix: Index, s: str):
    """What the query stem ``s`` contributes, as if alone: (its similar indexed stems {t: sim},
    {t: (sim, s)}, {name: matched weight}, {example: matched weight}, every name it hits, each
    topic's best examples, each topic's best name below and at UNION_RECALL, its weight as a
    neutral word). Memoised per stem."""
    return _fast(ix).postings(s)


def _postings_of(ix: Index, s: str):
    m = _fast(ix).similar(s)
    idf, by_stem, ex_by_stem = ix.idf, ix.by_stem, ix.ex_by_stem
    names: dict[int, float] = {}
    exs: dict[int, float] = {}
    for t, v in m.items():
        wv = idf.get(t, 1.0) * v
        for i in by_stem.get(t, ()):
            names[i] = names.get(i, 0.0) + wv
        for i in ex_by_stem.get(t, ()):
            exs[i] = exs.get(i, 0.0) + wv
    # each name as the matcher sees it when this stem is the only one of the question that hits it:
    # (name, whether it is matched well enough to be looked at, its recall, topic, weight)
    alone = []
    for i, g in names.items():
        ph = ix.names[i]
        got = 0.0
        for p, wp in zip(ph.stems, ph.weights):
            v = m.get(p)
            if v is not None:
                got += wp * v
        alone.append((i, g >= NAME_PRUNE * ph.total, got / ph.total, ph.topic, ph.weight))
    # the examples as (topic, matched weight, total): of one topic's, those that no other beats on
    # both (more matched, shorter), in the order met. An example's score is 2 * matched / (total +
    # the question's weight), so the best of a topic's is among these whatever the question: the
    # best of the examples this stem alone hits, and a lower bound for those it hits with others
    by_topic: dict[str, list[tuple[float, float]]] = {}
    for i, wv in exs.items():
        by_topic.setdefault(ix.ex_topics_of[i], []).append((wv, ix.ex_total[i]))
    front = []
    for topic, lst in by_topic.items():
        keep = []
        for j, (w, tot) in enumerate(lst):
            if not any(o[0] >= w and o[1] <= tot and (o[0] > w or o[1] < tot or k < j) for k, o in enumerate(lst)):
                keep.append((topic, w, tot))
        front.extend(keep)
    # the names looked at, best first per topic (a name scores recall x precision x weight, and the
    # precision is the topic's whatever the name): of each topic's, the one of highest recall x
    # weight, apart for names that explain the question alone (recall >= UNION_RECALL) and others
    low: dict[str, tuple] = {}
    high: dict[str, tuple] = {}
    for _, good, recall, topic, weight in alone:
        if good:
            into = high if recall >= UNION_RECALL else low
            cur = into.get(topic)
            if cur is None or recall * weight > cur[1] * cur[2]:
                into[topic] = (topic, recall, weight)
    # its weight in an example score's total when it is a neutral word ("level", "skills")
    nw = min(idf.get(s, 1.0), 1.0) if s in ix.words.neutral else 0.0
    return (m, {t: (v, s) for t, v in m.items()}, names, exs, tuple(alone), tuple(front),
            tuple(low.values()), tuple(high.values()), nw)


def _content_postings_of(ix: Index, s: str):
    """What the content stem ``s`` of a question contributes to the text and bag scores: (its
    weight, {topic: weight x similarity in the topic's text}, its weight in the bag's total,
    {topic: bag evidence}). Memoised per stem (_Fast)."""
    m = _fast(ix).similar(s)
    idf = ix.idf
    qw = idf.get(s, ix.max_idf * OOV_WEIGHT)
    best_topics: dict[str, float] = {}
    for t, v in m.items():
        if v < CONTENT_MIN_SIM:
            continue  # typos are forgiven in names, not in running text
        for topic in ix.content_by_stem.get(t, ()):
            if v > best_topics.get(topic, 0.0):
                best_topics[topic] = v
    content = {topic: qw * v for topic, v in best_topics.items()}
    w = idf.get(s, ix.max_idf * BAG_OOV)
    bag: dict[str, float] = {}
    if w >= BAG_MIN_IDF:  # a word most topics use tells them apart by little, at a high cost
        best_t: dict[str, float] = {}
        for t, v in m.items():
            if v < BAG_MIN_SIM:
                continue
            for topic in ix.bag_by_stem.get(t, ()):
                if v > best_t.get(topic, 0.0):
                    best_t[topic] = v
        bag = {topic: w * v for topic, v in best_t.items()}
    return qw, content, w, bag


def _support(ix: Index, topic: str, content_q: list[str], cpost: dict) -> int:
    """How many of the question's content words point to ``topic`` (by its names, examples, text
    or bag of words)."""
    names, ex_topics = ix.names, ix.ex_topics_of
    n = 0
    for s in content_q:
        c = cpost[s]
        if s == "@" + topic or topic in c[1] or topic in c[3]:
            n += 1
            continue
        p = _postings(ix, s)
        if any(names[i].topic == topic for i in p[2]) or any(ex_topics[i] == topic for i in p[3]):
            n += 1
    return n


class Match(Record):
    """The matcher's verdict: best topic (None below the threshold), its score, the close
    alternatives, the codes found, what kind of answer is wanted, and every topic's score."""

    __slots__ = ("topic", "score", "alternatives", "codes", "want_level", "want_ks", "want_matrix", "scores",
                 "content", "words")

    def __init__(self, topic, score, alternatives, codes, want_level, want_ks, want_matrix, scores, content=(), words=()):
        # written out: this runs once per question, and Record's generic __init__ is slower
        self.topic, self.score, self.alternatives, self.codes = topic, score, alternatives, codes
        self.want_level, self.want_ks, self.want_matrix, self.scores = want_level, want_ks, want_matrix, scores
        self.content, self.words = content, words  # the question's own content stems; all its tokens


def _token_of(ix: Index, w: str):
    """What one word of a question is, worked out once per word: (its stem, whether a concept
    phrase may start with it, its role: the bits _R_LEVEL (asks for a level), _R_KS (for skills),
    _R_MATRIX (for the matrix), _R_CONTENT (a content word), _R_ABOUT (names the role or says "about"),
    whether it is a content word). Memoised per word (_Fast)."""
    vw = ix.words
    s = stem(w)
    is_stop = w in vw.stop or s in vw.stop
    mine = s in ix.role_words or (len(w) > 1 and not w.isdigit() and _role_typo(ix, s))
    role = _R_ABOUT if mine or s in vw.about else 0
    if not is_stop or w in vw.intent_raw:
        if s in vw.neutral:
            role |= (_R_LEVEL if s in vw.level else 0) | (_R_KS if s in vw.ks else 0) | (_R_MATRIX if s in vw.matrix else 0)
        if not is_stop and len(w) > 1 and not w.isdigit() and not mine:
            role |= _R_CONTENT
    return s, bool(_fast(ix).concepts_at(s)), role, bool(role & _R_CONTENT)


_R_LEVEL, _R_KS, _R_MATRIX, _R_CONTENT, _R_ABOUT = 1, 2, 4, 8, 16
# the role bits of a question's words, or-ed together -> (want_level, want_ks, want_matrix, about)
_WANTS = tuple((bool(f & _R_LEVEL), bool(f & _R_KS), bool(f & _R_MATRIX), bool(f & _R_ABOUT)) for f in range(32))
_STEM, _CONCEPT, _ROLE, _IS_CONTENT = (itemgetter(k) for k in range(4))
_EXAMPLES = itemgetter(3)
_NEUTRAL_W = itemgetter(8)


def _CONCEPT_WORD(tok: str) -> tuple:
    return tok, None, _R_CONTENT, True


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _typo_of(ix: Index, w: str) -> str:
    """``w``, or the word it misspells when it is a short word neither the profile nor the stop
    words know and one swap of neighbouring letters makes it a stop word or a key word of the
    profile ("waht", "teh", "taks", "roel", "jbo"), or one missing letter an English stop word
    ("wich"). Memoised per word (_Fast)."""
    out = w
    vw = ix.words
    if 3 <= len(w) <= 6 and w.isalpha() and w not in vw.stop and w not in ix.st_words and \
            w not in ix.vocab_set and stem(w) not in ix.vocab_set and w not in ix.abbrev:
        stop, keys = vw.stop, ix.keywords
        swaps = [w[:i] + w[i + 1] + w[i] + w[i + 2:] for i in range(len(w) - 1)]
        found = [c for c in swaps if c in stop or stem(c) in keys]
        if not found and len(w) >= 4:
            found = [c for i in range(len(w) + 1) for ch in _LETTERS if (c := w[:i] + ch + w[i:]) in vw.stop_en]
        if len(set(found)) == 1:
            out = found[0]
    return out


def _word_of(ix: Index, w: str) -> tuple:
    """Everything the answering steps ask of one word as typed, in one memo look-up: the fields of
    :func:`_token_of` for the word with its typo fixed, then that word, its language vote, whether
    small talk never uses it, whether it may belong to another role's name. Memoised (_Fast)."""
    f = _fast(ix)
    x = f.typo(w)
    lang, block, roleish = f.lang(x), f.st_block(x), f.roleish(x)
    signs = block * _SIGN_ST + roleish * _SIGN_ROLE + (x in ix.requests) * _SIGN_REQUEST + int(lang * 4) * _SIGN_LANG
    return (*f.token(x), x, lang, block, roleish, f.ours(x), _role_word(ix, x), signs)


_FIXED, _LANG_VOTE, _ST_BLOCK, _ROLEISH, _OURS, _ROLE_WORD, _SIGNS = (itemgetter(k) for k in range(4, 11))
# A word's signs in one int, so that one sum() over a question's records counts them all: small
# talk never uses it, it may belong to another role's name, a request phrase starts with it (16 bits
# each: far more than a question of MAX_QUESTION_CHARS has words, so no field carries into the next),
# then its language vote times four (a multiple of 1/4: exact; signed, in the high bits).
_SIGN_ST, _SIGN_ROLE, _SIGN_REQUEST, _SIGN_LANG = 1, 1 << 16, 1 << 32, 1 << 48


def read_signs(recs: list[tuple]) -> tuple[int, int, int, float]:
    """For the records of a question (:func:`words`): how many of its words small talk never uses,
    how many may belong to another role's name, how many start a request phrase, and the sum of
    the words' language votes (:func:`_lang_word`)."""
    total = sum(map(_SIGNS, recs))
    return total & 0xFFFF, total >> 16 & 0xFFFF, total >> 32 & 0xFFFF, (total >> 48) / 4


def _piece_of(ix: Index, piece: str) -> tuple:
    """The :func:`_word_of` records of the tokens of one whitespace-separated piece of a question
    ("E.4-hez?", "manager,"). Memoised (_Fast)."""
    return tuple(map(_fast(ix).word, tokens(piece)))


def words(ix: Index, text: str) -> list[tuple]:
    """The question's words as :func:`_word_of` sees them (the typo-fixed words are field 4).
    Found piece by piece: whitespace folds to no letter or digit and nothing reorders across it,
    so the pieces' tokens are the text's."""
    return list(chain.from_iterable(map(_fast(ix).piece, text.split())))


def fix_typos(ix: Index, toks: list[str]) -> list[str]:
    typo = _fast(ix).typo
    return [typo(w) for w in toks]


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\s*[\n;]\s*")


def match(ix: Index, text: str, light: bool = False, toks: list[str] | None = None, codes: Codes | None = None,
          recs: list[tuple] | None = None) -> Match:
    """The matcher's verdict on one question (see :func:`_match`). A message of several sentences
    ("Hi, I'm writing my thesis. What is this role for?") that finds no sure topic as a whole is
    matched again by its last sentence, which wins when it is surer and asks about something: a
    preamble does not drown the question."""
    m = _match(ix, text, light, toks, codes, recs)
    if m.score >= ANSWER_THRESHOLD or (light and not m.scores) or len(text) < 40:
        return m
    parts = [p for p in _SENTENCE_END.split(text) if len(p) >= 8]
    if len(parts) < 2:
        return m
    # the question is the last sentence (a preamble comes first); one that only names the role
    # ("I mean the community manager job.") says nothing of what is asked
    pm = _match(ix, parts[-1])
    if pm.topic is not None and pm.score > m.score and (pm.content or pm.score != ROLE_ONLY_SCORE):
        return pm
    return m


def _name_recall(ph, best_for: dict, parts: dict) -> tuple[float, set]:
    """How much of name ``ph`` the question covers (each name stem weighted by how well its best
    query stem matched it), and the query stems used for it (with the parts of a split compound)."""
    got = 0.0
    used: set[str] = set()
    for t, wp in zip(ph.stems, ph.weights):
        hit = best_for.get(t)
        if hit is not None:
            got += wp * hit[0]
            used.add(hit[1])
            if hit[1] in parts:
                used.update(parts[hit[1]])
    return got / ph.total, used


def _match(ix: Index, text: str, light: bool = False, toks: list[str] | None = None, codes: Codes | None = None,
           recs: list[tuple] | None = None) -> Match:
    """The matcher's verdict on one question. ``light``: when the question names a competence or
    skill of the profile by its code (which decides the topic), only the codes and the kind of
    answer wanted are worked out; ``scores`` is then empty. ``toks``, ``codes`` and ``recs``: the
    question's words (typos fixed), codes and :func:`words` when the caller has them already."""
    fast = _fast(ix)
    if codes is None:
        codes = find_codes(text)
    token = fast.token
    if codes is not _NO_CODES:
        toks = fix_typos(ix, tokens(strip_codes(text)))
        infos = list(map(token, toks))
    elif recs is not None:
        infos = recs  # their first fields are those of _token_of
        toks = list(map(_FIXED, recs)) if toks is None else toks
    else:
        if toks is None:
            toks = fix_typos(ix, tokens(text))
        infos = list(map(token, toks))
    words = toks
    vw = ix.words
    abbr = ix.abbrev
    if abbr and not abbr.keys().isdisjoint(words):
        # an abbreviation: spelled out and rewritten, then each word looked at
        pairs = [_CONCEPT_WORD(s) if s[0] == "@" else (s, None, *token(w)[2:]) for w, s in rewrite(ix, words)]
    elif any(map(_CONCEPT, infos)):
        # a concept phrase may start at some words: the rewrite of :func:`rewrite`, at those only
        stems = list(map(_STEM, infos))
        n = len(infos)
        found = []  # (where, how many words, the concept's token)
        end = 0
        phrases = fast.concepts_next
        for i in compress(range(n), map(_CONCEPT, infos)):
            if i < end:
                continue  # within a phrase found already
            for seq, tok, k in phrases(stems[i], stems[i + 1] if i + 1 < n else ""):
                if i + k <= n and (k <= 2 or all(_same(a, b) for a, b in zip(seq[2:], stems[i + 2:i + k]))):
                    found.append((i, k, tok))
                    end = i + k
                    break
        if found:
            pairs = []
            end = 0
            for i, k, tok in found:
                pairs += infos[end:i]
                pairs.append(_CONCEPT_WORD(tok))  # a concept word: names its topic
                end = i + k
            pairs += infos[end:]
        else:
            pairs = infos
    else:
        pairs = infos
    want_level, want_ks, want_matrix, about = _WANTS[reduce(or_, map(_ROLE, pairs), 0)]
    q: list[str] = list(compress(map(_STEM, pairs), map(_IS_CONTENT, pairs)))
    neutral = vw.neutral
    if light and codes is not _NO_CODES and (
        any(f"competence:{c}" in ix.topic_rank for c in codes.competences)
        or any(f"skill:{c}" in ix.topic_rank for c in codes.skills)
    ):
        return Match(None, 0.0, [], codes, want_level, want_ks, want_matrix, {},
                     [s for s in dict.fromkeys(q) if s not in neutral], words)
    # compounds typed apart ("folyamat fejlesztes") and together ("folyamatfejlesztes")
    vocab_set = ix.vocab_set
    joined = list(filter(vocab_set.__contains__, map(add, q, q[1:]))) if len(q) > 1 else []
    q_set = dict.fromkeys(q)
    q_all = list(dict.fromkeys(q + joined)) if joined else list(q_set)
    content_q = list(filterfalse(neutral.__contains__, q_set))
    idf = ix.idf
    # what each query stem contributes (its similar stems, and through them names, examples, text
    # and bags), worked out once per stem; a question adds them up
    posts = list(map(fast.postings, q_all))
    if len(posts) == 1:
        best_for = posts[0][1]  # indexed stem -> (similarity, query stem)
        shared = False
    else:
        best_for = {}
        n_sims = 0
        for p in posts:
            best_for.update(p[1])
            n_sims += len(p[1])
        shared = len(best_for) != n_sims  # two query stems are like one indexed stem: keep the better
        if shared:
            best_for = {}
            for s, p in zip(q_all, posts):
                for t, v in p[0].items():
                    cur = best_for.get(t)
                    if cur is None or v > cur[0]:
                        best_for[t] = (v, s)
    cps = list(map(fast.cpostings, content_q))
    cpost = dict(zip(content_q, cps))
    qw = dict(zip(content_q, map(_STEM, cps)))  # weight of each content word of the question
    den = sum(qw.values())
    parts = {j: [x for x in q if x in j] for j in joined} if joined else {}  # a joined compound explains both halves

    scores: dict[str, float] = {}
    # names
    # several names of one topic may each explain part of the question ("KPIs ... measured"):
    # precision counts every word explained by a well-matched name of the topic
    names = ix.names
    explained: dict[str, set[str]] = {}
    matched: list[tuple[str, float, float, set[str]]] = []
    got_ex: dict[int, float] = {}
    if shared:
        # each indexed stem counts once, for the query stem most like it
        acc: dict[int, float] = {}
        by_stem, ex_by_stem = ix.by_stem, ix.ex_by_stem
        for t, (v, _) in best_for.items():
            wv = idf.get(t, 1.0) * v
            for i in by_stem.get(t, ()):
                acc[i] = acc.get(i, 0.0) + wv
            for i in ex_by_stem.get(t, ()):
                got_ex[i] = got_ex.get(i, 0.0) + wv
        # names that cannot reach a useful score (a common word of a long name) are not looked at
        floor = fast.floor
        for i in [i for i, g in acc.items() if g >= floor[i]]:
            ph = names[i]
            recall, used = _name_recall(ph, best_for, parts)
            matched.append((ph.topic, recall, ph.weight, used))
            if recall >= UNION_RECALL:
                explained.setdefault(ph.topic, set()).update(used)
    else:
        # a name only one query stem hits is scored from that stem's postings; a name several hit
        # adds their weights up
        multi: set[int] = set()
        if len(posts) == 2:
            multi = posts[0][2].keys() & posts[1][2].keys()  # walks the smaller of the two
        elif len(posts) > 2:
            seen: set[int] = set()
            for p in posts:
                k = p[2].keys()
                if not seen.isdisjoint(k):
                    multi.update(seen.intersection(k))
                seen.update(k)
        done: set[int] = set()
        floor = fast.floor
        for s, p in zip(q_all, posts) if multi else ():
            one = None
            for i, ok, recall, topic, weight in p[4]:
                if multi and i in multi:
                    if i in done:
                        continue
                    done.add(i)
                    g = 0.0
                    for pp in posts:
                        wv = pp[2].get(i)
                        if wv is not None:
                            g += wv
                    if g < floor[i]:
                        continue
                    ph = names[i]
                    recall, used = _name_recall(ph, best_for, parts)
                elif ok:
                    if one is None:
                        one = {s, *parts[s]} if s in parts else {s}
                    used = one
                else:
                    continue
                matched.append((topic, recall, weight, used))
                if recall >= UNION_RECALL:
                    explained.setdefault(topic, set()).update(used)
        if not multi:
            # each name this stem hits is its alone: they share what it explains of the question
            # (the precision), so of each topic's only the best is scored; those that explain the
            # question on their own share it with the topic's other such names (see below)
            for s, p in zip(q_all, posts):
                low, high = p[6], p[7]
                if not low and not high:
                    continue
                one = {s, *parts[s]} if parts and s in parts else {s}
                if den:
                    hit_w = 0.0
                    for x in one:
                        hit_w += qw.get(x, 0.0)
                    c = 0.5 + 0.5 * (hit_w / den)
                else:
                    c = 1.0
                d = 0.002 * len(one)
                for topic, recall, weight in low:
                    sc = recall * c * weight + d  # as below, with this stem's precision
                    if sc > scores.get(topic, 0.0):
                        scores[topic] = sc
                for topic, recall, weight in high:
                    matched.append((topic, recall, weight, one))
                    explained.setdefault(topic, set()).update(one)
    for topic, recall, weight, used in matched:
        covered = used | explained[topic] if recall >= UNION_RECALL else used
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

    # example questions: how much the question and one example share (weighted Dice)
    if shared:
        if got_ex:
            qtot = den + sum(map(_NEUTRAL_W, posts[:len(q_set)]))  # the first are q_set's, in order
            ex_info = fast.ex_info
            for i, got in got_ex.items():
                total, topic = ex_info[i]
                sc = 2.0 * got / (total + qtot) * EXAMPLE_WEIGHT
                if sc > scores.get(topic, 0.0):
                    scores[topic] = sc
    else:
        exs = list(filter(_EXAMPLES, posts))
        if exs:
            qtot = den + sum(map(_NEUTRAL_W, posts[:len(q_set)]))  # the first are q_set's, in order
            # each stem's best examples of each topic (see _postings_of) ...
            for p in exs:
                for topic, got, total in p[5]:
                    sc = 2.0 * got / (total + qtot) * EXAMPLE_WEIGHT
                    if sc > scores.get(topic, 0.0):
                        scores[topic] = sc
            if len(exs) > 1:
                # ... and the examples several stems hit, with their weights added up
                if len(exs) == 2:
                    multi_ex = exs[0][3].keys() & exs[1][3].keys()  # walks the smaller of the two
                else:
                    seen_ex: set[int] = set()
                    multi_ex = set()
                    for p in exs:
                        k = p[3].keys()
                        if not seen_ex.isdisjoint(k):
                            multi_ex.update(seen_ex.intersection(k))
                        seen_ex.update(k)
                if multi_ex:
                    ex_info = fast.ex_info
                    for i in multi_ex:
                        got = 0.0
                        for p in exs:
                            wv = p[3].get(i)
                            if wv is not None:
                                got += wv
                        total, topic = ex_info[i]
                        sc = 2.0 * got / (total + qtot) * EXAMPLE_WEIGHT
                        if sc > scores.get(topic, 0.0):
                            scores[topic] = sc

    # content
    if content_q:
        if len(cpost) == 1:
            hits = cpost[content_q[0]][1]
        else:
            hits = {}
            for c in cpost.values():
                for topic, h in c[1].items():
                    hits[topic] = hits.get(topic, 0.0) + h
        for topic, h in hits.items():
            sc = CONTENT_CAP * h / den
            if sc > scores.get(topic, 0.0):
                scores[topic] = sc

    # the topic whose bag of words (names, examples, text) explains most of the question, when it
    # stands clearly ahead of the next: long questions in the user's own words
    if len(content_q) >= 2:
        wsum = 0.0
        ev: dict[str, float] = {}
        for c in cpost.values():
            wsum += c[2]
            for topic, e in c[3].items():
                ev[topic] = ev.get(topic, 0.0) + e
        if ev:
            first = max(ev, key=ev.get)  # ties: the first met, as a stable sort gives
            e1 = ev[first]
            if len(ev) > 1:
                top2 = sorted(ev.values())
                e2 = top2[-2]
            else:
                e2 = 0.0
            margin = (e1 - e2) / e1
            sc = BAG_CAP * (e1 / wsum) * min(1.0, margin / BAG_MARGIN)
            if sc > scores.get(first, 0.0):
                scores[first] = sc

    top = max(scores.values(), default=0.0)
    # questions made of function words ("what will I be doing?"): the closest example question,
    # word for word
    if len(content_q) <= 1 and len(words) >= 3 and ix.ex_strings and top < ANSWER_THRESHOLD:
        whole = " ".join(w for w in words if w not in ix.st_words)
        strings, idxs = _examples_near(ix, whole)
        got = _extract_one(whole, strings, EX_WHOLE_CUTOFF) if strings else None
        if got is not None:
            topic = ix.ex_topics[idxs[got[2]]]
            v = EXAMPLE_WEIGHT * got[1] / 100
            if v > scores.get(topic, 0.0):
                scores[topic] = v
                top = max(top, v)

    # whole-string fuzzy (typos across word boundaries), when words alone found nothing sure
    if q and len(q) <= 4 and top < FUZZY_WHOLE_BELOW:
        qj = " ".join(q)
        if len(qj) >= 6:
            cj = " ".join(content_q)
            qs = cj if len(cj) >= 6 else qj
            strings, owners = _names_near(ix, qs)
            # the best 3 names, ties by name order, as if each name's string were compared: the
            # best 3 strings hold them (a string ranks by its first name)
            hits = [(sc, i) for _, sc, j in _extract(qs, strings, 85, 3) for i in owners[j]] if strings else []
            hits.sort(key=lambda h: (-h[0], h[1]))
            for sc, i in hits[:3]:
                ph = ix.names[i]
                v = 0.95 * sc / 100 * ph.weight
                if v > scores.get(ph.topic, 0.0):
                    scores[ph.topic] = v

    if not q and not scores and any(stem(w) in ix.role_words for w in words):
        scores["role:summary"] = ROLE_ONLY_SCORE  # "What is an online community manager?"
    if not vw.out_of_scope.isdisjoint(words):
        scores = {}  # e.g. salary: whatever else matches, the profile cannot answer it
    top = max(scores.values(), default=0.0)
    if scores and not want_ks and not vw.people.isdisjoint(words) and vw.competence.isdisjoint(words):
        # "who will I work with day to day?": the people the role works with, not a skill or a task
        best = max(scores, key=scores.get)
        near = scores.get(vw.people_topic, 0.0)
        if (best.startswith("skill:") or best == "role:tasks") and near >= max(top - PEOPLE_MARGIN, PEOPLE_MIN):
            scores[vw.people_topic] = top = max(top, near) + 0.001
    if SUPPORTED_THRESHOLD <= top < (ABOUT_THRESHOLD if about else ANSWER_THRESHOLD) and len(content_q) >= SUPPORT:
        # several of the question's own words point to the best topic: the question describes it in
        # other words ("figure out why stuff broke and fix it with little downtime")
        best = max(scores, key=scores.get)
        if _support(ix, best, content_q, cpost) >= SUPPORT:
            about = True
            top = max(top, ABOUT_THRESHOLD)
            scores[best] = top
    if top < (ABOUT_THRESHOLD if about else ANSWER_THRESHOLD):
        return Match(None, top, [], codes, want_level, want_ks, want_matrix, scores, content_q, words)
    floor = max(min(top, ANSWER_THRESHOLD) * 0.9, top - ALT_MARGIN)
    rank = ix.topic_rank
    near = [(-v, rank.get(t, 999), t) for t, v in scores.items() if v >= floor]
    near.sort()
    best = near[0][2]
    alts = [t for _, _, t in near[1:4]]
    return Match(best, top, alts, codes, want_level, want_ks, want_matrix, scores, content_q, words)


# ---------------------------------------------------------------------------------------------
SMALLTALK_ORDER = ("bye", "thanks", "help", "greeting")  # ties: the later intent in a message wins


def smalltalk(ix: Index, text: str, toks: list[str] | None = None, recs: list[tuple] | None = None) -> tuple[str, str | None] | None:
    """(intent, language) of a message that is only small talk ("hi", "thanks a lot", "mit
    tudsz?"), or None when it holds a question or is not small talk at all. The language is the
    one whose phrases the message used, when that is clear ("sziasztok" is Hungarian).

    Phrases of the lexicon are found word by word; whatever else the message says must be small
    talk too: stop words, filler words, or words the lexicon's small talk uses ("that helped a
    lot"). Without a whole phrase, the message's words vote for the intents whose phrases use them
    ("mit lehet tőled kérdezni?" ~ "mit kérdezhetek tőled")."""
    if not ix.smalltalk or _DIGIT.search(text):
        return None  # a digit may be a code (and find_codes finds codes only where there is one)
    toks = tokens(text) if toks is None else toks
    if not toks or len(toks) > 14:
        return None
    if len(toks) > 1 and any(map(_ST_BLOCK, recs) if recs is not None else map(_fast(ix).st_block, toks)):
        return None  # fast: a word small talk never uses means a real question
    stop, filler = ix.words.stop, ix.st_words
    hits: dict[str, int] = {}
    langs: set[str | None] = set()
    rest: list[str] = []
    i, n = 0, len(toks)
    while i < n:
        for seq, intent, lang in ix.smalltalk.get(toks[i], ()):
            k = len(seq)
            if tuple(toks[i:i + k]) == seq:
                hits[intent] = hits.get(intent, 0) + k
                langs.add(lang)
                i += k
                break
        else:
            rest.append(toks[i])
            i += 1
    rest = [w for w in rest if w not in stop and w not in filler and stem(w) not in stop]
    votes: dict[str, float] = {}
    for w in rest:
        got = _st_vocab(ix, w, exact=bool(hits))
        if got is None or (not hits and (w in ix.vocab_set or stem(w) in ix.vocab_set)):
            return None  # a word that is not small talk, or the profile's: a real question
        for intent in got:
            votes[intent] = votes.get(intent, 0.0) + 1.0 / len(got)
    if hits and rest and ix.concepts and any(x[0] == "@" for _, x in rewrite(ix, rest)):
        return None  # a word that points to a topic ("answerable", "judged")
    if not hits and not votes and len(toks) == 1 and ix.st_single and len(toks[0]) >= 4:
        got = _extract_one(toks[0], [w for w, _ in ix.st_single], 80)
        if got is not None:  # a typo: "thnaks", "koszonom"
            return ix.st_single[got[2]][1], None
    lang = next(iter(langs)) if len(langs) == 1 else None
    if hits:
        return max(hits, key=lambda k: (hits[k], -SMALLTALK_ORDER.index(k))), lang
    if votes and (len(rest) >= 2 or (len(toks) >= 2 and len(rest[0]) >= 5)):
        return max(votes, key=lambda k: (votes[k], -SMALLTALK_ORDER.index(k))), None
    return None


def _st_block(ix: Index, w: str) -> bool:
    """A word that small talk never uses (so the message holds a real question). Memoised (_Fast)."""
    stop = ix.words.stop
    return len(w) >= 3 and w not in stop and w not in ix.st_words and _st_vocab(ix, w) is None and stem(w) not in stop


def _st_vocab(ix: Index, word: str, exact: bool = False) -> tuple[str, ...] | None:
    """The intents whose phrases use ``word`` (or, unless ``exact``, a word sharing its first five
    letters)."""
    key = ("st", word, exact)
    hit = ix.sim_cache.get(key, False)
    if hit is not False:
        return hit
    table = ix.st_vocab
    out = table.get(word) or table.get(stem(word))
    if out is None and len(word) >= 5 and not exact:
        out = table.get(word[:5] + "*")
    return _remember(ix, key, out)


_WITH = frozenset({"with", "alongside", "together", "egyutt", "tandem", "tandemben", "mellett"})


def other_role(ix: Index, text: str, toks: list[str] | None = None, recs: list[tuple] | None = None) -> str | None:
    """When the question is about another job role ("what does a software developer do?", "mik egy
    rendszergazda KPI-jai?") rather than this profile's: the question without the role's words
    (to find what it asks about); else None."""
    if not ix.roles and not ix.role_heads:
        return None
    toks = tokens(text) if toks is None else toks
    fast = _fast(ix)
    if not any(map(_ROLEISH, recs) if recs is not None else map(fast.roleish, toks)):
        return None  # no role's word at all: the common case, decided fast
    # our title's words, but not the ones other titles share ("project manager", "online marketer")
    if any(map(_OURS, recs) if recs is not None else map(fast.ours, toks)):
        return None  # our own role is named ("community manager", "közösségi menedzser")
    if recs is not None:
        stems, kinds = list(map(_STEM, recs)), list(map(_ROLE_WORD, recs))
    else:
        stems, kinds = [stem(w) for w in toks], [_role_word(ix, w) for w in toks]
    found: list[tuple[int, int]] = []
    i, n = 0, len(toks)
    while i < n:
        for seq in ix.roles.get(stems[i], ()):
            k = len(seq)
            if tuple(stems[i:i + k]) == seq:
                found.append((i, i + k))
                i += k
                break
        else:
            kind = kinds[i]
            if kind & _RW_COMPOUND:
                found.append((i, i + 1))
            elif i > 0 and kind & _RW_HEAD and kinds[i - 1] & _RW_QUALIFIER:
                found.append((i - 1, i + 1))  # "X developer", "projekt menedzser"
            i += 1
    if not found:
        return None
    for a, b in found:
        span = stems[a:b]
        if any(t in _WITH for t in toks[max(0, a - 3):a]) or any(t in _WITH for t in toks[b:b + 2]):
            continue  # who the role works with: "in tandem with hotline operators"
        last = toks[b - 1]
        if last.endswith(("val", "vel", "kal", "kel", "ral", "rel")) and len(last) > 6:
            continue  # Hungarian "-val/-vel": with them
        if b < n and _in_name(ix, span + [stems[b]]):
            continue  # part of a term of the profile: "Hotline Operator support"
        return " ".join(w for j, w in enumerate(toks) if not a <= j < b)
    return None


_RW_COMPOUND, _RW_HEAD, _RW_QUALIFIER = 1, 2, 4


def _role_word(ix: Index, w: str) -> int:
    """What :func:`other_role` asks of one word, as bits: _RW_COMPOUND, it is a Hungarian compound
    title ("backendfejlesztő", "projektmenedzserek") not of our role; _RW_HEAD, it is a title head;
    _RW_QUALIFIER, it may name the kind of a head after it ("X developer"). Kept in the word's
    record (:func:`_word_of`), so worked out once per word."""
    kind = 0
    mine = ix.role_words
    if len(w) > 6:
        found_head = _heads(ix)[0].search(w, 3)
        if found_head is not None:
            pre = w[:found_head.start()]
            if pre not in mine and stem(pre) not in mine:
                kind |= _RW_COMPOUND
    if _is_head(ix, w):
        kind |= _RW_HEAD
    s = stem(w)
    if w not in ix.words.stop and w not in ix.st_words and not w.isdigit() and len(w) > 2 \
            and s not in mine and not _role_typo(ix, s):
        kind |= _RW_QUALIFIER
    return kind


def _heads(ix: Index):
    """(a pattern finding a Hungarian title head inside a word, the stems of every head)."""
    hit = ix.sim_cache.get(("heads",))
    if hit is None:
        hu = sorted({fold(h) for h in ix.role_heads.get("hu", ())}, key=len, reverse=True)
        pattern = re.compile("|".join(re.escape(h) for h in hu)) if hu else re.compile(r"(?!x)x")
        stems = frozenset(stem(fold(h)) for lang in ("en", "hu") for h in ix.role_heads.get(lang, ()))
        hit = _remember(ix, ("heads",), (pattern, stems))
    return hit


def _roleish(ix: Index, w: str) -> bool:
    """A word that may belong to another job role's name: a first word of a role, a title head
    ("developer"), or a word holding a Hungarian head ("backendfejlesztő"; heads are single words,
    so one is found in a word or not at all). Memoised (_Fast)."""
    compound, head_stems = _heads(ix)
    s = stem(w)
    return s in ix.roles or s in head_stems or compound.search(w) is not None


def _ours(ix: Index, w: str) -> bool:
    """A word of our role's own title (or a typo of one) that other titles do not share
    ("community", not "manager" or "online"). Memoised (_Fast)."""
    s = stem(w)
    return s not in _heads(ix)[1] and s != "online" and (s in ix.role_words or _role_typo(ix, s))


def _is_head(ix: Index, w: str) -> bool:
    """``w`` is a title head as typed: "developer(s)", "menedzser(nek)" (not "analysing": stems
    would merge it with "analyst")."""
    hit = ix.sim_cache.get(("head", w))
    if hit is None:
        heads = ix.role_heads
        en = {fold(h) for h in heads.get("en", ())}
        hit = w in en or (w.endswith("s") and w[:-1] in en) or \
            any(w.startswith(fold(h)) and len(w) - len(fold(h)) <= 4 for h in heads.get("hu", ()))
        _remember(ix, ("head", w), hit)
    return hit


def _in_name(ix: Index, seq: list[str]) -> bool:
    k = len(seq)
    for i in ix.by_stem.get(seq[0], ()):
        st = ix.names[i].stems
        for j in range(len(st) - k + 1):
            if list(st[j:j + k]) == seq:
                return True
    return False
