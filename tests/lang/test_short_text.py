"""Short uk/ru text, the per-word caches and the cheap check before the all-languages model."""

import pytest

from pipeline.config import LangIdConfig
from pipeline.lang.identifier import LanguageIdentifier, LinguaDetector


class _Refuses:
    """A detector that must not be asked."""

    languages = ["en", "uk", "ru"]

    def confidences(self, text):
        raise AssertionError(f"lingua was asked about {text!r}")

    def detect(self, text):
        raise AssertionError(f"lingua was asked about {text!r}")


class _Says:
    def __init__(self, lang, confidence):
        self.lang, self.confidence = lang, confidence
        self.asked = []

    def confidences(self, text):
        self.asked.append(text)
        return {self.lang: self.confidence}


# Written for these tests: one to three words, no letter only one language has.
SHORT = [
    ("зашнурований черевик", "uk"),
    ("жовтий олівець", "uk"),
    ("новий потяг", "uk"),
    ("новини", "uk"),
    ("синий карандаш", "ru"),
    ("поезд опоздал", "ru"),
    ("новости", "ru"),
    ("Он сказал", "ru"),
]


@pytest.mark.parametrize("text,lang", SHORT)
def test_short_uk_ru_text_is_decided_by_its_words_without_lingua(text, lang):
    ident = LanguageIdentifier(LangIdConfig(), detector=_Refuses())
    assert ident.detect(text).lang == lang


def test_text_over_the_short_limit_still_reaches_lingua():
    ident = LanguageIdentifier(LangIdConfig(open_set=False, word_shape_max_words=1), detector=_Refuses())
    assert ident.detect("новини").lang == "uk"
    with pytest.raises(AssertionError, match="lingua was asked"):
        # Two made-up names: no function word, ending or frequency to go by.
        ident.detect("Кварел Бродвин")


def test_word_evidence_off_hands_short_text_to_lingua():
    ident = LanguageIdentifier(LangIdConfig(word_shape_evidence=False), detector=_Refuses())
    assert ident.detect("новини").lang == "uk"  # its frequency still decides
    with pytest.raises(AssertionError, match="lingua was asked"):
        ident.detect("Кварел Бродвин")


def test_word_caches_are_bounded_and_change_nothing():
    texts = [t for t, _ in SHORT] + [
        "Уряд ухвалив програму відновлення енергетики до зими.",
        "Правительство одобрило программу восстановления энергетики.",
        "Компанія Apple представила новий iPhone у Києві.",
    ]
    small = LanguageIdentifier(LangIdConfig(cache_size=0, word_cache_size=3))
    large = LanguageIdentifier(LangIdConfig(cache_size=0))
    none = LanguageIdentifier(LangIdConfig(cache_size=0, word_cache_size=0))
    for _ in range(2):
        for text in texts:
            assert small.detect(text) == large.detect(text) == none.detect(text)
            assert small.spans(text, "uk") == large.spans(text, "uk")
    for cache in (small._facts, small._shapes, small._scripts, *small._common.values()):
        assert len(cache) <= 3
    assert not none._facts and not none._shapes


ENGLISH = [
    "The government adopted a new energy supply law on Tuesday, officials said.",
    "Police said three people were injured in the accident on the motorway.",
]
# Written for these tests: news sentences in languages outside en/uk/ru.
OTHER = [
    ("Der Stadtrat hat gestern den neuen Haushalt für das kommende Jahr verabschiedet.", "de"),
    ("Le conseil municipal a voté hier le budget de l'année prochaine.", "fr"),
    ("Rada miasta przyjęła wczoraj budżet na przyszły rok.", "pl"),
    ("Il consiglio comunale ha approvato ieri il bilancio del prossimo anno.", "it"),
]


@pytest.mark.parametrize("text", ENGLISH)
def test_plain_english_never_reaches_the_all_languages_model(text):
    ident = LanguageIdentifier(LangIdConfig(), open_detector=_Refuses())
    assert ident.detect(text).lang == "en"


@pytest.mark.parametrize("text,lang", OTHER)
def test_other_languages_still_reach_it(text, lang):
    said = _Says(lang, 0.99)
    ident = LanguageIdentifier(LangIdConfig(), open_detector=said)
    assert ident.detect(text).lang == lang and said.asked == [text]


def test_the_check_before_the_model_changes_no_decision():
    shared = LinguaDetector(LinguaDetector.all_languages(), low_accuracy=True)
    gated = LanguageIdentifier(LangIdConfig(), open_detector=shared)
    always = LanguageIdentifier(LangIdConfig(open_skip_share=2.0), open_detector=shared)
    for text in ENGLISH + [t for t, _ in OTHER]:
        assert gated.detect(text).lang == always.detect(text).lang
    assert [gated.detect(t).lang for t, _ in OTHER] == [lang for _, lang in OTHER]
