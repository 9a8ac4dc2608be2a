"""Model stages with the tiny models: structure and accounting, never wording."""

from pipeline.io.readers import read_path
from pipeline.runner import Pipeline

from ..conftest import SAMPLE_ARTICLE, make_article


def test_every_segment_has_both_languages(tiny_context, sample_text):
    pipeline = Pipeline.from_config(tiny_context.config, tiny_context)
    art = pipeline.run([make_article(sample_text)])[0]
    assert art.ok, art.error
    segments = list(art.segments())
    assert segments
    for seg in segments:
        assert seg.in_lang("en") is not None and seg.in_lang("uk") is not None
        if seg.lang == "en":
            assert seg.in_lang("en") == seg.text  # the source is kept, not re-translated
    assert art.tags[0].segments[0].translations.get("en") is not None
    rec = art.to_record()
    assert set(rec["title"]) >= {"en", "uk"}
    for sec in rec["sections"]:
        assert set(sec["text"]) >= {"en", "uk"} and set(sec["summary"]) == {"en", "uk"}
        assert all(sec["summary"].values())
    assert set(rec["summary"]) == {"en", "uk"}
    assert rec["signature"]["models"] and rec["signature"]["config_hash"] == tiny_context.config.config_hash()
    stats = pipeline.stats_dict()
    assert list(stats) == ["clean", "segment", "detect", "translate", "summarize"]
    assert stats["translate"]["translations"] >= len(segments)


def test_tags_never_enter_summaries(tiny_context):
    engine = tiny_context.translation_engine()
    pipeline = Pipeline.from_config(tiny_context.config, tiny_context)
    seen = []
    summarizer = pipeline.stages[-1].summarizer
    original = summarizer.summarize

    def spy(texts):
        seen.extend(texts)
        return original(texts)

    summarizer.summarize = spy
    try:
        pipeline.run([make_article("A title here\n\nPhoto: Somebody\n\nBody text of the article is here.\n\nSource: agency\n\nНОВИНИ")])
    finally:
        summarizer.summarize = original
    joined = " ".join(seen)
    assert "Body text" in joined
    for kept_out in ("НОВИНИ", "Photo:", "Source: agency"):
        assert kept_out not in joined
    assert engine is tiny_context.translation_engine()


def test_long_section_is_chunked_not_truncated(tiny_context):
    pipeline = Pipeline.from_config(tiny_context.config, tiny_context)
    stage = pipeline.stages[-1]
    limit = stage.summarizer.max_input_tokens
    sentence = "The council approved the budget for schools and roads after a long debate."
    body = " ".join([sentence] * 120)
    assert stage.summarizer.count_tokens([body])[0] > limit
    calls = []
    original = stage.summarizer.summarize
    stage.summarizer.summarize = lambda texts: calls.append(list(texts)) or original(texts)
    try:
        art = pipeline.run([make_article(f"Title\n\n{body}")])[0]
    finally:
        stage.summarizer.summarize = original
    assert art.ok, art.error
    first_pass = calls[0]
    # Every piece fits, and together the pieces hold the whole section.
    assert len(first_pass) > 1
    assert all(n <= limit for n in stage.summarizer.count_tokens(first_pass))
    assert sum(p.count("council approved") for p in first_pass) == 120


def test_reader_and_pipeline_on_sample_file(tiny_context):
    art = read_path(SAMPLE_ARTICLE, tiny_context.config.read)[0]
    Pipeline.from_config(tiny_context.config, tiny_context).run([art])
    assert art.ok and art.title is not None and len(art.sections) == 6
