"""Bytes -> text, strictly: BOMs honoured, UTF-8 first, UTF-16 without a BOM when the
bytes say so unambiguously, then legacy Cyrillic code pages chosen among a closed list by
how plausible the decoded letters are. Anything else is an `InputError`, never mojibake.

Why our own scorer for the legacy code pages: cp1251, koi8-u and koi8-r decode *any*
byte string (koi8 defines all 256 bytes), so strictness cannot choose among them, and
general detectors restricted to these three sometimes pick the wrong koi8 variant or
cp1251 for koi8 text (measured in README). The code pages differ exactly in where they
put lower- and upper-case letters and the Ukrainian letters, so the right one is the one
that gives words with a normal case pattern, frequent letters and no box-drawing
characters inside words. koi8-u and koi8-r decode Russian text alike (they differ only
where koi8-u has і ї є ґ); the reported name then follows the language of the text.
"""

from __future__ import annotations

import math
import re
import unicodedata
from pathlib import Path

from ..errors import InputError
from ..lang.alphabets import RU_LETTERS, UK_LETTERS

# Longest BOMs first: UTF-32-LE's BOM starts with UTF-16-LE's.
_BOMS = [
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
]

# Approximate letter frequencies (%) of Russian and Ukrainian running text; a letter's
# weight is the higher of the two, so the scorer favours neither language.
_LETTER_FREQ = {
    "о": 10.5, "е": 8.4, "а": 8.0, "и": 7.3, "н": 6.7, "т": 6.3, "і": 5.7, "с": 5.5,
    "р": 4.7, "в": 4.6, "л": 4.4, "к": 3.6, "у": 3.6, "м": 3.2, "д": 3.2, "п": 2.8,
    "я": 2.0, "з": 2.1, "ы": 1.9, "ь": 1.7, "г": 1.7, "б": 1.6, "ч": 1.4, "й": 1.2,
    "х": 1.1, "ж": 0.9, "ц": 0.9, "ш": 0.8, "ю": 0.6, "ї": 0.6, "є": 0.4, "щ": 0.4,
    "э": 0.3, "ф": 0.3, "ъ": 0.04, "ё": 0.04, "ґ": 0.02,
}
_LOG_FREQ = {c: math.log(f / 100) for c, f in _LETTER_FREQ.items()}
_RARE_LETTER = math.log(0.0001)  # a Cyrillic letter of another language (ў, ђ...)
_SYMBOL = math.log(0.00001)  # box drawing, currency signs, ...: never inside real text
_CASE_FLIP = math.log(0.001)  # "пРИВЕТ": lower then upper inside one word
_MIXED_WORD = math.log(0.0001)
_UPPER = math.log(0.5)  # capitals are the exception in running text
_ODD_CLUSTER = math.log(0.02)
_VOWELS = "аеёиіїоуыэюяє"
_ODD_RUN = re.compile(rf"[{_VOWELS}]{{3,}}|[бвгґджзйклмнпрстфхцчшщ]{{4,}}")  # Latin and Cyrillic letters in one word
# Non-ASCII punctuation real Cyrillic text uses.
_PUNCT = set("«»—–“”„‘’…№•·\u00a0§°©®™ʼ")
_SCORE_CHARS = 200_000
_WORD = re.compile(r"[^\W\d_]+(?:['’ʼ][^\W\d_]+)*")


def decode_bytes(data: bytes, path: str | Path, legacy: list[str] | tuple[str, ...] = ("cp1251", "koi8_u", "koi8_r"),
                 *, stray_nul_ok: bool = False) -> tuple[str, str]:
    """Bytes -> (text, encoding name), or InputError naming `path` and the problem.

    A NUL byte makes a text file binary; with `stray_nul_ok` (record files, whose fields
    clean strips of control characters) only a high share of control bytes does."""
    if not data.strip() or not data.strip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n"):
        raise InputError(path, "file is empty", kind="empty")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise InputError(path, f"starts with a {encoding} byte-order mark but is not valid {encoding} ({exc.reason} at byte {exc.start})", kind="encoding") from None
            return _checked_text(text, path, stray_nul_ok=stray_nul_ok), encoding
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return utf16
    if looks_binary(data, stray_nul_ok=stray_nul_ok):
        raise InputError(path, "looks like a binary file, not text (NUL or control bytes)", kind="binary")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = f"{exc.reason} at byte {exc.start}"
    best = best_legacy_decoding(data, legacy)
    if best is None:
        raise InputError(
            path,
            f"is not valid UTF-8 ({utf8_error}) and does not read as text in any of "
            + ", ".join(legacy)
            + " (set read.legacy_encodings to add another code page)",
            kind="encoding",
        )
    return best


def looks_binary(data: bytes, *, stray_nul_ok: bool = False) -> bool:
    sample = data[:8192]
    if b"\x00" in sample and not stray_nul_ok:
        return True
    control = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27))
    return control > len(sample) * 0.05


def _checked_text(text: str, path: str | Path, *, stray_nul_ok: bool = False) -> str:
    if not text.strip("\ufeff \t\r\n"):
        raise InputError(path, "file is empty", kind="empty")
    if "\x00" in text and not stray_nul_ok:
        raise InputError(path, "decodes with NUL characters: a binary file, not text", kind="binary")
    return text


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 without BOM, accepted only when one byte order decodes strictly to text of
    letters, digits, punctuation and whitespace (Latin/Cyrillic text puts NUL or 0x04 in
    every other byte, which is what gives it away)."""
    if len(data) < 4 or len(data) % 2:
        return None
    sample = data[:4096]
    zeros_even = sample[0::2].count(0)
    zeros_odd = sample[1::2].count(0)
    # Mostly-ASCII text: NULs in one half only. Cyrillic: 0x04 high bytes in one half.
    fours_even = sample[0::2].count(4)
    fours_odd = sample[1::2].count(4)
    half = len(sample) // 2
    if zeros_odd + fours_odd > 0.3 * half and zeros_even == 0:
        order = "utf-16-le"
    elif zeros_even + fours_even > 0.3 * half and zeros_odd == 0:
        order = "utf-16-be"
    else:
        return None
    try:
        text = data.decode(order)
    except UnicodeDecodeError:
        return None
    letters = [c for c in text if not c.isspace()]
    if not letters:
        return None
    plausible = sum(1 for c in letters if _plain_char(c))
    if plausible / len(letters) < 0.98:
        return None
    return text, order


def _plain_char(c: str) -> bool:
    if c.isascii():
        return c.isprintable()
    if c in _PUNCT:
        return True
    if c.isalpha():
        name = unicodedata.name(c, "")
        return name.startswith(("LATIN", "CYRILLIC", "GREEK"))
    return False


def best_legacy_decoding(data: bytes, encodings: list[str] | tuple[str, ...]) -> tuple[str, str] | None:
    """The candidate code page whose text scores most plausible, if any is plausible."""
    scored = []
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        # Scoring a prefix is enough to tell the code pages apart, and keeps big files fast.
        score, ok = plausibility(text[:_SCORE_CHARS])
        if ok:
            scored.append((score, -len(scored), text, encoding))
    if not scored:
        return None
    score, _, text, encoding = max(scored)
    # koi8-u and koi8-r differ only in the Ukrainian letters (і ї є ґ, where koi8-r has
    # box drawing), so text without them decodes the same in both and scores a tie. Then
    # the letters Russian has and Ukrainian lacks (ы э ъ ё) say it is koi8-r; with
    # neither, the first listed wins.
    same = [enc for _, _, t, enc in scored if t == text]
    if len(same) > 1:
        lang = _russian_or_ukrainian(text[:_SCORE_CHARS])
        want = {"ru": "koi8-r", "uk": "koi8-u"}.get(lang or "")
        encoding = next((enc for enc in same if _codec_name(enc) == want), encoding)
    return text, encoding


_RUSSIAN_ONLY = re.compile(f"[{RU_LETTERS}]")
_UKRAINIAN_ONLY = re.compile(f"[{UK_LETTERS}]")
# Frequent words only one of the two languages has (without the letters above, which
# settle it alone): for short texts that have none of those letters.
_RU_WORDS = frozenset("что как это его она они был была было были или но только который которые которая если тоже себя меня тебя когда очень".split())
_UK_WORDS = frozenset("що як це але або його вона вони був була було були вже який яка яке якщо теж мене дуже".split())


def _russian_or_ukrainian(text: str) -> str | None:
    """'ru', 'uk' or None, from letters and then function words one language lacks."""
    ru, uk = bool(_RUSSIAN_ONLY.search(text)), bool(_UKRAINIAN_ONLY.search(text))
    if ru != uk:
        return "ru" if ru else "uk"
    words = [w.lower() for w in _WORD.findall(text)]
    ru_hits = sum(w in _RU_WORDS for w in words)
    uk_hits = sum(w in _UK_WORDS for w in words)
    if ru_hits != uk_hits:
        return "ru" if ru_hits > uk_hits else "uk"
    return None


def _codec_name(encoding: str) -> str:
    import codecs

    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return encoding


def plausibility(text: str) -> tuple[float, bool]:
    """Mean log-likelihood per non-ASCII character of `text` being real Cyrillic/Latin
    writing, and whether it is plausible at all (few symbols, mixed-script words, case flips)."""
    total = 0.0
    count = 0
    bad = 0
    for word in _WORD.finditer(text):
        w = word.group()
        if w.isascii():
            continue
        scripts = {_script(c) for c in w if c.isalpha()}
        if len(scripts) > 1:
            total += _MIXED_WORD
            # A Latin "i" typed inside a Cyrillic word happens in real text; a mostly-ASCII
            # word with one Cyrillic letter ("cafй") is a Western code page misread.
            ascii_letters = sum(1 for c in w if c.isascii())
            if ascii_letters * 2 > len(w):
                bad += 1
        if _case_flip(w):
            total += _CASE_FLIP
            bad += 1
        # Syllables: real words rarely stack 3 vowels or 4 consonants; letters from the
        # wrong code page land anywhere and do.
        total += _ODD_CLUSTER * len(_ODD_RUN.findall(w.lower()))
        for c in w:
            if c.isascii():
                continue
            count += 1
            total += _LOG_FREQ.get(c.lower(), _RARE_LETTER if _script(c) == "CYRILLIC" else _SYMBOL)
            if c.isupper():
                total += _UPPER
    for c in text:
        if c.isascii() or _WORD.match(c) or c.isspace():
            continue
        count += 1
        if c in _PUNCT or unicodedata.category(c).startswith(("P", "N")):
            total += math.log(0.01)
        else:
            total += _SYMBOL
            bad += 1
    if count == 0:
        return 0.0, True
    return total / count, bad <= max(2, 0.02 * count)


def _script(c: str) -> str:
    return unicodedata.name(c, "OTHER").split(" ", 1)[0]


def _case_flip(word: str) -> bool:
    """A lower-case letter followed by an upper-case one (camelCase is not news prose)."""
    for a, b in zip(word, word[1:]):
        if a.islower() and b.isupper():
            return True
    return False
