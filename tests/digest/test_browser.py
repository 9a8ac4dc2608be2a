"""The digest as a person uses it, in headless Chromium from file://: find an article,
read both summaries, open the aligned text; hostile text stays text; phone and laptop
screenshots land in test-artifacts/digest/."""

from __future__ import annotations

import pytest

from .browser import LAPTOP, PHONE, console_errors, screenshot, set_viewport
from .conftest import page_of
from .samples import HOSTILE_ID, HOSTILE_SEGMENT, HOSTILE_SUMMARY_EN, HOSTILE_TITLE

pytestmark = pytest.mark.browser


def _open(driver, path, size):
    from selenium.webdriver.support.ui import WebDriverWait

    set_viewport(driver, size)
    driver.get(path.as_uri())
    # get() normally returns after the load event, but on a loaded machine Chromium can
    # answer while the document is still "interactive": wait for it rather than assert.
    WebDriverWait(driver, 20).until(lambda d: d.execute_script("return document.readyState") == "complete")


def _follow(driver, link, expected):
    """Click a link and wait until the browser has loaded `expected` (a Path)."""
    from selenium.webdriver.support.ui import WebDriverWait

    link.click()
    WebDriverWait(driver, 20).until(
        lambda d: d.current_url == expected.as_uri() and d.execute_script("return document.readyState") == "complete"
    )


def _rect(driver, el):
    return driver.execute_script("const r = arguments[0].getBoundingClientRect(); return {top: r.top, bottom: r.bottom, left: r.left, right: r.right};", el)


def _assert_no_injection(driver):
    from selenium.common.exceptions import NoAlertPresentException

    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert  # noqa: B018 (the property raises when there is none)
    assert driver.execute_script("return window.__pwned === undefined")
    scripts = driver.execute_script("return Array.from(document.scripts).map(s => s.getAttribute('src'))")
    assert len(scripts) == 1 and scripts[0].endswith("assets/digest.js")
    assert driver.execute_script("return document.querySelectorAll('img, svg, iframe, b, u, em').length") == 0


def _no_horizontal_scroll(driver):
    return driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")


def _entries(driver):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, "li.entry")


def _type(driver, text):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    box = driver.find_element(By.ID, "q")
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.BACKSPACE)
    if text:
        box.send_keys(text)
    return [e for e in _entries(driver) if e.is_displayed()]


def test_index_reads_in_both_languages_at_phone_and_laptop_width(site, browser, all_records):
    from selenium.webdriver.common.by import By

    _, result = site
    for label, size in (("laptop", LAPTOP), ("phone", PHONE)):
        _open(browser, result.index, size)
        h1 = browser.find_element(By.TAG_NAME, "h1").text
        assert "Newsroom digest" in h1 and "Дайджест новин" in h1
        entries = _entries(browser)
        assert len(entries) == len(all_records) and all(e.is_displayed() for e in entries)
        body = browser.find_element(By.TAG_NAME, "body").text
        for needle in ("Київ готується до зими", "Kyiv prepares for winter", "Порт Одеси знову працює.", "The port of Odesa is working again."):
            assert needle in body
        # Hostile markup is on the page as visible text, and did nothing.
        assert HOSTILE_TITLE in body and HOSTILE_SUMMARY_EN in body
        _assert_no_injection(browser)
        # The stylesheet applied; summaries sit side by side on a laptop, stacked on a phone.
        assert browser.execute_script("return getComputedStyle(document.querySelector('.summaries')).display") == "grid"
        uk_box, en_box = entries[1].find_elements(By.CSS_SELECTOR, ".summary")
        a, b = _rect(browser, uk_box), _rect(browser, en_box)
        if label == "laptop":
            assert abs(a["top"] - b["top"]) < 1 and b["left"] >= a["right"]
        else:
            assert b["top"] >= a["bottom"] and abs(a["left"] - b["left"]) < 1
        assert _no_horizontal_scroll(browser), label
        screenshot(browser, f"index-{label}")
    assert console_errors(browser) == []


def test_search_box_filters_titles_and_summaries(site, browser, all_records):
    from selenium.webdriver.common.by import By

    _, result = site
    _open(browser, result.index, LAPTOP)
    assert browser.find_element(By.ID, "search").is_displayed()
    n = len(all_records)
    count = lambda: browser.find_element(By.ID, "count").text  # noqa: E731

    assert len(_type(browser, "")) == n and count() == f"{n} / {n}"
    shown = _type(browser, "kyiv")  # English title of a Ukrainian article, other case
    assert len(shown) == 1 and "Київ готується до зими" in shown[0].text and count() == f"1 / {n}"
    assert len(_type(browser, "ЗИМИ")) == 1  # Cyrillic, upper case against lower
    shown = _type(browser, "порт одеси")  # two words, Ukrainian translation of a Russian title
    assert len(shown) == 1 and "Порт Одессы" in shown[0].text
    shown = _type(browser, "generators")  # in the English summary only
    assert len(shown) == 1 and "Kyiv" in shown[0].text
    shown = _type(browser, "malian rebels")
    assert len(shown) == 1 and "Malian rebels deny support" in shown[0].text
    assert _type(browser, "authorities") == []  # body text is not searched, only titles and summaries
    assert browser.find_element(By.ID, "no-match").is_displayed()
    assert _type(browser, "zz-nothing-zz") == [] and count() == f"0 / {n}"
    assert len(_type(browser, "")) == n
    assert not browser.find_element(By.ID, "no-match").is_displayed()

    set_viewport(browser, PHONE)
    assert len(_type(browser, "Одеси")) == 1
    screenshot(browser, "index-search-phone")
    assert console_errors(browser) == []


def test_editor_finds_article_and_reads_aligned_text(site, browser, sample_record):
    """Index -> search -> open the article -> two aligned columns -> back to the index."""
    from selenium.webdriver.common.by import By

    _, result = site
    _open(browser, result.index, LAPTOP)
    shown = _type(browser, "Malian")
    _follow(browser, shown[0].find_element(By.CSS_SELECTOR, "h2 a"), page_of(result, sample_record["id"]))

    headings = [h for h in browser.find_elements(By.CSS_SELECTOR, "section.section > h2")]
    assert len(headings) == len(sample_record["sections"]) == 6
    for h2, sec in zip(headings, sample_record["sections"]):
        if sec["heading"]:
            assert sec["heading"]["en"] in h2.text and sec["heading"]["uk"][:20] in h2.text
    summary = browser.find_element(By.CSS_SELECTOR, ".summary-box").text
    assert sample_record["summary"]["en"] in summary and sample_record["summary"]["uk"] in summary
    assert "Photo: Inside Africa" in browser.find_element(By.CSS_SELECTOR, ".meta-caption").text
    assert "Source: reuters" in browser.find_element(By.CSS_SELECTOR, ".meta-credit").text
    assert "НОВИНИ" in browser.find_element(By.CSS_SELECTOR, ".facts .tags").text

    original, translation = browser.find_elements(By.CSS_SELECTOR, "section.section .row")[0].find_elements(By.CSS_SELECTOR, ".cell")
    assert original.get_attribute("lang") == "en" and translation.get_attribute("lang") == "uk"
    o, t = _rect(browser, original), _rect(browser, translation)
    assert abs(o["top"] - t["top"]) < 1 and t["left"] >= o["right"]  # side by side
    screenshot(browser, "article-laptop")

    set_viewport(browser, PHONE)
    o, t = _rect(browser, original), _rect(browser, translation)
    assert t["top"] >= o["bottom"] and abs(o["left"] - t["left"]) < 1  # stacked
    assert not browser.find_element(By.CSS_SELECTOR, ".colheads").is_displayed()
    assert _no_horizontal_scroll(browser)
    browser.execute_script("window.scrollTo(0, 0)")
    screenshot(browser, "article-phone")

    _follow(browser, browser.find_element(By.CSS_SELECTOR, "nav.crumbs a"), result.index)
    assert console_errors(browser) == []


def test_segments_highlight_across_columns(site, browser):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    _, result = site
    _open(browser, page_of(result, "ru-port-odesa"), LAPTOP)
    cells = browser.find_elements(By.CSS_SELECTOR, "section.section .row")[0].find_elements(By.CSS_SELECTOR, ".cell")
    assert [c.get_attribute("lang") for c in cells] == ["ru", "uk", "en"]
    tops = {round(_rect(browser, c)["top"]) for c in cells}
    assert len(tops) == 1  # three columns side by side
    screenshot(browser, "article-ru-laptop")
    _open(browser, page_of(result, "kyiv-winter-2024"), LAPTOP)
    row = browser.find_elements(By.CSS_SELECTOR, "section.section .row")[0]
    ActionChains(browser).move_to_element(row.find_elements(By.CSS_SELECTOR, ".original .seg")[1]).perform()
    marked = [s.get_attribute("data-seg") + s.get_attribute("lang") for s in row.find_elements(By.CSS_SELECTOR, ".seg.hl")]
    assert sorted(marked) == ["1en", "1uk"]
    screenshot(browser, "article-uk-laptop")


def test_hostile_article_page_shows_text_and_runs_nothing(site, browser):
    from selenium.webdriver.common.by import By

    _, result = site
    page = page_of(result, HOSTILE_ID)
    for label, size in (("laptop", LAPTOP), ("phone", PHONE)):
        _open(browser, page, size)
        body = browser.find_element(By.TAG_NAME, "body").text
        assert HOSTILE_TITLE in body and HOSTILE_SEGMENT in body and "javascript:alert(7)" in body
        _assert_no_injection(browser)
        assert browser.find_elements(By.CSS_SELECTOR, "a[href^='javascript']") == []
        warnings = browser.find_element(By.CSS_SELECTOR, "details.warnings")
        assert warnings.is_displayed() and not warnings.get_attribute("open")
        assert not browser.find_element(By.CSS_SELECTOR, "details.warnings li").is_displayed()  # quiet until opened
        assert _no_horizontal_scroll(browser)
        screenshot(browser, f"article-hostile-{label}")
    assert console_errors(browser) == []
