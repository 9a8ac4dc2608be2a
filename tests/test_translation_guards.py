"""Pure checks on translations: loops, lost numbers, wrong output language."""

import pytest

from pipeline.config import TranslateGuardsConfig
from pipeline.translation.guards import LanguageCheck, collapse_loops, find_loop, max_repeats, missing_numbers


@pytest.mark.parametrize(
    "output",
    [
        "it it it it it",
        "Рада ухвалила бюджет бюджет бюджет бюджет",
        "охохохохох",
        "the the end. the the end. the the end. the the end.",
        "МЕНЮ МЕНЮ МЕНЮ МЕНЮ МЕНЮ",
    ],
)
def test_loops_are_found_and_cut_to_one_occurrence(output):
    loop = find_loop(output, "A plain sentence.", min_repeats=4, max_chars=40)
    assert loop is not None and loop[1] >= 4
    cut = collapse_loops(output, "A plain sentence.", min_repeats=4, max_chars=40)
    assert len(cut) < len(output) and find_loop(cut, "A plain sentence.", min_repeats=4, max_chars=40) is None


@pytest.mark.parametrize(
    "output,source",
    [
        ("Ні, ні, ні, ні!", "No, no, no, no!"),  # the source repeats as much
        ("Рахунок 1000000 гривень, ......", "An account of 1000000 hryvnias ......"),  # digits and dots are not loops
        ("Так, так, він прийшов.", "Yes, yes, he came."),
        ("Коваленко коваль", "Kovalenko the smith"),
    ],
)
def test_legitimate_repetition_is_not_a_loop(output, source):
    assert find_loop(output, source, min_repeats=4, max_chars=40) is None
    assert collapse_loops(output, source, min_repeats=4, max_chars=40) == output


def test_max_repeats_counts_the_longest_run():
    assert max_repeats("SOUP SOUP SOUP and bread") == 3
    assert max_repeats("nothing repeats here") == 1


@pytest.mark.parametrize(
    "source,output,missing",
    [
        ("About 1,000 people (3.5%) came.", "Близько 1 000 людей (3,5%) прийшли.", []),
        ("About 1,000 people came.", "Близько 1000 людей прийшли.", []),
        ("On 24.11.2026 it rained.", "24 листопада 2026 року йшов дощ.", []),
        ("In 2026, 15 people", "У 2025 році 15 людей", ["2026"]),
        ("See https://example.org/a?b=1.", "Див. https://example.org/a?b=1", []),
        ("See https://example.org/a.", "Див. сайт.", ["https://example.org/a"]),
        ("Write to news@example.org today", "Пишіть сьогодні", ["news@example.org"]),
        ("He has 3 dogs.", "У нього три собаки.", []),  # single digits may be spelled out
    ],
)
def test_missing_numbers_and_addresses(source, output, missing):
    assert missing_numbers(source, output) == missing


def test_language_check_orthography_and_detector():
    check = LanguageCheck(TranslateGuardsConfig(), "lingua")
    assert check.wrong_language("Он сказал, что всё будет хорошо.", "uk") == "ru"
    assert check.wrong_language("Він сказав, що все буде добре.", "uk") is None
    assert check.wrong_language("Президент сказал, что правительство примет новые меры для поддержки фермеров", "uk") == "ru"
    assert check.wrong_language("Уряд ухвалив нові заходи для підтримки фермерів після посушливого літа", "uk") is None
    assert check.wrong_language("Он сказал всё", "en") is None  # no rule for English targets
    assert check.wrong_language("Да.", "uk") is None  # too short to judge without telltale letters
