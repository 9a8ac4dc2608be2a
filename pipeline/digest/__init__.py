"""The newsroom digest: a static bilingual website people open in a browser.

`build_digest(out_dir, config)` reads a `run --out` or `batch --out` directory (streaming)
and writes `out_dir/digest/index.html`, one page per article under `articles/`, and one
CSS and one JS file under `assets/`. `write_digest(out_dir, records, config)` does the same
from records already at hand. Everything works offline from the file system.
"""

from .records import LocatedRecord, RecordProblem
from .render import DigestResult, build_digest, write_digest

__all__ = ["DigestResult", "LocatedRecord", "RecordProblem", "build_digest", "write_digest"]
