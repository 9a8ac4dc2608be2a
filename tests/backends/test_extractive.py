"""The extractive backend: language-aware words, TextRank with a lead prior, budgets; and
end to end on the sample article (English source) and a Ukrainian source."""

from __future__ import annotations

import json

import pytest

from pipeline.backends.extractive import ExtractiveSummarizer, content_words, pagerank, position_prior, similarity_matrix
from pipeline.config import load_config
from pipeline.context import Context
from pipeline.data import TARGET_LANGS
from pipeline.io.readers import read_path
from pipeline.runner import Pipeline

from ..conftest import SAMPLE_ARTICLE, TINY_CONFIG, WMT_DIR, make_article


def _extractor(*overrides: str) -> ExtractiveSummarizer:
    cfg = load_config(None, ["summarize.backend=extractive", *overrides])
    return Context(cfg).summarizer("extractive")


def test_ukrainian_inflections_meet_as_one_word_and_stop_words_go():
    a = content_words("Малі розірвала дипломатичні відносини з Україною.", "uk")
    b = content_words("Розірвання відносин: Україна відповіла на рішення.", "uk")
    assert "відносини" in a and "відносини" in b  # відносин -> відносини
    assert "україна" in a and "україна" in b  # Україною -> україна
    assert "з" not in a and "на" not in b
    en = content_words("The rebels said they were not receiving any support.", "en")
    assert "rebel" in en and "support" in en and "the" not in en and "they" not in en
    ru = content_words("Повстанцы заявили, что не получали поддержки.", "ru")
    assert "поддержка" in ru and "что" not in ru


def test_pagerank_prefers_the_sentence_others_talk_about():
    sentences = [
        ["weather", "sunny", "weekend"],
        ["parliament", "budget", "vote"],
        ["budget", "schools", "parliament"],
        ["budget", "roads", "vote"],
        ["budget", "parliament", "hospitals"],
    ]
    scores = pagerank(similarity_matrix(sentences), position_prior(5, 0.0), 0.85)
    assert max(range(5), key=scores.__getitem__) in (1, 4)
    assert min(range(5), key=scores.__getitem__) == 0  # the off-topic sentence


def test_selection_keeps_budget_order_and_skips_duplicates():
    extractor = _extractor()
    sentences = [
        "The parliament approved the state budget for schools and hospitals on Tuesday.",
        "Opposition members criticised the budget for cutting road repairs.",
        "The parliament approved the state budget for schools and hospitals on Tuesday.",
        "Thank you.",
        "The vote on the budget followed a week of debate in parliament.",
        "It rained in the capital.",
    ]
    langs = ["en"] * len(sentences)
    counts = extractor.count_tokens(sentences)
    chosen = extractor.select(sentences, langs, budget=30)
    assert chosen == sorted(chosen) and chosen
    assert not {0, 2} <= set(chosen)  # a repeat is not chosen twice
    assert 3 not in chosen and 5 not in chosen
    assert sum(counts[i] for i in chosen) <= 30 or len(chosen) == 1
    # A budget smaller than any sentence still yields one whole sentence.
    assert len(extractor.select(sentences, langs, budget=1)) == 1


def test_heading_steers_the_choice():
    extractor = _extractor("summarize.extractive.heading_weight=0.9")
    sentences = [
        "Farmers asked the government for support after the dry summer.",
        "Prices for bread and fuel rose again in October.",
        "The central bank kept interest rates unchanged.",
    ]
    langs = ["en"] * 3
    assert extractor.select(sentences, langs, 10, heading=("Interest rates stay unchanged", "en")) == [2]
    assert extractor.select(sentences, langs, 10) == [0]  # without it, the lead


def test_lead_method_takes_the_first_sentences():
    extractor = _extractor("summarize.extractive.method=lead")
    sentences = ["One two three four.", "Five six seven eight.", "Nine ten eleven twelve."]
    assert extractor.select(sentences, ["en"] * 3, budget=10) == [0, 1]


@pytest.fixture
def extractive_pipeline(tiny_overrides):
    def make(*overrides: str) -> Pipeline:
        cfg = load_config(
            TINY_CONFIG,
            [*tiny_overrides, "summarize.backend=extractive", "summarize.max_new_tokens=48", "summarize.article_max_new_tokens=128", *overrides],
        )
        return Pipeline.from_config(cfg, Context(cfg))

    return make


def test_sample_article_gets_real_extractive_summaries(extractive_pipeline, monkeypatch):
    from pipeline.backends.seq2seq import Seq2SeqSummarizer

    monkeypatch.setattr(Seq2SeqSummarizer, "__init__", lambda *a, **k: pytest.fail("no model for extractive"))
    pipeline = extractive_pipeline()
    art = read_path(SAMPLE_ARTICLE, pipeline.context.config.read)[0]
    pipeline.run([art])
    assert art.ok, art.error
    assert len(art.sections) == 6
    shorter = 0
    for section in art.sections:
        info = section.summary_info
        assert info["strategy"] == "extract_then_align" and info["backend"] == "extractive"
        made = info["summarised"]["en"]
        segments = list(section.segments())
        if made["method"] == "extractive":
            chosen = made["sentences"]
            assert chosen == sorted(chosen) and made["of"] == len(segments)
            # Whole source sentences, in order; Ukrainian = the same sentences' translations.
            assert section.summary["en"] == " ".join(segments[i].text for i in chosen)
            assert section.summary["uk"] == " ".join(segments[i].translations["uk"] for i in chosen)
            shorter += len(chosen) < len(segments)
        else:
            assert made["method"] == "passthrough" and section.summary["en"] == " ".join(s.text for s in segments)
        assert info["translated"]["uk"] == {"from": "en", "via": "aligned sentences"}
    assert shorter >= 4  # most sections (2-4 sentences each) are really condensed
    body = [s.text for s in art.sections for s in s.segments()]
    article_info = art.summary_info["summarised"]["en"]
    assert article_info["method"] == "extractive" and article_info["of"] == len(body)
    assert 2 <= len(article_info["sentences"]) < len(body) // 2
    assert art.summary["en"] == " ".join(body[i] for i in article_info["sentences"])
    for kept_out in ("Photo:", "Source:", "НОВИНИ", art.title.text):
        assert kept_out not in art.summary["en"]


def test_ukrainian_source_is_extracted_from_the_ukrainian_text(extractive_pipeline):
    docs = [json.loads(line) for line in (WMT_DIR / "uk-en.jsonl").read_text(encoding="utf-8").splitlines()]
    doc = next(d for d in docs if len(d["src"]) >= 8 and len(" ".join(d["src"])) > 800)
    paragraphs = [" ".join(doc["src"][i : i + 4]) for i in range(0, len(doc["src"]), 4)]
    art = make_article("Новини дня\n\n" + "\n\n".join(paragraphs))
    extractive_pipeline().run([art])
    assert art.ok, art.error and art.source.lang == "uk"
    for section in art.sections:
        made = section.summary_info["summarised"]
        assert list(made) == ["uk"]
        segments = list(section.segments())
        if made["uk"]["method"] == "extractive":
            chosen = made["uk"]["sentences"]
            assert section.summary["uk"] == " ".join(segments[i].text for i in chosen)
            assert section.summary["en"] == " ".join(segments[i].translations["en"] for i in chosen)
        assert set(section.summary) == set(TARGET_LANGS) and all(section.summary.values())
    assert all(art.summary.values())


def test_extractive_summarizer_is_a_summarizer_of_plain_texts():
    # The same interface as the abstractive backend: texts in, one summary per text out,
    # whole sentences of that text, within the budget.
    from pipeline.backends.base import Summarizer
    from pipeline.config import load_config
    from pipeline.context import Context

    summarizer = Context(load_config(None, ["summarize.backend=extractive"])).summarizer("extractive")
    assert isinstance(summarizer, Summarizer) and not summarizer.needs_model
    texts = [
        "The council met on Monday. It approved the school budget after a long debate. Teachers welcomed the vote.",
        "Storms hit the coast. Roads were closed for hours. The power came back by night.",
    ]
    out = summarizer.summarize(texts, [12, 8])
    assert len(out) == 2
    for text, summary, budget in zip(texts, out, [12, 8]):
        assert summary and all(sentence in text for sentence in summary.split(". ") if sentence)
        assert sum(summarizer.count_tokens([summary])) <= budget or summary.count(".") == 1
