import subprocess
import sys


def _modules_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_importing_pipeline_does_not_import_torch():
    mods = _modules_after("import pipeline, pipeline.data, pipeline.config, pipeline.registry, pipeline.runner")
    assert "torch" not in mods and "transformers" not in mods


def test_cli_starts_without_torch():
    mods = _modules_after("import pipeline.cli.app")
    assert "torch" not in mods
