"""The language of one text: `LanguageIdentifier` decides, in this order:
1. script: only candidates written in the text's main script are considered (one left:
   decided; "Україна and NATO" is Cyrillic-majority);
2. orthography: letters only one candidate's alphabet has (і ї є ґ and the apostrophe ->
   Ukrainian; ы э ъ ё -> Russian, among uk/ru) decide, by majority of marked words;
3. lexical evidence (uk vs ru): function words and endings only one of them uses;
4. statistics: lingua restricted to what is left of the candidates.
Steps 2-3 overrule step 4: that is where short Ukrainian/Russian text goes wrong otherwise.
`spans()` finds stretches of a text in another script or quoted in another language.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from itertools import islice
from operator import itemgetter
from typing import TYPE_CHECKING

from .. import registry
from ..data import UNDETERMINED, Span
from ..errors import ConfigError
from ..lru import LRUCache
from ..text.scripts import script_counts, script_of
from .alphabets import CYRILLIC_ALPHABETS, CYRILLIC_SIGNATURE_LETTERS, script_of_lang
from .evidence import is_marked, lexical_vote, orthographic_counts, words, words_fit, zipf_difference

if TYPE_CHECKING:
    from ..config import LangIdConfig

@dataclass(frozen=True)
class Detection:
    lang: str
    confidence: float
    script: str
    # What decided: script | orthography | lexical | statistics | none
    evidence: str = "statistics"


_count = itemgetter(1)


def _confidence(value) -> float:
    return value.value


class LinguaDetector:
    """lingua restricted to `languages` (ISO 639-1 codes)."""

    def __init__(self, languages: list[str], low_accuracy: bool = False):
        from lingua import IsoCode639_1, LanguageDetectorBuilder

        codes = []
        for code in languages:
            try:
                codes.append(getattr(IsoCode639_1, code.upper()))
            except AttributeError:
                raise ConfigError(f"langid.languages: '{code}' is not an ISO 639-1 code lingua knows") from None
        self.languages = list(languages)
        # lingua Language -> our code, once: read off each value's enum per call it cost
        # more than lingua's own work on the 75-language open set.
        self._codes: dict[object, str] = {}
        if len(codes) == 1:
            self._only = languages[0].lower()
            self._detector = None
        else:
            self._only = None
            builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
            if low_accuracy:
                builder = builder.with_low_accuracy_mode()
            self._detector = builder.build()

    def confidences(self, text: str) -> dict[str, float]:
        """Confidence per candidate language (sums to 1 over the candidates lingua kept)."""
        if self._only:
            return {self._only: 1.0}
        codes = self._codes
        out: dict[str, float] = {}
        for v in self._detector.compute_language_confidence_values(text):
            language = v.language
            code = codes.get(language)
            if code is None:
                code = codes[language] = language.iso_code_639_1.name.lower()
            out[code] = float(v.value)
        return out

    def best(self, text: str) -> tuple[str, float] | None:
        """The most confident language and its confidence, None when lingua gives no
        values: what `max` over `confidences` picks (the first of equals in lingua's
        order), without a dict of every language."""
        if self._only:
            return self._only, 1.0
        values = self._detector.compute_language_confidence_values(text)
        if not values:
            return None
        top = max(values, key=_confidence)
        code = self._codes.get(top.language)
        if code is None:
            code = self._codes[top.language] = top.language.iso_code_639_1.name.lower()
        return code, float(top.value)

    @staticmethod
    def all_languages() -> list[str]:
        """Every language lingua knows, as ISO 639-1 codes."""
        from lingua import Language

        return sorted(lang.iso_code_639_1.name.lower() for lang in Language.all())

    def detect(self, text: str) -> tuple[str, float]:
        values = self.confidences(text)
        if not values:
            return UNDETERMINED, 0.0
        lang = max(values, key=values.get)
        return lang, values[lang]


class LanguageIdentifier:
    """Language of one text from the `langid` config: evidence first, then statistics.
    `detect(text) -> Detection(lang, confidence, script, evidence)`; results are cached."""

    def __init__(self, config: "LangIdConfig", detector=None, open_detector=None):
        self.config = config
        self.main = list(dict.fromkeys(config.languages))
        self.extra = [l for l in dict.fromkeys(config.extra_languages) if l not in self.main]
        self.candidates = self.main + self.extra
        if detector is None:
            factory = registry.detectors.get(config.backend)
            try:
                detector = factory(self.candidates, low_accuracy=config.low_accuracy)
            except TypeError:  # a detector without the option
                detector = factory(self.candidates)
        self.detector = detector
        self._by_script: dict[str, list[str]] = {}
        for lang in self.candidates:
            self._by_script.setdefault(script_of_lang(lang), []).append(lang)
        # Detection is deterministic, so this cache is never saved with a batch's commits.
        self._cache: LRUCache[str, Detection] = LRUCache(config.cache_size, max_bytes=int(config.cache_mb * 2**20))
        self._open = open_detector  # built on first use: most batches never need it
        # Per-word facts, bounded (config.word_cache_size): (lexical vote, uk-ru Zipf
        # difference) and, for short text, the word-shape log-odds.
        self._facts: dict[str, tuple[int, float]] = {}
        self._shapes: dict[str, float] = {}
        self._common: dict[str, dict[str, bool]] = {}
        self._scripts: dict[str, str] = {}
        self._open_set = config.open_set and (open_detector is not None or config.backend == "lingua")
        # Cyrillic languages that are not candidates but whose text could pass for one.
        # Extra Cyrillic candidates (bg in extra_languages) are asked the same way; without
        # an all-languages model (another backend, no open detector) none are.
        others = [l for l in CYRILLIC_LETTER_SETS if l not in self.main]
        if not self._open_set:
            others = [l for l in others if l in self.extra]
        if open_detector is None and config.backend != "lingua":
            others = []
        self._cyrillic_others = others

    def detect(self, text: str) -> Detection:
        hit = self._cache.get(text)
        if hit is not None:
            return hit
        found = self._detect(text)
        self._cache.put(text, found)
        return found

    def _detect(self, text: str) -> Detection:
        found = self._restricted(text)
        enough = self.config.open_min_words
        # Counting stops at `enough` words: the question is only whether there are that many.
        if not (self._open_set or self._cyrillic_others) or len(list(islice(_WORD_RE.finditer(text), enough))) < enough:
            return found
        if script_of_lang(found.lang) == "Cyrillic":
            other = self._other_cyrillic(text, found) if self._cyrillic_others else None
        elif self._open_set and found.evidence in ("script", "statistics"):
            other = self._open_set_language(text, found)
        else:
            other = None
        return found if other is None else other

    def _other_cyrillic(self, text: str, found: Detection) -> Detection | None:
        """Bulgarian, Belarusian, Macedonian, Serbian, Kazakh, Mongolian text (when not
        candidates) is named as itself, not as the Cyrillic candidate its letters and
        words resemble ("Правителството прие във вторник нов закон" has ъ and Russian
        words, and is Bulgarian). Asked only of text of open_min_words or more whose
        Cyrillic letters all belong to that language's alphabet (and include its signature
        letters where it has them: ә ғ қ ң ө ұ ү һ for Kazakh); then the all-languages model
        must be sure of it and, when the letters alone do not rule the candidate out, the
        words must fit it better than the candidate's. Cyrillic languages among
        extra_languages are asked the same way (their letters rarely tell them from uk/ru)."""
        letters = set(_CYRILLIC_LETTER.findall(text.lower()))
        options = [
            lang
            for lang in self._cyrillic_others
            if letters <= CYRILLIC_LETTER_SETS[lang]
            and (lang not in CYRILLIC_SIGNATURE_LETTERS or not letters.isdisjoint(CYRILLIC_SIGNATURE_LETTERS[lang]))
        ]
        if not options:
            return None
        # Letters the decided language does not write (ў, ј, қ ...) already say it is not that.
        ruled_out = not letters <= CYRILLIC_LETTER_SETS.get(found.lang, letters)
        return self._open_set_language(text, found, allowed=options, check_words=not ruled_out)

    def _open_model(self) -> "LinguaDetector":
        if self._open is None:
            self._open = LinguaDetector(LinguaDetector.all_languages(), low_accuracy=self.config.open_low_accuracy)
        return self._open

    def _plainly(self, text: str, lang: str) -> bool:
        """Whether the text is plainly `lang` by its words: at least open_skip_share of them
        are common `lang` words (Zipf >= open_skip_zipf, wordfreq). Asked before the
        all-languages model, which costs milliseconds a sentence: most English sentences
        of an English/Ukrainian/Russian archive end here. Sentences in other languages
        share few common words with the candidate's (German with English: under half)."""
        from .lexicon import frequency_table, wordfreq_languages

        if self.config.open_skip_share > 1.0 or lang not in wordfreq_languages():
            return False
        found = [w for w in words(text) if "'" not in w]
        if not found:
            return False
        common = self._common.get(lang)
        if common is None:
            common = self._common[lang] = {}
        # Asked of most sentences: the words' answers in one pass, the table for new ones.
        hits = list(map(common.get, found))
        if None in hits:
            new = [i for i, hit in enumerate(hits) if hit is None]
            table = frequency_table(lang)
            # One search for several new words; numpy's call overhead outweighs it for one or two.
            values = [table.zipf(found[i]) for i in new] if len(new) <= 2 else table.zipf_many([found[i] for i in new])
            for i, value in zip(new, values):
                if len(common) >= self.config.word_cache_size:
                    common.clear()
                hits[i] = common[found[i]] = value >= self.config.open_skip_zipf
        return sum(hits) >= self.config.open_skip_share * len(found)

    def _open_set_language(
        self, text: str, found: Detection, allowed: list[str] | None = None, check_words: bool = True
    ) -> Detection | None:
        """A language outside the candidates, named when the all-languages model is sure
        of it: "Die Regierung hat ..." is German, not English with confidence 1.0. Only for
        text of open_min_words or more (short text is where the restriction earns its
        keep), never against evidence (letters, function words) for a candidate, and only
        when the words are more usual in that language (word frequencies) than in the one
        the candidates gave: a character model alone calls some English sentences Latin."""
        if self._plainly(text, found.lang):
            return None
        model = self._open_model()
        if hasattr(model, "best"):
            top = model.best(text)
        else:  # a detector with confidences() only
            values = model.confidences(text)
            lang = max(values, key=values.get) if values else None
            top = (lang, values[lang]) if values else None
        if top is None:
            return None
        lang, conf = top
        if conf < self.config.open_min_confidence:
            return None
        if (allowed is None and lang in self.candidates) or (allowed is not None and lang not in allowed):
            return None
        if check_words and not words_fit(text, lang, found.lang):
            return None
        return Detection(lang, round(conf, 4), found.script, "statistics" if lang in self.candidates else "open-set")

    def _restricted(self, text: str) -> Detection:
        counts = script_counts(text)
        total = sum(counts.values())
        if not total:
            return Detection(UNDETERMINED, 0.0, "none", "none")
        script = _script_from_counts(counts, total)
        frame = _frame_text(text)
        major = _main_script(frame, counts)
        share = counts[major] / total
        pool = self._by_script.get(major)
        if not pool:
            # No candidate writes this script: statistics over all candidates decide.
            return self._statistics(text, self.candidates, script)
        if len(pool) == 1:
            return Detection(pool[0], round(share, 4), script, "script")
        if major == "Cyrillic":
            decided = self._evidence(frame, pool, script, share)
            if isinstance(decided, Detection):
                return decided
            pool = decided
        return self._statistics(_in_script(text, major), pool, script)

    def _word_facts(self, word: str) -> tuple[int, float]:
        hit = self._facts.get(word)
        if hit is None:
            if len(self._facts) >= self.config.word_cache_size:
                self._facts.clear()
            freq = zipf_difference(word) if self.config.frequency_evidence else 0.0
            hit = (lexical_vote(word) if self.config.lexical_evidence else 0, freq)
            if self.config.word_cache_size:
                self._facts[word] = hit
        return hit

    def _word_shape(self, word: str) -> float:
        hit = self._shapes.get(word)
        if hit is None:
            from .wordshape import word_shape_model

            if len(self._shapes) >= self.config.word_cache_size:
                self._shapes.clear()
            hit = word_shape_model(self.config.word_shape_words, self.config.word_shape_order).log_odds(word)
            if self.config.word_cache_size:
                self._shapes[word] = hit
        return hit

    def _evidence(self, text: str, pool: list[str], script: str, share: float) -> Detection | list[str]:
        """Orthography (a marked word counts 2) and, between uk and ru, lexical evidence
        (a function word or ending counts 1) vote; a clear majority decides. Otherwise the
        candidates with any evidence (or all, when none has) go on to statistics. Short
        uk/ru text without marked letters is decided by `_short_uk_ru` instead."""
        votes: Counter[str] = Counter()
        marked: Counter[str] = Counter()
        if self.config.orthographic_evidence:
            marked = orthographic_counts(text, pool)
            for lang, n in marked.items():
                votes[lang] += 2 * n
        uk_ru = "uk" in pool and "ru" in pool
        if uk_ru and not marked and self.config.word_shape_evidence and set(pool) == {"uk", "ru"}:
            cyrillic = [w for w in words(text) if w[0] in _CYRILLIC_LOWER]
            if 0 < len(cyrillic) <= self.config.word_shape_max_words:
                return self._short_uk_ru(cyrillic, script, share)
        if uk_ru and (self.config.lexical_evidence or self.config.frequency_evidence):
            margin = self.config.frequency_margin
            for w in words(text):
                if self.config.orthographic_evidence and is_marked(w):
                    continue
                vote, diff = self._word_facts(w)
                if vote:
                    votes["uk" if vote > 0 else "ru"] += 1
                if self.config.frequency_evidence and abs(diff) >= margin:
                    votes["uk" if diff > 0 else "ru"] += 1
        if not votes:
            return pool
        ranked = votes.most_common()
        top, n_top = ranked[0]
        n_next = ranked[1][1] if len(ranked) > 1 else 0
        if n_next == 0 or n_top >= 2 * n_next:
            kind = "orthography" if marked.get(top) else "lexical"
            if kind == "orthography" and n_next == 0:
                confidence = share
            else:
                confidence = share * (1.0 - 0.5 ** ((n_top - n_next) + 1))
            return Detection(top, round(confidence, 4), script, kind)
        return [lang for lang in pool if votes.get(lang)]

    def _short_uk_ru(self, found: list[str], script: str, share: float) -> Detection:
        """One to word_shape_max_words Cyrillic words, uk or ru, no letter to tell: the sum
        of each word's log-odds (word shape, word frequency, function word, ending). On so
        little text this beats lingua (README: bench_langid.py), so lingua is not asked."""
        cfg = self.config
        shape = words_say = 0.0
        for w in found:
            shape += cfg.word_shape_weight * self._word_shape(w)
            vote, diff = self._word_facts(w)
            if vote:
                words_say += (cfg.function_word_weight if abs(vote) == 2 else cfg.ending_weight) * (1 if vote > 0 else -1)
            if abs(diff) >= cfg.frequency_margin:
                words_say += cfg.frequency_weight * max(-cfg.frequency_cap, min(cfg.frequency_cap, diff))
        total = shape + words_say
        lang = "uk" if total > 0 else "ru"
        p = 1.0 / (1.0 + math.exp(-min(abs(total), 50.0)))
        # "lexical" when the words themselves (not only their shape) point this way.
        kind = "lexical" if words_say and (words_say > 0) == (total > 0) else "statistics"
        return Detection(lang, round(share * p, 4), script, kind)

    def _statistics(self, text: str, pool: list[str], script: str) -> Detection:
        if hasattr(self.detector, "confidences"):
            values = {k: v for k, v in self.detector.confidences(text).items() if k in pool}
        else:
            lang, conf = self.detector.detect(text)
            values = {lang: conf} if lang in pool else {}
        if self.config.word_shape_evidence and "uk" in values and "ru" in values and values["uk"] + values["ru"] > 0:
            values = self._with_word_shape(text, values)
        norm = sum(values.values())
        if not values or norm <= 0:
            return Detection(UNDETERMINED, 0.0, script, "statistics")
        ranked = sorted(values.items(), key=lambda kv: -kv[1])
        lang, conf = ranked[0][0], ranked[0][1] / norm
        if lang in self.extra and conf < self.config.extra_min_confidence:
            main = [(l, v) for l, v in ranked if l in self.main]
            if main:
                lang, conf = main[0][0], main[0][1] / norm
        if conf < self.config.min_confidence:
            return Detection(UNDETERMINED, round(conf, 4), script, "statistics")
        return Detection(lang, round(conf, 4), script, "statistics")

    def _with_word_shape(self, text: str, values: dict[str, float]) -> dict[str, float]:
        """uk vs ru on short text: lingua's log-odds plus word_shape_weight times the word
        shape model's (summed over the words); sentences are left to lingua alone."""
        found = [w for w in words(text) if w[0] in _CYRILLIC_LOWER]
        if not found or len(found) > self.config.word_shape_max_words:
            return values
        both = values["uk"] + values["ru"]
        p_uk = min(max(values["uk"] / both, 1e-4), 1 - 1e-4)
        odds = math.log(p_uk / (1 - p_uk)) + self.config.word_shape_weight * sum(self._word_shape(w) for w in found)
        p_uk = 1.0 / (1.0 + math.exp(-max(min(odds, 50.0), -50.0)))
        return {**values, "uk": both * p_uk, "ru": both * (1 - p_uk)}

    # -- spans ----------------------------------------------------------------------------

    _RUN = re.compile(r"[^\W\d_]+(?:['’ʼ.\-][^\W\d_]+)*\.?")
    _QUOTED = re.compile(r"«([^»]{3,})»|“([^”]{3,})”|„([^“”]{3,})[“”]|\"([^\"]{3,})\"")

    def _word_script(self, word: str) -> str:
        """script_of(word, dominance=0.5), remembered: spans() asks it of every word."""
        hit = self._scripts.get(word)
        if hit is None:
            if len(self._scripts) >= self.config.word_cache_size:
                self._scripts.clear()
            hit = script_of(word, dominance=0.5)
            if self.config.word_cache_size:
                self._scripts[word] = hit
        return hit

    def spans(self, text: str, lang: str) -> list[Span]:
        """Stretches of `text` in another language than `lang`: runs of words in another
        script ("NATO", "Emmanuel Macron" in Cyrillic text) and quotations whose language
        is decided by evidence (orthography, lexical) to differ."""
        if lang == UNDETERMINED:
            return []
        home = script_of_lang(lang)
        out: list[Span] = []
        run_start = run_end = None
        run_script = None

        def close() -> None:
            if run_start is None:
                return
            end = run_end
            # A sentence's full stop is not part of the name ("iPhone."), an abbreviation's is ("U.S.").
            if text[run_start:end].endswith(".") and "." not in text[run_start : end - 1]:
                end -= 1
            piece = text[run_start:end]
            if sum(1 for c in piece if c.isalpha()) >= self.config.span_min_letters:
                found = self.detect(piece)
                if found.lang not in (UNDETERMINED, lang):
                    out.append(Span(run_start, end, found.lang, found.script))

        for match in self._RUN.finditer(text):
            word_script = self._word_script(match.group())
            if word_script not in (home, "Mixed", "none"):
                if run_start is not None and word_script == run_script and _only_gap(text[run_end : match.start()]):
                    run_end = match.end()
                    continue
                close()
                run_start, run_end, run_script = match.start(), match.end(), word_script
            else:
                close()
                run_start = run_end = run_script = None
        close()
        for match in self._QUOTED.finditer(text):
            start, end = match.span(match.lastindex)
            if any(s.start <= start < s.end or start <= s.start < end for s in out):
                continue
            found = self.detect(text[start:end])
            if found.evidence in ("orthography", "lexical") and found.lang not in (UNDETERMINED, lang):
                out.append(Span(start, end, found.lang, found.script))
        return sorted(out, key=lambda s: s.start)


_QUOTATION = re.compile(r"«[^»]*»|“[^”]*”|„[^“”]*[“”]|\"[^\"]*\"")


def _script_from_counts(counts: Counter[str], total: int, dominance: float = 0.8) -> str:
    """`script_of` from counts already made (every text is counted once)."""
    # most_common(1) is max over the items, first of equals (heapq.nlargest for n == 1).
    name, n = max(counts.items(), key=_count)
    return name if n / total >= dominance else "Mixed"


_QUOTE_MARKS = frozenset("«“„\"")


def _frame_text(text: str) -> str:
    """The text outside quotations when that is most of it: a Ukrainian sentence quoting
    Russian is Ukrainian, and the quotation becomes a span."""
    if _QUOTE_MARKS.isdisjoint(text):
        return text  # most text: no quotation to leave out
    outside = _QUOTATION.sub(" ", text)
    letters_out = sum(map(str.isalpha, outside))
    letters_all = sum(map(str.isalpha, text))
    return outside if letters_out * 2 >= letters_all and letters_out >= 3 else text


_WORD_RE = re.compile(r"[^\W\d_]+")
_CYRILLIC_LETTER = re.compile(r"[\u0400-\u04ff\u0500-\u052f]")
# Each Cyrillic language's lower-case letters, for the subset test in _other_cyrillic.
CYRILLIC_LETTER_SETS = {lang: frozenset(letters) - {"'"} for lang, letters in CYRILLIC_ALPHABETS.items()}
_CYRILLIC_LOWER = frozenset("абвгґдеєжзиіїйклмнопрстуфхцчшщьюяёыэъ")


def _in_script(text: str, script: str) -> str:
    """Only the words written in `script` (statistics should not read "Benartti Optimal"
    as evidence about a Russian product line); the text itself when it is all one script."""
    words = [m.group() for m in _WORD_RE.finditer(text)]
    kept = [w for w in words if script_of(w) == script]
    if len(kept) == len(words) or not kept:
        return text
    return " ".join(kept)


def _main_script(text: str, counts: Counter[str]) -> str:
    """The script the text's grammar is written in. With one script, that one. With
    several, names, brands and codes (capitalised or all-caps words) are what usually
    comes in another script ("Компанія Apple ..."), so the script of the lower-case words
    decides; with none (a title, a product name), the first word's."""
    if len(counts) == 1:
        return next(iter(counts))
    frame: Counter[str] = Counter()
    first = None
    for match in _WORD_RE.finditer(text):
        word = match.group()
        word_script = script_of(word)
        if first is None and word_script in counts:
            first = word_script
        if word[0].islower():
            frame[word_script] += len(word)
    frame.pop("Mixed", None)
    frame.pop("none", None)
    if sum(frame.values()) >= 3:
        return frame.most_common(1)[0][0]
    return first or counts.most_common(1)[0][0]


def _only_gap(between: str) -> bool:
    """Words of one foreign run may be separated by spaces, hyphens, digits, commas."""
    return len(between) <= 4 and not re.search(r"[^\W\d_]", between)
