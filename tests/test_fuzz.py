"""Property-based: ask never raises and always keeps the contract, whatever the input."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CODES = st.sampled_from(["C.4", "b11", "E 2", "A.5", "D.1", "B 3", "m5", "kpi", "szint", "level", "Z.9", "-hez"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(max_size=400), st.lists(st.one_of(CODES, st.text(max_size=12)), max_size=12).map(" ".join)),
       st.sampled_from([None, "en", "hu", "xx"]))
def test_ask_never_raises(advisor, text, lang):
    a = advisor.ask(text, lang=lang)
    d = a.to_dict()
    assert d["lang"] in ("en", "hu")
    assert isinstance(d["answered"], bool) and 0.0 <= d["confidence"] <= 1.0
    assert d["answer"]
    assert (d["topic"] is None) == (not d["answered"])
    if lang in ("en", "hu"):
        assert d["lang"] == lang


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_ask_accepts_raw_bytes(advisor, raw):
    assert advisor.ask(raw).answer


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=60), st.text(alphabet=" \t\naáőŐE.\u0958\u2000\u00a0-", max_size=30)))
def test_clean_is_nfc_with_single_spaces(text):
    # clean returns a printable text unchanged when it has nothing to normalise: the same as the
    # full normalisation (NFC, whitespace runs to one space) gives
    import unicodedata

    from bot.text import clean

    if text.isprintable():
        assert clean(text) == " ".join(unicodedata.normalize("NFC", text).split())


def test_hungarian_letters_found_without_case_folding():
    # detect_lang searches for these characters instead of case-folding the whole question
    from bot.text import HU_LETTERS, HU_ONLY_LETTERS
    from bot.understand import _HU_CHAR, _HU_ONLY_CHAR

    for i in range(0x110000):
        c = chr(i)
        folded = set(c.casefold())
        assert bool(_HU_ONLY_CHAR(c)) == bool(folded & HU_ONLY_LETTERS), hex(i)
        assert bool(_HU_CHAR(c)) == bool(folded & HU_LETTERS), hex(i)
