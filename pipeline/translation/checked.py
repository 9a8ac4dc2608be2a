"""Every model output checked, the failures retried once, what persists warned about.

The retry policy: outputs that loop, stop at the length bound or come out in a wrong
language are translated again in one batch per kind with safer settings (beam search,
an n-gram block, a repetition penalty; for a wrong language, the target's foreign letters
banned); the retry is kept unless it is worse. A loop that survives is cut down to one
occurrence. Each output then carries at most one warning per kind.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..backends.base import DecodeOptions, Translation
from .guards import LanguageCheck, collapse_loops, find_loop

if TYPE_CHECKING:
    from ..backends.base import Translator
    from ..config import TranslateGuardsConfig

# How bad a problem is when choosing between a first output and its retry: a loop can be
# cut and a run-on flagged, a text in the wrong language is useless to its reader.
_SEVERITY = {"language": 2, "loop": 1, "length": 1}


def _severity(problems: dict[str, str]) -> int:
    return sum(_SEVERITY[k] for k in problems)


@dataclass
class Done:
    """One model's output for one input text, after guards (what the cache keeps)."""

    text: str
    warnings: tuple[str, ...] = ()
    retried: bool = False
    pieces: int = 1


class CheckedTranslation:
    def __init__(self, guards: "TranslateGuardsConfig", options: DecodeOptions, language: LanguageCheck, counts: Counter[str]):
        self.guards = guards
        self.options = options
        self.language = language
        self.counts = counts

    def problems(self, source: str, out: Translation, tgt: str) -> dict[str, str]:
        g = self.guards
        found: dict[str, str] = {}
        loop = find_loop(out.text, source, min_repeats=g.loop_min_repeats, max_chars=g.loop_max_chars)
        if loop:
            found["loop"] = f"'{loop[0][:40]}' repeated {loop[1]} times in a row"
        if out.hit_limit:
            found["length"] = f"stopped at the length bound ({out.tokens} tokens)"
        wrong = self.language.wrong_language(out.text, tgt)
        if wrong:
            found["language"] = f"came out in {wrong}"
        return found

    def retry_options(self, banned_chars: str) -> DecodeOptions:
        g = self.guards
        return dataclasses.replace(
            self.options,
            num_beams=g.retry_num_beams,
            no_repeat_ngram_size=max(self.options.no_repeat_ngram_size, g.retry_no_repeat_ngram_size),
            repetition_penalty=max(self.options.repetition_penalty, g.retry_repetition_penalty),
            banned_chars=banned_chars,
        )

    def translate(self, backend: "Translator", tgt: str, sources: list[str]) -> list[Done]:
        outs = backend.translate(sources, self.options)
        problems = [self.problems(s, o, tgt) for s, o in zip(sources, outs)]
        retried = [False] * len(sources)
        if self.guards.retry:
            # One retry, batched: wrong-language outputs with the target's foreign letters
            # banned, the others (loops, run-ons) with the n-gram block and penalty.
            banned = self.guards.foreign_letters.get(tgt, "")
            groups = {
                True: [i for i, p in enumerate(problems) if "language" in p],
                False: [i for i, p in enumerate(problems) if p and "language" not in p],
            }
            for language, idx in groups.items():
                if not idx:
                    continue
                again = backend.translate([sources[i] for i in idx], self.retry_options(banned if language else ""))
                self.counts["retried"] += len(idx)
                for i, out in zip(idx, again):
                    found = self.problems(sources[i], out, tgt)
                    retried[i] = True
                    # The retry's settings are the safer ones: keep it unless it is worse.
                    if _severity(found) <= _severity(problems[i]):
                        outs[i], problems[i] = out, found
        done = []
        for source, out, found, was_retried in zip(sources, outs, problems, retried):
            text = out.text
            warnings = []
            after = " after a retry" if was_retried else ""
            if "loop" in found:
                if self.guards.collapse_loops:
                    text = collapse_loops(text, source, min_repeats=self.guards.loop_min_repeats, max_chars=self.guards.loop_max_chars)
                    warnings.append(f"loop: the {tgt} translation looped ({found['loop']}){after}; cut to one occurrence")
                else:
                    warnings.append(f"loop: the {tgt} translation looped ({found['loop']}){after}")
            if "length" in found:
                warnings.append(f"length: the {tgt} translation {found['length']}{after}; it may be incomplete")
            if "language" in found:
                warnings.append(f"language: the {tgt} translation {found['language']}{after}")
            done.append(Done(text=text, warnings=tuple(warnings), retried=was_retried))
        return done
