"""Regenerate configs/default.yaml from the built-in defaults (pipeline/config.py).

Run after adding or changing a config field; tests fail while the two disagree.
"""

from pathlib import Path

import yaml

from pipeline.config import Config

HEADER = """\
# The real-model setup. These values are also newsbridge's built-in defaults, so
# `newsbridge run FILE` without --config behaves the same. Models are named in
# pipeline/resources/manifest.yaml; fetch them with `newsbridge models pull` where the Hugging Face hub
# is reachable, or point at local copies:  --set models.local_dirs.opus-mt-en-uk=/path
# Regenerate with: python scripts/write_default_config.py
"""


def main() -> None:
    path = Path(__file__).resolve().parent.parent / "pipeline" / "configs" / "default.yaml"
    body = yaml.safe_dump(Config().to_dict(), sort_keys=False, allow_unicode=True, width=100)
    path.write_text(HEADER + body, encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
