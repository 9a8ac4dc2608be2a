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


def test_reader_and_pipeline_on_sample_file(tiny_context):
    art = read_path(SAMPLE_ARTICLE, tiny_context.config.read)[0]
    Pipeline.from_config(tiny_context.config, tiny_context).run([art])
    assert art.ok and art.title is not None and len(art.sections) == 6
