"""text.cleanup's fast paths give the answers of the regexes they skip."""

import random
import re
import sys

from pipeline.text import cleanup
from pipeline.text.cleanup import has_control_chars, one_line, strip_control_chars

# The control class alone (the ESC sequence alternative starts with ESC, which it holds).
_CLASS = re.compile(cleanup._CONTROL_RE.pattern.split("|", 1)[1])


def test_every_removed_character_is_non_printable():
    # has_control_chars skips the regex for printable text: no removed character may be printable.
    printable = [hex(i) for i in range(sys.maxunicode + 1) if _CLASS.match(chr(i)) and chr(i).isprintable()]
    assert printable == []


def test_every_white_space_but_the_space_is_non_printable():
    # one_line returns printable text as it is when its spaces are single and inner.
    printable = [hex(i) for i in range(sys.maxunicode + 1) if chr(i) != " " and re.match(r"\s", chr(i)) and chr(i).isprintable()]
    assert printable == []


def test_fast_paths_agree_with_the_regexes():
    alphabet = ["a", "я", "ї", " ", "  ", "\t", "\n", "\r", "\u00a0", "\u2028", "\u3000", "\x00", "\x0b", "\x1b[31m", "\x7f",
                "\x85", "\ufeff", "\ud800", "\ufdd0", "\uffff", "\U0001fffe", "é", "1", ".", "\u200b"]
    rng = random.Random(7)
    texts = ["", " ", "plain text", " lead", "trail ", "double  space", "Зверніть увагу: 3\u00a0дні."]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(5000)]
    for text in texts:
        assert has_control_chars(text) == (cleanup._CONTROL_RE.search(text) is not None), repr(text)
        assert (strip_control_chars(text)[0] != text) <= has_control_chars(text), repr(text)
        assert one_line(text) == re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip(), repr(text)
