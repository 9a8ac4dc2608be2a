"""Stage base classes: every stage is `__call__(batch: list[Article]) -> list[Article]`.

A failing article gets an error on it and is skipped by later stages; it never stops the
batch. `ArticleStage` works one article at a time; `BatchStage` runs prepare -> predict ->
apply over the whole batch (one batched model call) and, if that fails, retries article
by article so that only the culprit is marked failed.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import TYPE_CHECKING, Any

from ..data import Article
from ..errors import NewsbridgeError

if TYPE_CHECKING:
    from ..context import Context

log = logging.getLogger(__name__)


class Stage:
    name = "stage"
    # What the stage reads that an earlier stage must have written, and what it writes,
    # as "object.field" names (spaCy components declare the same): the runner refuses a
    # stage list where something required is assigned by no stage before it.
    requires: tuple[str, ...] = ()
    assigns: tuple[str, ...] = ()

    def __init__(self, context: "Context"):
        self.context = context
        self.config = context.config
        # Counters a stage keeps for the run summary (segments, tokens, model calls...).
        self.counts: Counter[str] = Counter()

    def __call__(self, batch: list[Article]) -> list[Article]:
        raise NotImplementedError

    def _fail(self, article: Article, exc: BaseException) -> None:
        if isinstance(exc, NewsbridgeError):
            article.fail(self.name, exc.kind, str(exc))
        else:
            # A bug or a library failure: keep the type so it can be reported and fixed.
            log.debug("stage %s failed on %s", self.name, article.id, exc_info=exc)
            article.fail(self.name, "internal", f"{type(exc).__name__}: {exc}")


class ArticleStage(Stage):
    """A stage that handles each article on its own."""

    def process(self, article: Article) -> None:
        raise NotImplementedError

    def __call__(self, batch: list[Article]) -> list[Article]:
        for article in batch:
            if not article.ok:
                continue
            try:
                self.process(article)
            except Exception as exc:  # noqa: BLE001 - recorded on the article
                self._fail(article, exc)
        return batch


class BatchStage(Stage):
    """A model stage: collect work across the batch, predict once, write results back."""

    def prepare(self, batch: list[Article]) -> Any:
        raise NotImplementedError

    def predict(self, work: Any) -> Any:
        raise NotImplementedError

    def apply(self, batch: list[Article], work: Any, predictions: Any) -> None:
        raise NotImplementedError

    def run_batch(self, batch: list[Article]) -> None:
        work = self.prepare(batch)
        predictions = self.predict(work)
        self.apply(batch, work, predictions)

    def __call__(self, batch: list[Article]) -> list[Article]:
        live = [a for a in batch if a.ok]
        if not live:
            return batch
        try:
            self.run_batch(live)
        except Exception as exc:  # noqa: BLE001
            if len(live) == 1:
                self._fail(live[0], exc)
                return batch
            log.warning("stage %s failed on a batch of %d (%s); retrying one by one", self.name, len(live), exc)
            for article in live:
                try:
                    self.run_batch([article])
                except Exception as one_exc:  # noqa: BLE001
                    self._fail(article, one_exc)
        return batch
