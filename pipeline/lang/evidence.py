"""Evidence no statistical model should overrule: which letters a language's alphabet has,
and, for Ukrainian vs Russian, function words and endings only one of the two uses.

Written from the languages' standard orthography and grammar, not learnt from any corpus:
the word lists are the closed-class words (pronouns, conjunctions, particles, prepositions,
forms of "to be") that differ between the two standard languages; words both languages
write the same way ("на", "по", "та" - Russian "that", "тому" - Russian "to that") are
left out on purpose.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from .alphabets import CYRILLIC_ALPHABETS, RU_LETTERS, UK_LETTERS

_APOSTROPHES = "'’ʼ`"
_WORD = re.compile(r"[^\W\d_]+(?:['’ʼ`][^\W\d_]+)*")


_OTHER_APOSTROPHES = frozenset(_APOSTROPHES[1:])
_TO_APOSTROPHE = str.maketrans({a: "'" for a in _APOSTROPHES[1:]})


def words(text: str) -> list[str]:
    """Lower-cased words; apostrophes inside a word normalised to "'"."""
    lowered = text.lower()
    if not _OTHER_APOSTROPHES.isdisjoint(lowered):
        lowered = lowered.translate(_TO_APOSTROPHE)
    return _WORD.findall(lowered)


def marker_letters(candidates: list[str]) -> dict[str, set[str]]:
    """For each Cyrillic candidate, the letters no other Cyrillic candidate has."""
    return _marker_letters(tuple(candidates))


@lru_cache(maxsize=64)
def _marker_letters(candidates: tuple[str, ...]) -> dict[str, frozenset[str]]:
    cyr = [c for c in candidates if c in CYRILLIC_ALPHABETS]
    out = {}
    for lang in cyr:
        others = set().union(*(set(CYRILLIC_ALPHABETS[o]) for o in cyr if o != lang)) if len(cyr) > 1 else set()
        out[lang] = frozenset(set(CYRILLIC_ALPHABETS[lang]) - others)
    return out


def orthographic_counts(text: str, candidates: list[str]) -> Counter[str]:
    """How many words carry a letter only that candidate's alphabet has."""
    markers = marker_letters(candidates)
    counts: Counter[str] = Counter()
    for w in words(text):
        # An apostrophe counts only between Cyrillic letters (not in "O'Brien").
        letters = set(w)
        if "'" in letters and not re.search(r"[а-яёіїєґў]'[а-яёіїєґў]", w):
            letters.discard("'")
        for lang, marks in markers.items():
            if letters & marks:
                counts[lang] += 1
    return counts


UK_FUNCTION_WORDS = frozenset(
    """
    і й що щоб це цей ця ці цього цьому цим цих цієї цій як який яка яке які якого якому
    якої якій яку яким якими яких якщо але або чи бо адже проте однак хоча коли де хто чому
    він вона воно вони його її їх йому їй неї нього ми ви ти мене мені тобі собі мій моє мої
    свій своє свої свого своїх був була було були буде будуть бути є можна треба потрібно
    зараз тепер тоді потім завжди ніколи нічого нема немає вже ще лише тільки навіть також
    дуже трохи зовсім майже багато після між біля серед щодо від з із зі крім замість окрім
    попри крізь поки доки нині наразі ось нехай хай ані би сьогодні вчора завтра рік року
    році років дякую щось хтось десь якось мабуть звісно досить отже втім аби наче немов
    """.split()
)
RU_FUNCTION_WORDS = frozenset(
    """
    и что чтобы чтоб это этот эта эти этого этом этой как какой какая какое какие который
    которая которое которые которых если но или ли когда тогда потом где кто почему зачем
    он она оно они его ее её их ему ей него нее неё нем мы вы ты меня мне тебя себя мой моё
    мои свой своя своё свои своего своих был была было были будет будут быть есть нет да
    сейчас теперь всегда никогда ничего здесь уже ещё еще только даже также тоже очень почти
    вообще конечно после между около среди из от к ко со во с лишь хотя пусть ведь вот
    такой такая такое такие ни бы сегодня вчера завтра год года году лет спасибо пожалуйста
    хорошо чего чему чем тем всё всех всем
    """.split()
)
# Endings of inflected words (at least 4 letters) that only one of the two has: Ukrainian
# verbal nouns in -ння/-ття; Russian -ние/-ния, -ость, 2nd person -ешь/-ишь (Ukrainian
# never writes ь after ш).
# Russian long-form adjective endings -ая/-ое/-ее/-ие/-ой (новая, новое, синее, другие,
# большой) where Ukrainian has short forms (нова, нове, сині, другі, великий); -ия where
# Ukrainian writes -ія.
# Ukrainian infinitives of -увати/-ювати verbs and reflexive -тися (Russian -овать/-евать,
# -ться); adjectives in -ський/-цький/-зький (Russian -ский/-цкий/-зкий).
UK_ENDINGS = (
    "ння", "ннях", "нням", "ття", "ттям", "увати", "ювати", "тися",
    "ський", "ського", "ському", "ським", "цький", "цького", "цькому", "цьким", "зький", "зького", "зькому", "зьким",
)
# Russian past active participles in -вший (Ukrainian has none: зробивши is adverbial).
RU_ENDINGS = (
    "ние", "ния", "нию", "нием", "нии", "ость", "ости", "остью", "ешь", "ишь", "ая", "ое", "ее", "ие", "ия", "ой",
    "вший", "вшего", "вшему", "вшим", "вших",
)
# "ьо" inside a word is Ukrainian spelling (його, сьогодні, льон) where Russian writes ё/е;
# Russian has it only in a few French loans (бульон).
UK_INFIXES = ("ьо",)


# Words holding a letter one alphabet lacks (or the apostrophe) are orthographic evidence.
_MARKED = set((UK_LETTERS + RU_LETTERS).lower() + "'")


def lexical_vote(word: str) -> int:
    """What one (lower-cased) word says by itself: 2 a Ukrainian function word, -2 a Russian
    one, 1 / -1 an ending or infix only Ukrainian / Russian has, 0 nothing."""
    if word in UK_FUNCTION_WORDS:
        return 2
    if word in RU_FUNCTION_WORDS:
        return -2
    if len(word) >= 4:
        if word.endswith(UK_ENDINGS) or any(i in word for i in UK_INFIXES):
            return 1
        if word.endswith(RU_ENDINGS):
            return -1
    return 0


def is_marked(word: str) -> bool:
    """Whether the word holds a letter only one of uk/ru has, or the apostrophe."""
    return not _MARKED.isdisjoint(word)


def lexical_counts(text: str, skip_marked: bool = False) -> Counter[str]:
    """Function words and endings unique to Ukrainian ('uk') or Russian ('ru'); with
    `skip_marked`, words already counted as orthographic evidence are not counted again."""
    counts: Counter[str] = Counter()
    for w in words(text):
        if skip_marked and is_marked(w):
            continue
        vote = lexical_vote(w)
        if vote:
            counts["uk" if vote > 0 else "ru"] += 1
    return counts


def zipf_difference(word: str) -> float:
    """Zipf frequency in Ukrainian minus in Russian (wordfreq: log10 uses per billion
    words): "новини" 5.35 - 2.11; 0 for a word with an apostrophe (wordfreq splits it)."""
    if "'" in word:
        return 0.0
    from .lexicon import frequency_table

    return frequency_table("uk").zipf(word) - frequency_table("ru").zipf(word)


def frequency_counts(text: str, margin: float, skip_marked: bool = False) -> Counter[str]:
    """Word-frequency evidence between Ukrainian and Russian: a word whose Zipf frequency
    in one language is at least `margin` above the other's votes for it ("новини" 5.4 uk vs
    2.1 ru; "рука", common in both, votes for neither). Reaches the many content words no
    rule lists."""
    counts: Counter[str] = Counter()
    for w in words(text):
        if skip_marked and is_marked(w):
            continue
        diff = zipf_difference(w)
        if diff >= margin:
            counts["uk"] += 1
        elif diff <= -margin:
            counts["ru"] += 1
    return counts


def words_fit(text: str, lang: str, than: str) -> bool:
    """Whether the text's words are more usual in `lang` than in `than` by word frequency
    (mean Zipf, wordfreq): a second, independent opinion before naming a language outside
    the candidates. For a language wordfreq does not cover, whether the words are not
    usual `than` words (mean Zipf under 2.5: "Or as September strips a copse" is English,
    whatever a character model says about Latin)."""
    from .lexicon import frequency_table, wordfreq_languages

    found = [w for w in words(text) if "'" not in w]
    if not found:
        return False
    known = wordfreq_languages()

    def mean(code: str) -> float:
        if code not in known:
            return 0.0
        table = frequency_table(code)
        return sum(table.zipf(w) for w in found) / len(found)

    if lang in known:
        return mean(lang) > mean(than)
    return mean(than) < 2.5


# Character classes: a regex scan is several times faster than a set test per character.
_UK_LETTER = re.compile("[" + re.escape(UK_LETTERS) + "]")
_RU_LETTER = re.compile("[" + re.escape(RU_LETTERS) + "]")


def orthographic_lang(text: str) -> str | None:
    """'uk' or 'ru' when letters unique to one of them appear and the other's do not."""
    # Asked of every translation output (the guards).
    has_uk = _UK_LETTER.search(text) is not None
    has_ru = _RU_LETTER.search(text) is not None
    if has_uk and not has_ru:
        return "uk"
    if has_ru and not has_uk:
        return "ru"
    return None
