"""The web page as a person uses it, in headless Chromium: paste the seed article, watch
it go through the stages, read both summaries on the result page; upload an HTML file;
search the history; restart the server and find the history intact. Screenshots land in
test-artifacts/digest/serve-*.png."""

from __future__ import annotations

import signal

import pytest

from ..conftest import SAMPLE_ARTICLE
from ..digest.browser import LAPTOP, PHONE, console_errors, screenshot, set_viewport
from .server import Server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
RESULT_WAIT_S = 600  # a ceiling only: the wait ends as soon as the result page is there


def _wait(driver, condition, seconds=30):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, seconds, poll_frequency=0.2).until(condition)


def _open(driver, url):
    driver.get(url)
    _wait(driver, lambda d: d.execute_script("return document.readyState") == "complete")


def _wait_for_result(driver):
    from selenium.webdriver.common.by import By

    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".summary-box") or d.find_elements(By.CSS_SELECTOR, ".job-failed"), RESULT_WAIT_S)
    assert not driver.find_elements(By.CSS_SELECTOR, ".job-failed"), driver.find_element(By.TAG_NAME, "main").text


def _summaries(driver) -> dict[str, str]:
    from selenium.webdriver.common.by import By

    return {el.get_attribute("lang"): el.text for el in driver.find_elements(By.CSS_SELECTOR, ".summary-box .summary p > span[lang]")}


def _history_titles(driver) -> list[str]:
    from selenium.webdriver.common.by import By

    return [el.text for el in driver.find_elements(By.CSS_SELECTOR, "#history-list .entry-title")]


def test_paste_upload_search_and_restart(tmp_path, serve_overrides, browser):
    from selenium.webdriver.common.by import By

    srv = Server(tmp_path / "data", serve_overrides).start()
    try:
        set_viewport(browser, LAPTOP)
        _open(browser, srv.url + "/")
        assert "Newsroom service" in browser.find_element(By.TAG_NAME, "h1").text
        assert "Редакційний сервіс" in browser.find_element(By.TAG_NAME, "h1").text
        browser.find_element(By.ID, "text").send_keys(SAMPLE_ARTICLE.read_text(encoding="utf-8"))
        browser.find_element(By.ID, "go").click()
        _wait(browser, lambda d: "/articles/" in d.current_url)
        job_url = browser.current_url
        stages = browser.find_elements(By.CSS_SELECTOR, "#stages .stage")
        if stages:  # not already done: the progress page lists every stage
            assert [s.get_attribute("data-stage") for s in stages][:2] == ["read", "clean"]
            screenshot(browser, "serve-progress")
        _wait_for_result(browser)
        summaries = _summaries(browser)
        assert set(summaries) == {"en", "uk"} and all(t.strip() for t in summaries.values())
        assert len(browser.find_elements(By.CSS_SELECTOR, "section.section")) >= 3  # the article's sections, aligned
        assert browser.find_elements(By.CSS_SELECTOR, ".row .cell.original[lang=en]")
        assert browser.find_elements(By.CSS_SELECTOR, ".row .cell.translation[lang=uk]")
        warnings = browser.find_elements(By.CSS_SELECTOR, "details.warnings")
        assert not warnings or warnings[0].get_attribute("open") is not None  # warnings shown, not folded
        links = {a.text: a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, ".downloads a")}
        assert set(links) == {"JSON", "MD", "TMX"}
        screenshot(browser, "serve-article")
        set_viewport(browser, PHONE)
        _open(browser, job_url)
        assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
        screenshot(browser, "serve-article-phone")
        set_viewport(browser, LAPTOP)

        _open(browser, srv.url + "/")
        browser.find_element(By.ID, "file").send_keys(str(SAMPLE_ARTICLE.with_suffix(".html")))
        browser.find_element(By.ID, "go").click()
        _wait(browser, lambda d: "/articles/" in d.current_url)
        _wait_for_result(browser)
        assert set(_summaries(browser)) == {"en", "uk"}
        assert "mali-rebels-en.html" in browser.find_element(By.CSS_SELECTOR, ".facts").text

        _open(browser, srv.url + "/")
        before = _history_titles(browser)
        assert len(before) == 2 and all(before)
        uk_titles = [el.text for el in browser.find_elements(By.CSS_SELECTOR, "#history-list .title-alt [lang=uk]")]
        assert len(uk_titles) == 2  # both titles: the original and its Ukrainian translation
        screenshot(browser, "serve-history")
        box = browser.find_element(By.ID, "hq")
        box.send_keys(max(uk_titles[0].split(), key=len))
        box.submit()
        _wait(browser, lambda d: "q=" in d.current_url)
        assert 1 <= len(_history_titles(browser)) <= 2
        assert not console_errors(browser), console_errors(browser)
    finally:
        srv.stop(signal.SIGTERM)
        srv.kill()

    again = Server(tmp_path / "data", serve_overrides, log=tmp_path / "second.log").start()
    try:
        _open(browser, again.url + "/")
        assert _history_titles(browser) == before
        browser.find_elements(By.CSS_SELECTOR, "#history-list .entry-title a")[-1].click()
        _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".summary-box"))
        assert set(_summaries(browser)) == {"en", "uk"}
    finally:
        again.stop()
        again.kill()


def test_docs_page_renders_offline(tmp_path, serve_overrides, browser):
    """/docs in Chromium (no internet here): Swagger UI comes up from the server's own
    files and lists the article API."""
    from selenium.webdriver.common.by import By

    srv = Server(tmp_path / "data", serve_overrides).start()
    try:
        set_viewport(browser, LAPTOP)
        _open(browser, srv.url + "/docs")
        _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".swagger-ui .info .title"))
        assert "newsbridge" in browser.find_element(By.CSS_SELECTOR, ".swagger-ui .info .title").text
        _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".opblock-summary-path"))
        paths = {el.get_attribute("data-path") for el in browser.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")}
        assert {"/api/articles", "/api/articles/{job_id}", "/translate"} <= paths, paths
        loaded = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
        assert loaded and all(url.startswith(srv.url + "/") for url in loaded), loaded
        assert not console_errors(browser), console_errors(browser)
        screenshot(browser, "serve-docs")
    finally:
        srv.stop(signal.SIGTERM)
        srv.kill()
