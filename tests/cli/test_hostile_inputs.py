"""What a hostile (or unlucky) user gives the CLI: one clear line and a non-zero exit,
never a traceback, and a message that says what is wrong with which input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli.app import app

from ..conftest import SAMPLE_ARTICLE, TINY_CONFIG

runner = CliRunner()
FAST = ["--set", "pipeline.stages=[clean,segment]"]


def _one_line_error(result, *needles: str, code: int | None = None) -> str:
    assert result.exit_code != 0 and isinstance(result.exception, SystemExit), (result.exception, result.output)
    assert "Traceback" not in result.output
    err = result.stderr.strip()
    assert err.startswith("error:") and "\n" not in err, err
    for needle in needles:
        assert needle in err, err
    if code is not None:
        assert result.exit_code == code, (result.exit_code, err)
    return err


def _unreadable(tmp_path: Path, name: str) -> Path:
    """A path that raises PermissionError when read, even for root where /proc allows."""
    path = tmp_path / name
    path.write_text("Some article text.\n", encoding="utf-8")
    path.chmod(0)
    try:
        path.read_bytes()
    except PermissionError:
        return path
    proc = Path("/proc/1/environ")  # another process's environment: refused to root in a container
    try:
        proc.read_bytes()
    except PermissionError:
        path.unlink()
        path.symlink_to(proc)
        return path
    except OSError:
        pass
    pytest.skip("cannot make a file unreadable here (root, no /proc/1/environ refusal)")


# -- inputs that cannot be read -------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [["run"], ["detect"], ["translate", "--to", "uk"], ["summarize"]],
    ids=lambda c: c[0],
)
def test_unreadable_article(tmp_path, command, tiny_overrides):
    path = _unreadable(tmp_path, "secret.txt")
    sets = [x for o in tiny_overrides for x in ("--set", o)]
    result = runner.invoke(app, [command[0], str(path), *command[1:], "--config", str(TINY_CONFIG), *sets])
    _one_line_error(result, f"{path}: cannot be read (Permission denied)", code=1)


def test_unreadable_article_in_batch_is_an_error_record(tmp_path):
    path = _unreadable(tmp_path, "secret.txt")
    out = tmp_path / "out"
    result = runner.invoke(app, ["batch", str(path), "--out", str(out), *FAST])
    assert result.exit_code == 0, result.output
    errors = [json.loads(x) for x in (out / "errors.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(e["kind"], e["message"]) for e in errors] == [("unreadable", f"{path}: cannot be read (Permission denied)")]


def test_unreadable_config(tmp_path):
    path = _unreadable(tmp_path, "cfg.yaml")
    result = runner.invoke(app, ["run", str(SAMPLE_ARTICLE), "--config", str(path)])
    _one_line_error(result, f"{path}: cannot be read (Permission denied)", code=2)


def test_unreadable_eval_data(tmp_path):
    path = _unreadable(tmp_path, "dev.jsonl")
    result = runner.invoke(app, ["eval", "translate", "--data", str(path)])
    _one_line_error(result, f"{path}: cannot be read (Permission denied)", code=1)


# -- config files and --set ---------------------------------------------------------------


def _run_with_config(text: str | bytes, tmp_path: Path):
    path = tmp_path / "cfg.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path, runner.invoke(app, ["run", str(SAMPLE_ARTICLE), "--config", str(path)])


def test_config_that_is_a_directory(tmp_path):
    result = runner.invoke(app, ["run", str(SAMPLE_ARTICLE), "--config", str(tmp_path)])
    _one_line_error(result, f"--config {tmp_path} is a directory, not a YAML file", code=2)


def test_config_missing(tmp_path):
    result = runner.invoke(app, ["run", str(SAMPLE_ARTICLE), "--config", str(tmp_path / "nope.yaml")])
    _one_line_error(result, f"config file not found: {tmp_path / 'nope.yaml'}", code=2)


@pytest.mark.parametrize(
    "text,needles",
    [
        ("translate: [unclosed\n", ["at line 2, column 1: expected ',' or ']'", "started at line 1, column 12"]),
        ("translate:\n  num_beams: 1\n\tbad: 1\n", ["at line 3, column 1", "indent with spaces, not tabs"]),
        ("batch:\n  tmx_srclang: *all*\n", ["at line 2", 'quote values that start with * or &, e.g. "*all*"']),
    ],
    ids=["unclosed-list", "tab", "star-value"],
)
def test_config_invalid_yaml_says_where_without_echoing_the_source(tmp_path, text, needles):
    path, result = _run_with_config(text, tmp_path)
    err = _one_line_error(result, f"{path}: not valid YAML", *needles, code=2)
    assert "<unicode string>" not in err and "^" not in err


@pytest.mark.parametrize("text,kind", [("- a\n- b\n", "list"), ("just words\n", "str")])
def test_config_not_a_mapping(tmp_path, text, kind):
    path, result = _run_with_config(text, tmp_path)
    _one_line_error(result, f"{path}: the top level must be a mapping of sections, got {kind}", code=2)


def test_config_not_utf8(tmp_path):
    path, result = _run_with_config(b"runtime:\n  device: caf\xe9\n", tmp_path)
    _one_line_error(result, f"{path}: not UTF-8 text", code=2)


def test_unreadable_config(tmp_path):
    path = _unreadable(tmp_path, "cfg.yaml")
    result = runner.invoke(app, ["run", str(SAMPLE_ARTICLE), "--config", str(path)])
    _one_line_error(result, f"{path}: cannot be read (Permission denied)", code=2)


@pytest.mark.parametrize("item", ["translate.num_beams", "=3", "translate..num_beams=1"])
def test_set_without_a_key_path_and_value(item):
    result = runner.invoke(app, ["run", str(SAMPLE_ARTICLE), "--set", item])
    _one_line_error(result, f"--set expects key.path=value, got {item!r}", code=2)


@pytest.mark.parametrize(
    "item,needle",
    [
        ("pipeline.stages=[clean,segment", "at column 15: expected ',' or ']'"),
        ("batch.outputs=[tmx,,]", "at column 6"),
        ("models.local_dirs={a: b", "expected ',' or '}'"),
    ],
)
def test_set_list_or_mapping_with_bad_syntax(item, needle):
    result = runner.invoke(app, ["run", str(SAMPLE_ARTICLE), "--set", item])
    err = _one_line_error(result, f"--set {item}: not a valid YAML list or mapping", needle, "write lists as [a, b]", code=2)
    # Not passed on as a string to fail validation as "should be a valid list".
    assert "valid list" not in err


def test_set_list_given_as_a_word_says_how_to_write_a_list():
    result = runner.invoke(app, ["run", str(SAMPLE_ARTICLE), "--set", "pipeline.stages=clean"])
    _one_line_error(result, "pipeline.stages: Input should be a valid list (got 'clean'; write a list as [a, b])", code=2)


# -- models ---------------------------------------------------------------------------------


def test_pull_unknown_name_suggests_the_close_one_before_any_download(tmp_path, monkeypatch):
    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "snapshot_download", lambda **kw: pytest.fail("downloaded before checking names"))
    result = runner.invoke(app, ["models", "pull", "opus-mt-en-uk", "opus-mt-en-ukk", "--set", f"models.root={tmp_path}"])
    _one_line_error(result, "model 'opus-mt-en-ukk' is not available", "Did you mean 'opus-mt-en-uk'?", code=3)
    assert "pulling" not in result.stderr


def test_pull_a_tiny_model_says_it_is_built_not_pulled(tmp_path):
    result = runner.invoke(app, ["models", "pull", "tiny-marian-en-uk", "--set", f"models.root={tmp_path}"])
    err = _one_line_error(result, "model 'tiny-marian-en-uk' has no hub id to pull from: it is built here", code=3)
    assert "not available" not in err and f"`newsbridge models build-tiny --set models.root={tmp_path}`" in err


@pytest.mark.parametrize("sub", ["", "deeper"])
def test_build_tiny_into_a_file(tmp_path, sub):
    taken = tmp_path / "taken"
    taken.write_text("x", encoding="utf-8")
    target = taken / sub if sub else taken
    result = runner.invoke(app, ["models", "build-tiny", str(target)])
    _one_line_error(result, str(taken), "is a file", code=2)


# -- outputs and empty inputs --------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [["run", str(SAMPLE_ARTICLE), "--out", ""], ["batch", str(SAMPLE_ARTICLE), "--out", " "], ["digest", ""], ["models", "build-tiny", ""]],
    ids=["run", "batch", "digest", "build-tiny"],
)
def test_empty_output_dir_is_refused_not_taken_as_cwd(tmp_path, monkeypatch, args):
    # `--out "$OUT"` with OUT unset: Path("") is ".", which would fill the working directory.
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, [*args, *FAST] if args[0] in ("run", "batch") else args)
    assert result.exit_code == 2, result.output
    assert "is empty (an unset variable?)" in result.stderr and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("files", [[], ["notes.docx"]], ids=["empty", "nothing-matches"])
def test_batch_of_nothing_says_so(tmp_path, files):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in files:
        (inbox / name).write_text("x", encoding="utf-8")
    result = runner.invoke(app, ["batch", str(inbox), "--out", str(tmp_path / "out"), *FAST])
    assert result.exit_code == 0, result.output  # an empty inbox is normal for a cron job
    expected = f"1 file(s) did not match batch.include (e.g. {inbox / 'notes.docx'})" if files else "they hold no files"
    assert f"warning: no article files in the inputs: {expected}" in result.stderr


def test_html_without_text_is_our_line_only(tmp_path):
    # A real process: in-process, pytest's log capture hides what a user's terminal shows
    # (trafilatura's "WARNING ... discarding data: None" before our error).
    page = tmp_path / "empty.html"
    page.write_text("<html><body></body></html>", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-c", "from pipeline.cli.app import main; main()", "detect", str(page)],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"error: {page}: has no main text that could be extracted from the HTML"


# -- languages -------------------------------------------------------------------------------


@pytest.mark.parametrize("args,needle", [
    (["--to", "fr"], "--to fr: no model in translate.models translates into 'fr'"),
    (["--to", "uk", "--from", "english"], "--from 'english': expected an ISO 639 language code"),
    (["--to", ""], "--to '': expected an ISO 639 language code"),
])
def test_translate_language_options(args, needle):
    result = runner.invoke(app, ["translate", str(SAMPLE_ARTICLE), *args, "--config", str(TINY_CONFIG)])
    _one_line_error(result, needle, code=2)


def test_translate_language_codes_are_case_insensitive(tiny_overrides, tmp_path):
    text = tmp_path / "t.txt"
    text.write_text("Good morning.\n", encoding="utf-8")
    sets = [x for o in tiny_overrides for x in ("--set", o)]
    result = runner.invoke(app, ["translate", str(text), "--to", "UK", "--from", "En", "--json", "--config", str(TINY_CONFIG), *sets])
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout.splitlines()[0])
    assert (row["lang"], row["tgt"]) == ("en", "uk")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_endless_device_is_bounded_by_max_bytes():
    # Its size is 0, so the size check passed and the whole "file" was read: MemoryError.
    result = runner.invoke(app, ["detect", "/dev/zero", "--set", "read.max_bytes=1000"])
    _one_line_error(result, "/dev/zero: holds over read.max_bytes=1,000 bytes", code=1)


@pytest.mark.parametrize("stages,needle", [
    ("[]", "pipeline.stages: no stages: nothing would be done"),
    ("[translate]", "pipeline.stages: 'translate' needs 'detect' before it"),
    ("[segment,clean]", "pipeline.stages: 'segment' needs 'clean' before it"),
    ("[clean,clean,segment]", "pipeline.stages: clean listed more than once"),
])
def test_stage_lists_that_would_do_nothing_useful(stages, needle):
    # They ran, exited 0 and wrote a record with no sections or no translations.
    result = runner.invoke(app, ["run", str(SAMPLE_ARTICLE), "--set", f"pipeline.stages={stages}"])
    err = _one_line_error(result, needle, code=2)
    assert "Value error" not in err


def test_stage_list_without_translate_is_still_allowed():
    from pipeline.config import load_config

    # Summaries call the translation engine themselves (tests/stages/test_summarize.py).
    assert load_config(None, ["pipeline.stages=[clean, segment, detect, summarize]"]).pipeline.stages[-1] == "summarize"


@pytest.mark.parametrize("item,needle", [
    ("translate.models.en-uk=tiny-bart-summarizer", "model 'tiny-bart-summarizer' is a summarize model (model manifest), named here as a translate model"),
    ("summarize.model=tiny-marian-en-uk", "model 'tiny-marian-en-uk' is a translate model (model manifest), named here as a summarize model"),
    ("translate.models.en-uk=tiny-marian-uk-en", "translate.models.en-uk: 'tiny-marian-uk-en' translates uk -> en, not en -> uk"),
])
def test_model_named_for_the_wrong_job(tiny_overrides, item, needle):
    # Each loaded and ran without a complaint, writing text of the wrong kind or language.
    sets = [x for o in tiny_overrides for x in ("--set", o)]
    result = runner.invoke(app, ["run", str(SAMPLE_ARTICLE), "--config", str(TINY_CONFIG), *sets, "--set", item])
    _one_line_error(result, needle, code=2)
