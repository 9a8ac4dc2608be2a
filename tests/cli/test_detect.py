import json

from typer.testing import CliRunner

from pipeline.cli.app import app

from ..conftest import REPO, SAMPLE_ARTICLE

runner = CliRunner()


def _jsonl(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_detect_blocks_of_the_sample():
    result = runner.invoke(app, ["detect", str(SAMPLE_ARTICLE)])
    assert result.exit_code == 0, result.output
    rows = _jsonl(result.stdout)
    assert all(set(r) == {"text", "lang", "confidence", "script", "is_tag"} for r in rows)
    # title + 5 headings + 6 paragraphs + the tag; chrome, caption, credit are not blocks
    assert len(rows) == 13
    assert rows[-1] == {"text": "НОВИНИ", "lang": "uk", "confidence": rows[-1]["confidence"], "script": "Cyrillic", "is_tag": True}
    assert all(r["lang"] == "en" and not r["is_tag"] for r in rows[:-1])


def test_detect_lines(tmp_path):
    path = tmp_path / "lines.txt"
    path.write_text("The government approved the plan.\n\nУряд ухвалив програму.\nПравительство утвердило программу.\nНОВИНИ\n12:05\n", encoding="utf-8")
    result = runner.invoke(app, ["detect", "--lines", str(path)])
    assert result.exit_code == 0, result.output
    rows = _jsonl(result.stdout)
    assert [(r["lang"], r["is_tag"]) for r in rows] == [("en", False), ("uk", False), ("ru", False), ("uk", True), ("und", False)]


def test_detect_html_and_cp1251(tmp_path):
    html = REPO / "tests" / "fixtures" / "mali-rebels-en.html"
    result = runner.invoke(app, ["detect", str(html)])
    assert result.exit_code == 0, result.output
    assert _jsonl(result.stdout)[-1]["text"] == "НОВИНИ"
    legacy = tmp_path / "uk.txt"
    legacy.write_bytes("Заголовок новини\n\nУряд ухвалив програму відновлення енергетики.\n".encode("cp1251"))
    rows = _jsonl(runner.invoke(app, ["detect", str(legacy)]).stdout)
    assert [r["lang"] for r in rows] == ["uk", "uk"]


def test_detect_errors_name_the_file(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    for args in (["detect", str(empty)], ["detect", "--lines", str(empty)], ["detect", str(tmp_path / "missing.txt")]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1
        assert args[-1] in result.output and "Traceback" not in result.output
    chrome = tmp_path / "chrome.txt"
    chrome.write_text("Search\nMenu\n", encoding="utf-8")
    result = runner.invoke(app, ["detect", str(chrome)])
    assert result.exit_code == 1 and "no article text" in result.output
