"""Bad JSON / JSONL input: the message names the file, the line and the JSON problem, on
one line. In `batch` a bad record is an error record (the batch goes on); in `eval` the
data file is the whole input, so it is the command's error."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from pipeline.cli.app import app

runner = CliRunner()
FAST = ["--set", "pipeline.stages=[clean,segment]"]


def _one_line_error(result) -> str:
    assert result.exit_code != 0 and isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    err = result.stderr.strip()
    assert err.startswith("error:") and "\n" not in err, err
    return err


def _errors(out):
    return [json.loads(line) for line in (out / "errors.jsonl").read_text(encoding="utf-8").splitlines()]


def test_batch_bad_jsonl_lines_name_file_line_and_problem(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        '{"id": "a", "text": "First article text."}\n'
        '{"id": "b", "text": "tab\there"}\n'  # a raw control character inside a string
        '{"id": "c", "text": \n'  # cut short
        '{"id": "d" "text": "x"}\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = runner.invoke(app, ["batch", str(feed), "--out", str(out), *FAST])
    assert result.exit_code == 0, result.output
    messages = [e["message"] for e in _errors(out)]
    assert messages == [
        f"{feed} line 2: is not valid JSON (Invalid control character at column 25)",
        f"{feed} line 3: is not valid JSON (Expecting value at the end of the line (is the record cut short?))",
        f"{feed} line 4: is not valid JSON (Expecting ',' delimiter at column 12)",
    ]
    assert f"{feed} line 2: is not valid JSON" in result.stdout


def test_batch_bad_json_document_names_line_and_column(tmp_path):
    doc = tmp_path / "feed.json"
    doc.write_text('[{"id": "a", "text": "x"},\n {"id": "b" "text": "y"}]\n', encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["batch", str(doc), "--out", str(out), *FAST])
    assert result.exit_code == 0, result.output
    assert [e["message"] for e in _errors(out)] == [f"{doc}: is not valid JSON (Expecting ',' delimiter at line 2 column 13)"]


def _eval(path):
    return runner.invoke(app, ["eval", "translate", "--data", str(path)])


def test_eval_data_bad_json_line(tmp_path):
    data = tmp_path / "dev.jsonl"
    good = {"id": "d1", "src_lang": "en", "src": ["a"], "ref_lang": "uk", "ref": ["b"]}
    data.write_text(json.dumps(good) + '\n{"id": "d2", "src": \n', encoding="utf-8")
    err = _one_line_error(_eval(data))
    assert err == f"error: {data}: line 2: not valid JSON (Expecting value at the end of the line (is the record cut short?))"


def test_eval_data_not_utf8(tmp_path):
    data = tmp_path / "dev.jsonl"
    data.write_bytes(b'{"id": "d1", "src_lang": "en", "src": ["caf\xe9"], "ref_lang": "uk", "ref": ["b"]}\n')
    err = _one_line_error(_eval(data))
    assert str(data) in err and "line 1: not valid UTF-8" in err


def test_eval_data_without_src_or_ref(tmp_path):
    data = tmp_path / "dev.jsonl"
    data.write_text(json.dumps({"id": "d1", "src_lang": "en", "ref_lang": "uk", "text": "a"}) + "\n", encoding="utf-8")
    err = _one_line_error(_eval(data))
    assert err.startswith(f"error: {data}: line 1 (document 'd1'): no src, ref;"), err


def test_eval_data_line_not_an_object(tmp_path):
    data = tmp_path / "dev.jsonl"
    data.write_text('["en", "uk"]\n', encoding="utf-8")
    err = _one_line_error(_eval(data))
    assert f"{data}: line 1: a JSON list, expected a JSON object with src_lang, src, ref_lang, ref" in err
