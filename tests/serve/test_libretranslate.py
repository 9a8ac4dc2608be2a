"""LibreTranslate clients work unchanged: the real `libretranslatepy` client from PyPI
against the server, plus the API's documented request shapes (JSON, lists, html, auto)."""

from __future__ import annotations

import pytest
from libretranslatepy import LibreTranslateAPI

pytestmark = pytest.mark.slow


def test_libretranslatepy_client(server):
    lt = LibreTranslateAPI(server.url)
    languages = {entry["code"]: entry for entry in lt.languages()}
    assert {"en", "uk", "ru"} <= set(languages)
    assert "uk" in languages["en"]["targets"] and "en" in languages["uk"]["targets"]
    assert "uk" in languages["ru"]["targets"]  # through the pivot
    detected = lt.detect("Кабінет міністрів ухвалив нову програму підтримки громад.")
    assert detected[0]["language"] == "uk" and 0 < detected[0]["confidence"] <= 100
    assert lt.detect("The government approved a new programme for local communities.")[0]["language"] == "en"
    translated = lt.translate("The rebels said the decision was final.", "en", "uk")
    assert isinstance(translated, str) and translated.strip()
    assert translated != "The rebels said the decision was final."


def test_lists_auto_and_html(client):
    body = client.post("/translate", json={"q": ["Hello there.", "Привіт усім."], "source": "auto", "target": "en"}).json()
    assert isinstance(body["translatedText"], list) and len(body["translatedText"]) == 2
    assert [d["language"] for d in body["detectedLanguage"]] == ["en", "uk"]
    assert body["translatedText"][0] == "Hello there."  # already English: kept
    assert body["translatedText"][1] != "Привіт усім."
    single = client.post("/translate", json={"q": "Привіт усім.", "source": "auto", "target": "en"}).json()
    assert isinstance(single["translatedText"], str) and single["detectedLanguage"]["language"] == "uk"
    html = client.post("/translate", json={
        "q": '<p class="lead">Hello <b>world</b>, friends.</p><script>var x = "keep";</script>',
        "source": "en", "target": "uk", "format": "html"}).json()["translatedText"]
    assert html.startswith('<p class="lead">') and "<b>" in html and "</b>" in html and html.endswith("</script>")
    assert 'var x = "keep";' in html and "Hello" not in html
    lines = client.post("/translate", data={"q": "First line.\n\nSecond line.", "source": "en", "target": "uk"}).json()
    assert lines["translatedText"].count("\n") == 2  # the layout is kept


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"source": "en", "target": "uk"}, "missing q parameter"),
        ({"q": "Hi.", "target": "uk"}, "missing source parameter"),
        ({"q": "Hi.", "source": "en"}, "missing target parameter"),
        ({"q": "Hi.", "source": "xx", "target": "uk"}, "xx is not supported"),
        ({"q": "Hi.", "source": "en", "target": "de"}, "de is not supported"),
        ({"q": "Hi.", "source": "en", "target": "uk", "format": "pdf"}, "format must be text or html"),
        ({"q": [1, 2], "source": "en", "target": "uk"}, "q must be a string or a list"),
    ],
)
def test_errors_have_libretranslates_shape(client, body, words):
    response = client.post("/translate", json=body)
    assert response.status_code == 400
    assert set(response.json()) == {"error"} and words in response.json()["error"]
