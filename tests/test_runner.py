"""The runner checks a stage list against what each stage declares it requires/assigns."""

import pytest

from pipeline import registry
from pipeline.errors import ConfigError
from pipeline.runner import check_stage_order
from pipeline.stages.base import ArticleStage


def test_built_in_flow_and_subsets_that_work():
    check_stage_order(["clean", "segment", "detect", "translate", "summarize"])
    check_stage_order(["clean", "segment", "detect", "summarize"])
    check_stage_order(["clean"])


@pytest.mark.parametrize("stages,needle", [
    (["clean", "segment", "translate"], "'translate' needs 'detect' before it (it reads segment.lang"),
    (["segment", "clean"], "'segment' needs 'clean' before it"),
    (["clean", "detect"], "'detect' needs 'segment' before it"),
])
def test_a_stage_before_what_it_reads_is_refused(stages, needle):
    with pytest.raises(ConfigError, match="pipeline.stages: ") as info:
        check_stage_order(stages)
    assert needle in str(info.value)


class _NeedsSummaries(ArticleStage):
    name = "needs_summaries"
    requires = ("article.summary",)

    def process(self, article):
        pass


class _Undeclared(ArticleStage):
    name = "undeclared"

    def process(self, article):
        pass


@pytest.fixture
def plugin_stages():
    saved = dict(registry.stages._entries)
    registry.stages.add("needs_summaries", _NeedsSummaries)
    registry.stages.add("undeclared", _Undeclared)
    yield
    registry.stages._entries.clear()
    registry.stages._entries.update(saved)


def test_a_plugin_stage_is_checked_by_its_own_declaration(plugin_stages):
    with pytest.raises(ConfigError, match="'needs_summaries' needs 'summarize' before it"):
        check_stage_order(["clean", "segment", "detect", "needs_summaries"])
    check_stage_order(["clean", "segment", "detect", "summarize", "needs_summaries"])
    # A stage that declares nothing is not checked (and checks nothing after it).
    check_stage_order(["undeclared", "clean"])


def test_the_heap_is_trimmed_after_each_model_stage_only(monkeypatch):
    from pipeline import malloc
    from pipeline.data import Article
    from pipeline.runner import Pipeline
    from pipeline.stages.base import BatchStage

    calls: list[str] = []
    monkeypatch.setattr(malloc, "trim", lambda: calls.append("trim") or True)

    class Cpu(ArticleStage):
        name = "cpu"

        def process(self, article):
            calls.append(self.name)

    class Model(BatchStage):
        def __call__(self, batch):
            calls.append(self.name)
            return batch

    context = type("Ctx", (), {"config": None})()
    first, second = Model(context), Model(context)
    first.name, second.name = "model1", "model2"
    Pipeline(context, [Cpu(context), first, second])._run_stages([Article(id="a")], 0, 3)
    assert calls == ["cpu", "model1", "trim", "model2", "trim"]
