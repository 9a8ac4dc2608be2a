"""Extractive summaries without model weights: TextRank over sentence similarity, with a
lead prior for news, or simply the lead.

Sentences are compared by their content words: tokens lemmatised per language with
simplemma (Ukrainian, Russian, English and ~50 more; "розірвала" and "розірвати" count
as one word), stop words (the stop-words package) dropped, weighted TF-IDF within the text.
Sentence scores are PageRank over the cosine-similarity graph, with endorsement flowing
mostly from later sentences to the earlier ones they elaborate, and teleporting to earlier
sentences more often (news puts key facts first) and to sentences close to the heading. The best-scored sentences are taken
within the length budget, skipping near-duplicates, and returned in text order, so a
summary is whole source sentences in their original order.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .base import SentenceExtractor

if TYPE_CHECKING:
    from ..context import Context

# Words and punctuation marks: a rough stand-in for subword tokens, so the same length
# settings mean about the same for both backends.
_TOKEN = re.compile(r"\w+|[^\w\s]", re.UNICODE)


class ExtractiveSummarizer(SentenceExtractor):
    needs_model = False  # no weights
    name = "extractive"

    def __init__(self, model: Any, context: "Context"):
        self.cfg = context.config.summarize.extractive

    def count_tokens(self, texts: list[str]) -> list[int]:
        return [len(_TOKEN.findall(t)) for t in texts]

    def select(
        self, sentences: list[str], langs: list[str], budget: int, heading: tuple[str, str] | None = None
    ) -> list[int]:
        if not sentences:
            return []
        counts = self.count_tokens(sentences)
        if self.cfg.method == "lead":
            total, chosen = 0, []
            for i, n in enumerate(counts):
                if chosen and total + n > budget:
                    break
                chosen.append(i)
                total += n
            return chosen
        words = [content_words(s, lang) for s, lang in zip(sentences, langs)]
        sim = similarity_matrix(words)
        edges = directed(sim, self.cfg.forward_weight)
        prior = position_prior(len(sentences), self.cfg.position_bias)
        if heading is not None and self.cfg.heading_weight > 0:
            prior = heading_prior(prior, words, content_words(*heading), self.cfg.heading_weight)
        scores = pagerank(edges, prior, self.cfg.damping)
        order = sorted(range(len(sentences)), key=lambda i: (-scores[i], i))
        chosen = []
        total = 0
        # Substantial sentences first; short ones ("Thank you.") only if nothing else is there.
        mean = 1.0 / len(sentences)
        for pool in ([i for i in order if len(words[i]) >= self.cfg.min_content_words], order):
            for i in pool:
                if i in chosen or any(sim[i][j] >= self.cfg.max_similarity for j in chosen):
                    continue
                # Beyond the best sentence, only above-average ones fill the budget: a short
                # low-ranked line ("See the list at the link.") is not worth including.
                if chosen and (total + counts[i] > budget or scores[i] < mean):
                    continue
                chosen.append(i)
                total += counts[i]
            if chosen:
                break
        return sorted(chosen)


# -- ranking (pure functions) -------------------------------------------------------------


def content_words(text: str, lang: str) -> list[str]:
    """Lemmas of the words of `text` that carry content (no stop words, no punctuation)."""
    import simplemma

    stop = _stopwords(lang)
    out = []
    for token in simplemma.simple_tokenizer(text):
        if not any(ch.isalnum() for ch in token):
            continue
        low = token.lower()
        if low in stop:
            continue
        lemma = _lemma(token, lang)
        if lemma not in stop:
            out.append(lemma)
    return out


@lru_cache(maxsize=200_000)
def _lemma(token: str, lang: str) -> str:
    import simplemma

    if lang not in _lemma_langs():
        return token.lower()
    return simplemma.lemmatize(token, lang=lang).lower()


@lru_cache(maxsize=1)
def _lemma_langs() -> frozenset[str]:
    from simplemma.strategies.dictionaries.dictionary_factory import SUPPORTED_LANGUAGES

    return frozenset(SUPPORTED_LANGUAGES)


@lru_cache(maxsize=32)
def _stopwords(lang: str) -> frozenset[str]:
    from stop_words import safe_get_stop_words

    return frozenset(safe_get_stop_words(lang))  # empty for a language it does not know


def similarity_matrix(sentences: list[list[str]]) -> list[list[float]]:
    """Cosine similarity of sublinear TF-IDF vectors (IDF over these sentences)."""
    n = len(sentences)
    df: Counter[str] = Counter()
    for words in sentences:
        df.update(set(words))
    vectors = []
    for words in sentences:
        vec = {w: (1 + math.log(c)) * (math.log((1 + n) / (1 + df[w])) + 1) for w, c in Counter(words).items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        vectors.append({w: v / norm for w, v in vec.items()})
    sim = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            a, b = vectors[i], vectors[j]
            if len(a) > len(b):
                a, b = b, a
            s = sum(v * b.get(w, 0.0) for w, v in a.items())
            sim[i][j] = sim[j][i] = s
    return sim


def directed(sim: list[list[float]], forward_weight: float) -> list[list[float]]:
    """Edge i -> j (i endorses j) keeps its weight when j comes before i, and is scaled by
    `forward_weight` when j comes after."""
    return [[w * forward_weight if j > i else w for j, w in enumerate(row)] for i, row in enumerate(sim)]


def position_prior(n: int, bias: float) -> list[float]:
    weights = [1.0 / (i + 1) ** bias for i in range(n)]
    total = sum(weights)
    return [w / total for w in weights]


def heading_prior(prior: list[float], sentences: list[list[str]], heading: list[str], weight: float) -> list[float]:
    """Mix the position prior with each sentence's similarity to the heading."""
    if not heading:
        return prior
    sims = similarity_matrix([heading, *sentences])[0][1:]
    total = sum(sims)
    if total <= 0:
        return prior
    return [(1 - weight) * p + weight * s / total for p, s in zip(prior, sims)]


def pagerank(sim: list[list[float]], prior: list[float], damping: float, iterations: int = 100) -> list[float]:
    """PageRank on the weighted similarity graph, teleporting by `prior`; a sentence with
    no similar sentence hands its weight to the prior."""
    import numpy as np

    weights = np.asarray(sim, dtype=float)
    p = np.asarray(prior, dtype=float)
    out_sum = weights.sum(axis=1)
    dangling = out_sum == 0
    transition = np.divide(weights, out_sum[:, None], out=np.zeros_like(weights), where=~dangling[:, None])
    rank = p.copy()
    for _ in range(iterations):
        new = damping * (rank @ transition + rank[dangling].sum() * p) + (1 - damping) * p
        if np.abs(new - rank).sum() < 1e-10:
            rank = new
            break
        rank = new
    return rank.tolist()
