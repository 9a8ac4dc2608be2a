"""The alphabets of the languages newsbridge tells apart by their letters, defined once.

Every module that asks "is this Ukrainian or Russian by its letters?" reads these sets.
"""

from __future__ import annotations

# Letters of Ukrainian that Russian lacks, and of Russian that Ukrainian lacks (both cases).
UK_LETTERS = "іїєґІЇЄҐ"
RU_LETTERS = "ыэъёЫЭЪЁ"

# Lower-case alphabets of the Cyrillic-script languages a config may name. The apostrophe
# is a letter of Ukrainian and Belarusian (м'ясо, п'ять) where Russian writes ъ.
CYRILLIC_ALPHABETS: dict[str, str] = {
    "ru": "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    "uk": "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя'",
    "be": "абвгдеёжзійклмнопрстуўфхцчшыьэюя'",
    "bg": "абвгдежзийклмнопрстуфхцчшщъьюя",
    "mk": "абвгдѓежзѕијклљмнњопрстќуфхцчџш",
    "sr": "абвгдђежзијклљмнњопрстћуфхцчџш",
    "kk": "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя",
    "mn": "абвгдеёжзийклмноөпрстуүфхцчшщъыьэюя",
}
# Letters a language writes in nearly every sentence and Russian/Ukrainian never do: its
# alphabet holds all of Russian's, so fitting the alphabet says nothing without them.
CYRILLIC_SIGNATURE_LETTERS: dict[str, str] = {
    "kk": "әғқңөұүһ",
    "mn": "өү",
}
# The script each supported language is written in (lingua's languages; default Latin).
_SCRIPT_BY_LANG = {
    **{lang: "Cyrillic" for lang in ("ru", "uk", "be", "bg", "mk", "sr", "kk", "mn", "tg", "ky")},
    "el": "Greek", "he": "Hebrew", "ar": "Arabic", "fa": "Arabic", "ur": "Arabic", "hy": "Armenian",
    "ka": "Georgian", "hi": "Devanagari", "mr": "Devanagari", "ko": "Hangul", "th": "Thai",
    "zh": "Han", "ja": "Kana",
}


def script_of_lang(lang: str) -> str:
    return _SCRIPT_BY_LANG.get(lang, "Latin")
