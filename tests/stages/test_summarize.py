"""The summarize stage with the tiny models: strategies, passthrough, map-reduce, fallback.
Structure, routing and accounting only; tiny-model wording is gibberish by design."""

from __future__ import annotations

import json
import math
import re

import pytest

from pipeline.backends.seq2seq import Seq2SeqSummarizer
from pipeline.config import load_config
from pipeline.context import Context
from pipeline.data import TARGET_LANGS
from pipeline.errors import ConfigError
from pipeline.io.readers import read_path
from pipeline.runner import Pipeline

from ..conftest import SAMPLE_ARTICLE, TINY_CONFIG, WMT_DIR, make_article

# Tiny random weights loop by nature; tests of the model path switch loop detection off.
NO_LOOP_CHECK = ["summarize.loop_max_repeats=1000", "summarize.loop_min_distinct=0"]


@pytest.fixture
def make_pipeline(tiny_overrides):
    def make(*overrides: str) -> Pipeline:
        cfg = load_config(TINY_CONFIG, [*tiny_overrides, *overrides])
        return Pipeline.from_config(cfg, Context(cfg))

    return make


@pytest.fixture
def calls(monkeypatch):
    """Every call into an abstractive summariser: (model name, texts, targets)."""
    seen: list[tuple[str, list[str], list[int]]] = []
    original = Seq2SeqSummarizer.summarize

    def spy(self, texts, max_new_tokens):
        targets = [max_new_tokens] * len(texts) if isinstance(max_new_tokens, int) else list(max_new_tokens)
        seen.append((self.name, list(texts), targets))
        return original(self, texts, max_new_tokens)

    monkeypatch.setattr(Seq2SeqSummarizer, "summarize", spy)
    return seen


def _wmt_docs(pair: str) -> list[dict]:
    return [json.loads(line) for line in (WMT_DIR / f"{pair}.jsonl").read_text(encoding="utf-8").splitlines()]


def _words(text: str) -> list[str]:
    return text.split()


def _stage(pipeline: Pipeline):
    return pipeline.stages[-1]


def test_sample_article_has_six_section_summaries_and_an_article_summary(make_pipeline, calls):
    pipeline = make_pipeline(*NO_LOOP_CHECK)
    art = read_path(SAMPLE_ARTICLE, pipeline.context.config.read)[0]
    pipeline.run([art])
    assert art.ok, art.error
    rec = art.to_record()
    assert len(rec["sections"]) == 6
    for sec in rec["sections"]:
        assert set(sec["summary"]) == set(TARGET_LANGS) and all(sec["summary"].values())
        info = sec["summary_info"]
        assert info["strategy"] == "en_then_translate" and info["backend"] == "seq2seq"
        (lang, made), = info["summarised"].items()
        assert lang == "en" and made["method"] in ("model", "passthrough")
        assert made["model"] == "tiny-bart-summarizer"
        # The Ukrainian summary is a translation of the English one, or for a passed-through
        # section the section's own aligned translation.
        assert info["translated"]["uk"]["from"] == "en"
    assert set(rec["summary"]) == set(TARGET_LANGS) and all(rec["summary"].values())
    assert rec["summary_info"]["summarised"]["en"]["method"] in ("model", "passthrough")
    # Every model input came from section text or section summaries: English only.
    assert calls and all(name == "tiny-bart-summarizer" for name, _, _ in calls)
    stats = pipeline.stats_dict()["summarize"]
    assert stats["sections"] == 6 and stats["articles"] == 1


def test_tags_captions_credits_never_enter_summaries(make_pipeline, calls):
    body = " ".join(
        f"The regional council met on day {i} to discuss the budget for schools, roads and hospitals." for i in range(8)
    )
    text = f"A title here\n\nPhoto: Somebody Famous\n\n{body}\n\nSource: agency wire\n\nНОВИНИ"
    art = make_pipeline(*NO_LOOP_CHECK).run([make_article(text)])[0]
    assert art.ok, art.error
    seen = " ".join(t for _, texts, _ in calls for t in texts)
    assert "regional council" in seen  # the body was summarised by the model
    summaries = " ".join(art.summary.values()) + " ".join(v for s in art.sections for v in s.summary.values())
    for kept_out in ("НОВИНИ", "Photo:", "Somebody Famous", "Source: agency", "agency wire"):
        assert kept_out not in seen and kept_out not in summaries


def _long_section_article(n_words: int):
    sentences, count = [], 0
    for doc in _wmt_docs("en-uk"):
        for sentence in doc["src"]:
            sentences.append(sentence)
            count += len(sentence.split())
            if count >= n_words:
                break
        if count >= n_words:
            break
    paragraphs = [" ".join(sentences[i : i + 6]) for i in range(0, len(sentences), 6)]
    return make_article("Council budget report\n\n" + "\n\n".join(paragraphs)), sentences


def test_5000_word_section_is_summarised_by_map_reduce_without_truncation(make_pipeline, calls):
    pipeline = make_pipeline(*NO_LOOP_CHECK)
    art, sentences = _long_section_article(5000)
    pipeline.run([art])
    assert art.ok, art.error
    assert len(art.sections) == 1
    section = art.sections[0]
    assert len(_words(section.text_in("en"))) >= 5000
    made = section.summary_info["summarised"]["en"]
    summarizer = pipeline.context.summarizer("tiny-bart-summarizer")
    limit = summarizer.max_input_tokens
    first_level = calls[0][1]
    # Every chunk fits the model, the chunks hold the whole section exactly once, in order,
    # and the record counts them.
    assert len(first_level) == made["chunks"] > 1
    assert all(n <= limit for n in summarizer.count_tokens(first_level))
    assert _words(" ".join(first_level)) == _words(section.text_in("en"))
    assert made["method"] == "model" and made["levels"] >= 2
    # Later levels summarise the chunk summaries, never the raw text again.
    assert all(len(texts) < len(first_level) for _, texts, _ in calls[1:])
    assert all(section.summary.values()) and all(art.summary.values())
    stats = pipeline.stats_dict()["summarize"]
    assert stats["chunked"] == 1 and stats["chunks"] == made["chunks"]


def test_map_reduce_depth_is_bounded_and_says_so(make_pipeline, calls):
    # The kept summary is long; tiny Marian never stops early, and a bound of 1.5x a full
    # 512-token input would run past its 512 positions, so translations are bounded lower.
    pipeline = make_pipeline(*NO_LOOP_CHECK, "summarize.max_reduce_depth=1", "translate.max_length_ratio=0.5")
    art, _ = _long_section_article(5000)
    pipeline.run([art])
    assert art.ok, art.error
    section = art.sections[0]
    info = section.summary_info
    assert info["summarised"]["en"]["levels"] == 1
    assert any("max_reduce_depth" in w for w in info["warnings"])
    assert any("max_reduce_depth" in w for w in art.warnings)
    # Nothing is cut: the summary is all the chunk summaries, joined (one model call).
    assert len(calls) == 1
    assert info["summarised"]["en"]["chunks"] == len(calls[0][1])
    assert len(section.summary["en"].split()) >= len(calls[0][1])


def test_short_section_is_passed_through_not_sent_to_the_model(make_pipeline, calls):
    long_para = " ".join(f"Officials said the talks on trade would continue on day {i} of the summit." for i in range(6))
    short = "The bridge reopened on Monday."
    text = f"Title line here\n\n{long_para}\n\nShort news\n\n{short}"
    pipeline = make_pipeline(*NO_LOOP_CHECK)
    art = pipeline.run([make_article(text)])[0]
    assert art.ok, art.error
    assert len(art.sections) == 2
    section_inputs = calls[0][1]  # the first call is the sections' (then the article's)
    assert len(section_inputs) == 1 and short not in section_inputs[0]
    passed = art.sections[1]
    assert passed.summary_info["summarised"]["en"]["method"] == "passthrough"
    assert passed.summary["en"] == short
    # Its Ukrainian summary is its own translation (aligned), not a new translation call.
    assert passed.summary["uk"] == passed.text_in("uk")
    assert passed.summary_info["translated"]["uk"]["via"] == "aligned sentences"
    assert art.sections[0].summary_info["summarised"]["en"]["method"] == "model"
    stats = pipeline.stats_dict()["summarize"]
    assert stats["passthrough"] >= 1 and stats["model_inputs_saved"] >= 1


def test_length_as_ratio_of_the_section(make_pipeline, calls):
    pipeline = make_pipeline(
        *NO_LOOP_CHECK,
        "summarize.length=ratio",
        "summarize.ratio=0.25",
        "summarize.ratio_min_new_tokens=8",
        "summarize.ratio_max_new_tokens=40",
        "summarize.length_bucket=4",
    )
    paras = [
        " ".join(f"Farmers in region {k} asked for support after the dry summer number {i}." for i in range(n))
        for k, n in ((1, 2), (2, 4))
    ]
    text = f"Title line here\n\n{paras[0]}\n\nSecond part\n\n{paras[1]}"
    art = pipeline.run([make_article(text)])[0]
    assert art.ok, art.error
    infos = [s.summary_info["summarised"]["en"] for s in art.sections]
    for info in infos:
        expected = max(8, min(40, math.ceil(0.25 * info["input_tokens"] / 4) * 4))
        assert info["target_tokens"] == expected
    # Longer section, longer summary bound; the bound reached the model as given.
    assert infos[1]["target_tokens"] > infos[0]["target_tokens"]
    targets = {t for _, _, ts in calls for t in ts}
    assert {i["target_tokens"] for i in infos if i["method"] == "model"} <= targets


@pytest.mark.parametrize("bad_output,why", [("", "empty"), ("budget budget budget budget budget", "loops")])
def test_degenerate_summary_falls_back_to_lead_sentences_with_a_warning(make_pipeline, monkeypatch, bad_output, why):
    monkeypatch.setattr(Seq2SeqSummarizer, "summarize", lambda self, texts, max_new_tokens: [bad_output] * len(texts))
    first = "The city council approved the budget for schools and roads on Tuesday."
    rest = " ".join(f"Members debated item {i} of the plan for several hours before the vote." for i in range(5))
    art = make_pipeline().run([make_article(f"Budget approved\n\n{first} {rest}")])[0]
    assert art.ok, art.error
    section = art.sections[0]
    made = section.summary_info["summarised"]["en"]
    assert made["method"] == "lead_fallback"
    assert section.summary["en"].startswith(first)
    assert section.summary["en"] in section.text_in("en")
    assert section.summary["uk"] and section.summary_info["translated"]["uk"]["via"] == "aligned sentences"
    assert any(why in w for w in section.summary_info["warnings"])
    assert any(why in w and "section 1" in w for w in art.warnings)


def test_sections_of_many_articles_share_one_model_call(make_pipeline, calls):
    def article(i: int):
        body = " ".join(f"Report {i}: the ministry said shipment {j} of grain left the port." for j in range(6))
        return make_article(f"Title {i}\n\n{body}\n\nMore\n\n{body} Extra line {i}.", id=f"a{i}")

    pipeline = make_pipeline(*NO_LOOP_CHECK)
    arts = pipeline.run([article(i) for i in range(3)])
    assert all(a.ok for a in arts)
    # One call with the 6 sections of all three articles, then one for the article
    # summaries (tiny models write the same text for every input, so those may coincide).
    assert len(calls[0][1]) == 6
    assert len(calls) == 2


def test_repeated_sections_are_summarised_once(make_pipeline, monkeypatch):
    # Every model input gets a summary of its own (tiny models may write the same text for
    # any input, which would hide a summary handed to the wrong section).
    made: dict[str, str] = {}

    def distinct(self, texts, max_new_tokens):
        return [made.setdefault(text, f"Summary number {len(made) + 1} of its input.") for text in texts]

    monkeypatch.setattr(Seq2SeqSummarizer, "summarize", distinct)
    body = " ".join(f"Subscribe to our newsletter to get item {j} of the daily digest in your inbox." for j in range(5))
    arts = [make_article(f"Title {i}\n\nUnique lead {i} about the weather today is here.\n\nNewsletter\n\n{body}", id=f"a{i}") for i in range(3)]
    pipeline = make_pipeline(*NO_LOOP_CHECK)
    pipeline.run(arts)
    (sent,) = [text for text in made if body in text]  # one model input held the repeated section
    assert [a.sections[1].summary["en"] for a in arts] == [made[sent]] * 3


def test_single_section_article_summary_is_the_section_summary(make_pipeline, calls):
    body = " ".join(f"Rescue teams cleared part {i} of the damaged bridge through the night." for i in range(6))
    pipeline = make_pipeline(*NO_LOOP_CHECK)
    art = pipeline.run([make_article(f"Bridge repaired\n\n{body}")])[0]
    assert art.summary == art.sections[0].summary
    assert art.summary_info["summarised"]["en"]["method"] == "single_section"
    assert len(calls) == 1  # no second call for the article


def _uk_article(min_sentences: int = 8):
    doc = next(d for d in _wmt_docs("uk-en") if len(d["src"]) >= min_sentences and len(" ".join(d["src"])) > 600)
    paragraphs = [" ".join(doc["src"][i : i + 4]) for i in range(0, len(doc["src"]), 4)]
    return make_article("Новини дня\n\n" + "\n\n".join(paragraphs)), doc


def test_source_then_translate_summarises_ukrainian_text_with_the_multilingual_model(make_pipeline, calls):
    pipeline = make_pipeline(*NO_LOOP_CHECK, "summarize.strategy=source_then_translate")
    art, doc = _uk_article()
    pipeline.run([art])
    assert art.ok, art.error
    assert art.source.lang == "uk"
    assert {name for name, _, _ in calls} == {"tiny-mt5-summarizer"}
    first_inputs = " ".join(calls[0][1])
    assert doc["src"][0].split()[0] in first_inputs  # the Ukrainian source itself went in
    for section in art.sections:
        info = section.summary_info
        assert info["strategy"] == "source_then_translate"
        assert list(info["summarised"]) == ["uk"]
        assert info["translated"]["en"]["from"] == "uk"
        assert all(section.summary.values())
    assert all(art.summary.values())


def test_source_then_translate_russian_keeps_the_russian_summary_in_the_info(make_pipeline, calls):
    doc = next(d for d in _wmt_docs("ru-en") if len(" ".join(d["src"])) > 600)
    art = make_article("Заголовок\n\n" + " ".join(doc["src"]))
    pipeline = make_pipeline(*NO_LOOP_CHECK, "summarize.strategy=source_then_translate")
    pipeline.run([art])
    assert art.ok, art.error
    assert art.source.lang == "ru"
    info = art.sections[0].summary_info
    assert info["summarised"]["ru"]["text"]
    assert {info["translated"][lang]["from"] for lang in TARGET_LANGS} == {"ru"}
    assert set(art.sections[0].summary) == set(TARGET_LANGS) and all(art.sections[0].summary.values())


def test_per_language_summarises_each_language_with_its_own_model(make_pipeline, calls):
    pipeline = make_pipeline(*NO_LOOP_CHECK, "summarize.strategy=per_language")
    art = read_path(SAMPLE_ARTICLE, pipeline.context.config.read)[0]
    pipeline.run([art])
    assert art.ok, art.error
    by_model = {}
    for name, texts, _ in calls:
        by_model.setdefault(name, []).extend(texts)
    assert set(by_model) == {"tiny-bart-summarizer", "tiny-mt5-summarizer"}
    cyrillic = re.compile("[А-Яа-яІіЇїЄєҐґ]")
    sections_en = next(texts for name, texts, _ in calls if name == "tiny-bart-summarizer")
    sections_uk = next(texts for name, texts, _ in calls if name == "tiny-mt5-summarizer")
    # Sections: English text to the English model, Ukrainian (translated) text to the other.
    assert not any(cyrillic.search(t) for t in sections_en)
    assert all(cyrillic.search(t) for t in sections_uk)
    for section in art.sections:
        info = section.summary_info
        assert set(info["summarised"]) == set(TARGET_LANGS) and "translated" not in info
        assert info["summarised"]["uk"]["model"] == "tiny-mt5-summarizer"
        assert all(section.summary.values())


def test_per_language_needs_a_model_for_each_language(tiny_overrides):
    with pytest.raises(ConfigError, match="language_models for uk"):
        load_config(TINY_CONFIG, [*tiny_overrides, "summarize.strategy=per_language", "summarize.language_models={en: x}"])


def test_without_the_translate_stage_summaries_still_come_in_both_languages(make_pipeline):
    pipeline = make_pipeline("pipeline.stages=[clean, segment, detect, summarize]")
    art, _ = _uk_article()
    pipeline.run([art])
    assert art.ok, art.error
    for section in art.sections:
        assert all(section.summary.values())
    assert pipeline.stats_dict()["summarize"]["sentences_translated_for_summary"] > 0
