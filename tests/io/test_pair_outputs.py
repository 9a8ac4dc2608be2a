"""pairs.tsv / pairs.tmx / articles.parquet from records: structure, escaping, loadability."""

import json

import pytest

from pipeline.io.pairs import Pair, clean_text, record_pairs
from pipeline.io.parquet import ArticleParquetWriter, flatten_record
from pipeline.io.tmx import TmxWriter
from pipeline.io.tsv import TSV_COLUMNS, PairsTsvWriter

from .tmx_dtd import XML_NS, validate_tmx

NASTY = 'A & B <tag> "quoted"\x00\x07 tab\there\nnew line \x1b[31m'


def _record():
    return {
        "id": "a<1>&",
        "source": {"path": "x.txt", "lang": "en", "format": "txt"},
        "title": {"en": "Title " + NASTY, "uk": "Заголовок"},
        "title_src": "en",
        "sections": [
            {"heading": None, "lang": "en", "text": {"en": "One. Two.", "uk": "Один. Два."}, "summary": {"en": "S", "uk": "С"},
             "segments": [{"en": "One.", "uk": "Один.", "src": "en", "para": 0, "script": "Latin"},
                          {"en": "Two.", "uk": "", "src": "en", "para": 0}]},
            {"heading": {"ru": "Заголовок раздела", "en": "Section heading", "uk": "Заголовок розділу"}, "heading_src": "ru", "lang": "ru",
             "text": {"ru": "Привет.", "en": "Hello.", "uk": "Привіт."}, "summary": {},
             "segments": [{"ru": "Привет.", "en": "Hello.", "uk": "Привіт.", "src": "ru", "para": 0}]},
        ],
        "summary": {"en": "Sum", "uk": "Підсумок"},
        "tags": [{"text": "НОВИНИ", "lang": "uk", "translation": "NEWS", "translations": {"en": "NEWS"}}],
        "signature": {"config_hash": "abc", "newsbridge": "0.1.0"},
    }


def test_pairs_cover_title_heading_body_tag_and_skip_incomplete():
    pairs = list(record_pairs(_record()))
    kinds = [(p.kind, p.section) for p in pairs]
    # "Two." has no uk side: no pair. The ru heading and segment keep their ru source.
    assert kinds == [("title", None), ("body", 0), ("heading", 1), ("body", 1), ("tag", None)]
    assert pairs[2].texts == {"en": "Section heading", "uk": "Заголовок розділу", "ru": "Заголовок раздела"}
    assert pairs[4].texts == {"en": "NEWS", "uk": "НОВИНИ"} and pairs[4].src == "uk"
    assert [p.kind for p in record_pairs(_record(), kinds=("body",))] == ["body", "body"]


def test_clean_text_removes_controls_and_collapses_space():
    # The colour code goes whole, as the readers remove it (one set of non-text characters).
    assert clean_text(NASTY) == 'A & B <tag> "quoted" tab here new line'


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9f", "\ufeff", "\ufffe", "\uffff", "\ud800", "\U0010ffff"])
def test_pairs_and_readers_remove_the_same_characters(char):
    from pipeline.text.cleanup import strip_control_chars

    assert strip_control_chars(f"a{char}b")[0] == "ab"
    assert clean_text(f"a{char}b") == "ab"


def test_tmx_is_valid_tmx14_with_both_languages(tmp_path):
    path = tmp_path / "pairs.tmx"
    with open(path, "w", encoding="utf-8") as fh:
        writer = TmxWriter(fh, srclang="en")
        for pair in record_pairs(_record()):
            writer.write(pair)
        writer.close()
    tree = validate_tmx(path)
    header = tree.find("header")
    for attr in ("creationtool", "creationtoolversion", "segtype", "o-tmf", "adminlang", "srclang", "datatype"):
        assert header.get(attr)
    tus = tree.findall("body/tu")
    assert len(tus) == 5
    for tu in tus:
        langs = [tuv.get(XML_NS) for tuv in tu.findall("tuv")]
        assert {"en", "uk"} <= set(langs) and langs[0] == tu.get("srclang")
        assert tu.find("prop[@type='x-article-id']").text == "a<1>&"
    title_en = tus[0].find("tuv/seg").text
    assert title_en == 'Title A & B <tag> "quoted" tab here new line'  # escaped, then parsed back
    assert [t.get(XML_NS) for t in tus[2].findall("tuv")] == ["ru", "en", "uk"]


def test_tsv_columns_and_cells(tmp_path):
    path = tmp_path / "pairs.tsv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = PairsTsvWriter(fh)
        for pair in record_pairs(_record()):
            writer.write(pair)
    import csv

    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n") and "\r" not in text and len(text.splitlines()) == 6  # one row per line
    with open(path, encoding="utf-8", newline="") as fh:
        header, *rows = list(csv.reader(fh, delimiter="\t"))
    assert header == list(TSV_COLUMNS)
    assert all(len(r) == len(TSV_COLUMNS) for r in rows)
    assert rows[0][:4] == ["a<1>&", "", "title", "en"] and rows[2][:4] == ["a<1>&", "1", "heading", "ru"]
    assert rows[0][4] == clean_text("Title " + NASTY)  # its quotes survive
    assert rows[1][4:] == ["One.", "Один."]


def test_parquet_flattened_loads_with_datasets(tmp_path):
    datasets = pytest.importorskip("datasets")
    path = tmp_path / "articles.parquet"
    writer = ArticleParquetWriter(path, row_group_rows=2)
    records = []
    for i in range(5):
        rec = _record()
        rec["id"] = f"r{i}"
        records.append(rec)
        writer.write(rec)
    writer.write({"id": "bare"})  # a minimal record still fits the fixed schema
    writer.close()
    ds = datasets.load_dataset("parquet", data_files=str(path), split="train")
    assert ds.num_rows == 6 and ds[0]["id"] == "r0"
    row = ds[0]
    assert row["title_en"].startswith("Title") and row["title_uk"] == "Заголовок"
    assert row["text_uk"] == "Один. Два.\n\nПривіт." and row["text"] == "One. Two.\n\nПривет."
    assert row["n_sections"] == 2 and row["n_segments"] == 3
    assert row["sections"][1]["heading"] == "Заголовок раздела" and row["segments"][2]["text"] == "Привет."
    assert row["tags"][0] == {"text": "НОВИНИ", "lang": "uk", "en": "NEWS", "uk": "НОВИНИ"}
    assert ds[5]["n_sections"] == 0
    assert flatten_record(records[0])["config_hash"] == "abc"
    json.dumps(flatten_record(records[0]))  # plain data only


TRICKY_CELLS = ['"Wagner PMC." he said', 'a "quoted" word', "tab\there", "line\nbreak", "cr\rhere", "crlf\r\nend", '"', "", " lead and trail "]


def _tricky_pairs():
    for n, text in enumerate(TRICKY_CELLS):
        yield Pair(id=f'id"{n}', kind="body", section=n, index=0, src="en", texts={"en": text, "uk": text[::-1]})


def _write_tricky_tsv(path):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = PairsTsvWriter(fh)
        for pair in _tricky_pairs():
            writer.write(pair)
    return [[f'id"{n}', str(n), "body", "en", text, text[::-1]] for n, text in enumerate(TRICKY_CELLS)]


def test_tsv_round_trips_quotes_tabs_and_line_breaks_with_csv(tmp_path):
    import csv

    path = tmp_path / "pairs.tsv"
    expected = _write_tricky_tsv(path)
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh, delimiter="\t"))
    assert rows[0] == list(TSV_COLUMNS)
    assert rows[1:] == expected


def test_tsv_round_trips_with_pandas(tmp_path):
    pd = pytest.importorskip("pandas")
    path = tmp_path / "pairs.tsv"
    expected = _write_tricky_tsv(path)
    frame = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    assert list(frame.columns) == list(TSV_COLUMNS)
    assert frame.values.tolist() == expected
