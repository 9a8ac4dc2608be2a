"""The engine with a scripted fake backend: routes, waves, cache, splitting, guards."""

from __future__ import annotations

import re

from pipeline.backends.base import Translation
from pipeline.translation.engine import Request, warning_kind

from .loop_oracle import loops
from .translation_fixtures import backend_contexts, ct2_converted, fake_context, fake_script  # noqa: F401

RU = "Это было очень хорошо сказано, и все согласились с этим решением."
UK = "Це було дуже добре сказано, і всі погодилися з цим рішенням."


def kinds(result) -> list[str]:
    return [warning_kind(w) for w in result.warnings]


def test_routes_direct_pivot_multilingual_and_copy(fake_context, fake_script):
    engine = fake_context().translation_engine()
    assert [h.ref for h in engine.route("en", "uk")] == ["tiny-marian-en-uk"]
    assert [h.ref for h in engine.route("ru", "uk")] == ["tiny-marian-ru-en", "tiny-marian-en-uk"]
    assert [h.ref for h in engine.route("de", "uk")] == ["tiny-marian-mul-en", "tiny-marian-en-uk"]
    assert [h.ref for h in engine.route("de", "en")] == ["tiny-marian-mul-en"]
    assert engine.required_models(["en", "uk", "ru"], ["en", "uk"]) == ["tiny-marian-en-uk", "tiny-marian-ru-en", "tiny-marian-uk-en"]

    out = engine.translate([
        Request("Hello there.", "en", "uk"),
        Request("Привіт.", "uk", "uk"),
        Request("2024 — 15:30", "und", "uk"),
        Request("Привет, мир.", "ru", "uk"),
        Request("Guten Tag.", "de", "uk"),
    ])
    assert [r.route for r in out] == [
        ["tiny-marian-en-uk"], [], [], ["tiny-marian-ru-en", "tiny-marian-en-uk"], ["tiny-marian-mul-en", "tiny-marian-en-uk"],
    ]
    assert out[1].text == "Привіт." and out[2].text == "2024 — 15:30"  # copied, never sent to a model
    assert out[0].text == "[tiny-marian-en-uk] Hello there."
    assert out[3].text == "[tiny-marian-en-uk] [tiny-marian-ru-en] Привет, мир."
    assert "Привіт." not in fake_script.texts_for("tiny-marian-uk-en")


def test_direction_without_model_keeps_source_and_says_so(fake_context):
    engine = fake_context("translate.models={en-uk: tiny-marian-en-uk}").translation_engine()
    [res] = engine.translate([Request("Добрий день.", "uk", "en")])
    assert res.text == "Добрий день." and kinds(res) == ["no_model"]


def test_pivoted_and_direct_texts_share_one_model_call(fake_context, fake_script):
    engine = fake_context().translation_engine()
    engine.translate([Request("Hello.", "en", "uk"), Request("Привет.", "ru", "uk"), Request("Bonjour.", "fr", "uk")])
    en_uk = [c for c in fake_script.calls if c.ref == "tiny-marian-en-uk"]
    assert len(en_uk) == 1 and len(en_uk[0].texts) == 3


def test_identical_texts_translated_once_and_cached(fake_context, fake_script):
    engine = fake_context("translate.cache_size=2").translation_engine()
    reqs = [Request("Same sentence.", "en", "uk")] * 5 + [Request("Other one.", "en", "uk")]
    out = engine.translate(reqs)
    assert len(out) == 6 and len({r.text for r in out[:5]}) == 1
    assert fake_script.texts_for("tiny-marian-en-uk") == ["Same sentence.", "Other one."]
    engine.translate([Request("Same sentence.", "en", "uk")])
    assert len(fake_script.calls) == 1 and engine.counts["cache_hits"] == 1
    # Bounded: two more distinct texts push the first out.
    engine.translate([Request("Third.", "en", "uk"), Request("Fourth.", "en", "uk")])
    engine.translate([Request("Same sentence.", "en", "uk")])
    assert fake_script.texts_for("tiny-marian-en-uk").count("Same sentence.") == 2


def test_long_input_is_split_under_the_limit_and_rejoined(fake_context, fake_script):
    fake_script.max_input_tokens = 12
    fake_script.respond = lambda text, options, ref: text.upper()
    engine = fake_context().translation_engine()
    text = " ".join(f"council {i} approved the budget for schools and roads, after debate {i};" for i in range(6))
    text += " " + "x" * 90
    [res] = engine.translate([Request(text, "en", "uk")])
    sent = fake_script.texts_for("tiny-marian-en-uk")
    assert len(sent) > 1 and res.pieces == len(sent)
    assert all(len(t.split()) + 1 <= 12 for t in sent)
    # Every word of the source reaches the model once, in order, and comes back.
    assert " ".join(sent).split() == text.split()
    assert res.text.split() == text.upper().split()


TRICKY_TEXTS = [
    "Hello there.",
    "Київ, 24 лютого — «Укрзалізниця» повідомила про зміни.",
    "ﬁnance ﬂows \ufdfa \u2460\u2461 ½ ㎏",  # NFKC expands ligatures, U+FDFA to 18 characters
    "emoji 🙂🚀 and 東京 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    ">>ukr<< with a language code",
    "tabs\tand   spaces\u00a0and\u2009thin ones",
    "x" * 300,
]


def test_fit_bound_holds_for_real_tokenizers(backend_contexts):
    """The engine skips tokenising texts whose normalised UTF-8 bytes, plus one, plus the
    fixed tokens fit the limit: that must bound the real SentencePiece count."""
    import unicodedata

    for backend, context in backend_contexts.items():
        translator = context.translator(context.translation_engine().route("en", "uk")[0].ref)
        fixed = translator.count_tokens([""])[0]
        for text, n in zip(TRICKY_TEXTS, translator.count_tokens(TRICKY_TEXTS)):
            assert n <= fixed + 1 + len(unicodedata.normalize("NFKC", text).encode("utf-8")), (backend, text)


def test_only_texts_that_may_not_fit_are_tokenised_to_decide(fake_context, fake_script, monkeypatch):
    from .translation_fixtures import FakeTranslator

    asked: list[str] = []
    count = FakeTranslator.count_tokens

    def counting(self, texts):
        asked.extend(texts)
        return count(self, texts)

    monkeypatch.setattr(FakeTranslator, "count_tokens", counting)
    fake_script.max_input_tokens = 40  # room for 38 bytes of text
    engine = fake_context().translation_engine()
    short = ["Short one.", "Коротке речення."]  # 10 and 30 bytes
    long = "council approved the budget for schools and roads, after a long debate; " * 4
    out = engine.translate([Request(t, "en", "uk") for t in [*short, long]])
    assert not set(short) & set(asked)  # decided by their size alone
    assert long.strip() in asked or long in asked  # counted, then split
    assert [r.pieces for r in out] == [1, 1, len(fake_script.texts_for("tiny-marian-en-uk")) - 2]
    assert all(len(t.split()) + 1 <= 40 for t in fake_script.texts_for("tiny-marian-en-uk"))
    assert out[2].pieces > 1


def test_menu_without_punctuation_is_split_at_words(fake_context, fake_script):
    fake_script.max_input_tokens = 8
    fake_script.respond = lambda text, options, ref: text.lower()
    engine = fake_context().translation_engine()
    menu = " ".join(["SOUP", "SALAD", "BREAD", "FISH", "CAKE", "TEA", "COFFEE", "JUICE"] * 4)
    [res] = engine.translate([Request(menu, "en", "uk")])
    assert all(len(t.split()) + 1 <= 8 for t in fake_script.texts_for("tiny-marian-en-uk"))
    assert res.text == menu.lower()
    # A chant that the source itself repeats is not a loop.
    assert "loop" not in kinds(res)


def test_russian_output_for_ukrainian_target_is_caught_and_retried(fake_context, fake_script):
    # The first answer is Russian; with Russian letters banned it comes back Ukrainian.
    fake_script.respond = lambda text, options, ref: UK if "ы" in options.banned_chars else RU
    engine = fake_context().translation_engine()
    [res] = engine.translate([Request("That was very well said, and everyone agreed.", "en", "uk")])
    assert res.text == UK and res.retried and not res.warnings
    assert [c.options.banned_chars for c in fake_script.calls] == ["", "ыэъёЫЭЪЁ"]


def test_russian_output_that_persists_is_warned_about(fake_context, fake_script):
    fake_script.respond = lambda text, options, ref: "Он сказал, что всё будет хорошо."
    engine = fake_context().translation_engine()
    [res] = engine.translate([Request("He said everything would be fine.", "en", "uk")])
    assert kinds(res) == ["language"] and "ru" in res.warnings[0] and res.retried
    assert len(fake_script.calls) == 2  # one retry, not more


def test_russian_without_telltale_letters_is_caught_by_the_detector(fake_context, fake_script):
    # No ы э ъ ё in it: orthography cannot decide, the statistical check does.
    fake_script.respond = lambda text, options, ref: "Президент сказал, что правительство примет новые меры для поддержки фермеров"
    engine = fake_context().translation_engine()
    [res] = engine.translate([Request("The president said the government would take new measures.", "en", "uk")])
    assert kinds(res) == ["language"]


def test_ukrainian_and_english_outputs_pass_the_language_check(fake_context, fake_script):
    fake_script.respond = lambda text, options, ref: UK if ref.endswith("en-uk") else "It was very well said."
    engine = fake_context().translation_engine()
    out = engine.translate([Request("It was very well said.", "en", "uk"), Request(UK, "uk", "en")])
    assert all(not r.warnings and not r.retried for r in out)


def test_loop_is_retried_with_ngram_block_from_config(fake_context, fake_script):
    def respond(text, options, ref):
        return "добре, добре" if options.no_repeat_ngram_size else "так " * 12

    fake_script.respond = respond
    engine = fake_context("translate.no_repeat_ngram_size=0", "translate.repetition_penalty=1.1").translation_engine()
    [res] = engine.translate([Request("Yes.", "en", "uk")])
    assert res.text == "добре, добре" and not res.warnings and res.retried
    first, retry = (c.options for c in fake_script.calls)
    assert (first.no_repeat_ngram_size, first.repetition_penalty) == (0, 1.1)
    assert (retry.no_repeat_ngram_size, retry.repetition_penalty, retry.num_beams) == (3, 1.3, 4)


def test_persistent_loop_is_cut_and_warned_once(fake_context, fake_script):
    fake_script.respond = lambda text, options, ref: "Рада ухвалила бюджет бюджет бюджет бюджет бюджет бюджет бюджет"
    engine = fake_context().translation_engine()
    [res] = engine.translate([Request("The council approved the budget.", "en", "uk")])
    assert kinds(res) == ["loop"]
    assert res.text == "Рада ухвалила бюджет"
    assert not loops(res.text, "The council approved the budget.", min_repeats=4, max_chars=40)


def test_output_stopping_at_the_length_bound_is_retried_then_warned(fake_context, fake_script):
    fake_script.respond = lambda text, options, ref: Translation("Рада ухвалила", tokens=7, hit_limit=True)
    engine = fake_context().translation_engine()
    [res] = engine.translate([Request("The council approved the budget.", "en", "uk")])
    assert kinds(res) == ["length"] and len(fake_script.calls) == 2


def test_lost_numbers_and_urls_are_warned_about(fake_context, fake_script):
    fake_script.respond = lambda text, options, ref: re.sub(r"\d", "", text) if "drop" in text else text
    engine = fake_context().translation_engine()
    out = engine.translate([
        Request("drop: 1,250 people came on 24.11.2026, see https://example.org/a", "en", "uk"),
        Request("keep: 1,250 people came on 24.11.2026, see https://example.org/a", "en", "uk"),
    ])
    assert kinds(out[0]) == ["numbers"] and "1,250" in out[0].warnings[0] and "24.11.2026" in out[0].warnings[0]
    assert not out[1].warnings
    engine = fake_context("translate.guards.check_numbers=false").translation_engine()
    assert not engine.translate([Request("drop 1,250 people", "en", "uk")])[0].warnings


def test_one_warning_per_kind_per_segment_across_pieces_and_hops(fake_context, fake_script):
    fake_script.max_input_tokens = 8
    fake_script.respond = lambda text, options, ref: Translation("Он сказал, что всё " + "да " * 10, tokens=20, hit_limit=True)
    engine = fake_context().translation_engine()
    long_ru = "Он сказал, что это правда; мы согласились, но потом передумали и ушли домой вечером."
    [res] = engine.translate([Request(long_ru, "ru", "uk")])
    assert res.pieces > 1
    assert sorted(kinds(res)) == sorted(set(kinds(res)))
    assert {"loop", "length", "language"} <= set(kinds(res))
    # Bounded work: per hop, one first pass and at most two retry calls (language / other).
    assert len(fake_script.calls) <= 6


def test_retries_can_be_switched_off(fake_context, fake_script):
    fake_script.respond = lambda text, options, ref: RU
    engine = fake_context("translate.guards.retry=false").translation_engine()
    [res] = engine.translate([Request("It was well said.", "en", "uk")])
    assert kinds(res) == ["language"] and not res.retried and len(fake_script.calls) == 1


def test_repeated_pieces_of_long_inputs_are_translated_once(fake_context, fake_script):
    fake_script.max_input_tokens = 12
    engine = fake_context().translation_engine()
    text = " ".join(["The council approved the budget for schools and roads."] * 5)
    [res] = engine.translate([Request(text, "en", "uk")])
    assert res.pieces == 5 and fake_script.texts_for("tiny-marian-en-uk") == ["The council approved the budget for schools and roads."]


def test_every_request_gets_exactly_one_result(fake_context, fake_script):
    engine = fake_context().translation_engine()
    reqs = [Request(f"Sentence {i % 7}.", lang, tgt) for i in range(40) for lang, tgt in [("en", "uk"), ("ru", "en"), ("uk", "uk")]]
    out = engine.translate(reqs)
    assert len(out) == len(reqs)
    for req, res in zip(reqs, out):
        assert res.text.endswith(req.text)
