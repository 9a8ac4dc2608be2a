"""Record readers: every record becomes an Article or an error naming where and why."""

import json

import pytest

from pipeline.config import ReadConfig
from pipeline.io.records import count_records, is_saved_dataset, dataset_splits, iter_records
from pipeline.text.ids import article_id as content_id

READ = ReadConfig()


def _items(path, **kw):
    return list(iter_records(path, READ, **kw))


def test_jsonl_records_ids_fields_and_errors(tmp_path):
    path = tmp_path / "news.jsonl"
    lines = [
        json.dumps({"id": 7, "title": "Kyiv weather", "text": "It will be sunny.\n\nWinds are light.", "url": "https://x.test/a", "lang": "en"}),
        "",  # blank lines are not records
        "{not json",
        json.dumps({"body": "no text field"}),
        json.dumps({"text": "   "}),
        json.dumps(["a", "list"]),
        json.dumps({"text": "No id here."}),
    ]
    path.write_bytes(("\n".join(lines) + "\n").encode() + b'{"text": "caf\xe9"}\n')
    items = _items(path)
    assert [i.pos for i in items] == list(range(7))
    first = items[0].article
    assert first.id == "7" and first.source.url == "https://x.test/a" and first.source.declared_lang == "en"
    assert first.source.row == 0 and first.source.format == "jsonl"
    # The title field becomes a title block; the body is split into paragraphs.
    assert [(b.kind, b.text) for b in first.blocks] == [("title", "Kyiv weather"), ("paragraph", "It will be sunny."), ("paragraph", "Winds are light.")]
    kinds = [(i.error.kind if i.error else "ok") for i in items]
    assert kinds == ["ok", "record", "no_text", "empty", "record", "ok", "encoding"]
    assert "line 3" in str(items[1].error) and "not valid JSON" in str(items[1].error)
    assert "no 'text' field" in str(items[2].error) and "body" in str(items[2].error)
    assert "line 8" in str(items[6].error) and "UTF-8" in str(items[6].error)
    # No id field: a content hash, stable across reads.
    assert items[5].article.id == content_id(items[5].article.raw) == _items(path)[5].article.id


def test_custom_field_names(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text(json.dumps({"doc_id": "a", "body": "Text here."}) + "\n", encoding="utf-8")
    read = ReadConfig(text_field="body", id_field="doc_id")
    (item,) = iter_records(path, read)
    assert item.article.id == "a" and item.article.raw == "Text here."


def test_json_object_and_list(tmp_path):
    one = tmp_path / "one.json"
    one.write_text(json.dumps({"text": "Only one."}), encoding="utf-8")
    many = tmp_path / "many.json"
    many.write_text(json.dumps([{"text": "A."}, {"nope": 1}]), encoding="utf-8")
    assert [i.article.raw for i in _items(one)] == ["Only one."]
    items = _items(many)
    assert items[0].article.raw == "A." and items[1].error.kind == "no_text" and "item 1" in str(items[1].error)
    broken = tmp_path / "broken.json"
    broken.write_text("[{", encoding="utf-8")
    (item,) = _items(broken)
    assert item.error.kind == "record" and "not valid JSON" in str(item.error)


def test_csv_utf8_and_cp1251(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('id,title,text\n1,Заголовок,"Перший рядок.\n\nДругий абзац."\n2,,\n', encoding="utf-8-sig")
    items = _items(path)
    assert items[0].article.id == "1" and "Другий абзац." in items[0].article.raw
    assert items[1].error.kind == "empty" and "row 2" in str(items[1].error)
    legacy = tmp_path / "legacy.csv"
    legacy.write_bytes("id;text\n1;Це новина українською мовою про погоду в Києві.\n".encode("cp1251"))
    (item,) = _items(legacy, csv_delimiter=";")
    assert item.article.raw.startswith("Це новина")
    nocol = tmp_path / "nocol.csv"
    nocol.write_text("a,b\n1,2\n", encoding="utf-8")
    (item,) = _items(nocol)
    assert item.error.kind == "no_text" and "no 'text' column" in str(item.error)


def test_parquet_streams_in_chunks(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    rows = [{"id": f"p{i}", "text": f"Sentence number {i}.", "extra": "x" * 10} for i in range(25)]
    rows[3]["text"] = None
    path = tmp_path / "a.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=10)
    items = _items(path, chunk_rows=4)
    assert len(items) == 25 and count_records(path) == 25
    assert items[24].article.id == "p24" and items[3].error.kind == "empty"
    assert all(i.pos == n for n, i in enumerate(items))


def test_saved_dataset_and_dict(tmp_path):
    datasets = pytest.importorskip("datasets")
    ds = datasets.Dataset.from_list([{"id": "d1", "text": "One."}, {"id": "d2", "text": "Two."}])
    ds.save_to_disk(str(tmp_path / "ds"))
    assert is_saved_dataset(tmp_path / "ds") and dataset_splits(tmp_path / "ds") == [None]
    assert [i.article.id for i in _items(tmp_path / "ds", chunk_rows=1)] == ["d1", "d2"]
    dd = datasets.DatasetDict({"train": ds, "test": datasets.Dataset.from_list([{"id": "t1", "text": "Three."}])})
    dd.save_to_disk(str(tmp_path / "dd"))
    assert set(dataset_splits(tmp_path / "dd")) == {"train", "test"}
    assert [i.article.id for i in _items(tmp_path / "dd", split="test")] == ["t1"]


def test_empty_record_file_is_one_error(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("\n\n", encoding="utf-8")
    (item,) = _items(path)
    assert item.error.kind == "empty" and "holds no records" in str(item.error)


def test_stray_nul_in_a_record_text_is_not_binary(tmp_path):
    # A NUL or two inside a text field is a glitch of the exporter, not binary data: the
    # record is read (clean strips and counts the characters); a field that is mostly
    # control characters is still refused.
    jsonl = tmp_path / "a.jsonl"
    junk = "".join(chr(c) for c in range(1, 9)) * 20
    jsonl.write_text(
        json.dumps({"id": "nul", "text": "Body with a stray\x00 NUL in it."}) + "\n" + json.dumps({"id": "junk", "text": "x" + junk}) + "\n",
        encoding="utf-8",
    )
    ok, bad = _items(jsonl)
    assert ok.error is None and ok.article.raw == "Body with a stray\x00 NUL in it."
    assert bad.error.kind == "binary"
    csv_path = tmp_path / "a.csv"
    csv_path.write_text('id,text\n1,"First row with a stray\x00 NUL."\n2,Second row.\n', encoding="utf-8")
    items = _items(csv_path)
    assert [i.error for i in items] == [None, None]
    assert items[0].article.raw == "First row with a stray\x00 NUL." and items[1].article.raw == "Second row."


def test_control_characters_and_lone_surrogates_in_id_url_lang(tmp_path):
    # json.dumps writes a lone surrogate as "\ud800", which json.loads reads back as one;
    # UTF-8 output cannot hold it, so it must not reach the record's id/url/lang as is.
    path = tmp_path / "a.jsonl"
    recs = [
        {"id": "a\ud800b", "url": "https://x.test/\udfff", "lang": "e\x00n", "text": "Body."},
        {"title": "T\ud800", "text": "No id, a surrogate in the \udc80 text."},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    first, second = (item.article for item in _items(path))
    assert (first.id, first.source.url, first.source.declared_lang) == ("ab", "https://x.test/", "en")
    assert len(first.warnings) == 1 and "'id', 'url', 'lang'" in first.warnings[0]
    assert second.id.startswith("t-") and second.id == _items(path)[1].article.id  # hashed, stably
    for art in (first, second):
        json.dumps(art.to_record(), ensure_ascii=False).encode("utf-8")


def test_csv_header_with_spaces_and_a_wrong_delimiter_hint(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("id, text \n1, Body text.\n", encoding="utf-8-sig")
    (item,) = _items(path)
    assert item.article.raw == " Body text."
    semi = tmp_path / "semi.csv"
    semi.write_text("id;text\n1;Body.\n", encoding="utf-8-sig")
    (item,) = _items(semi)
    assert item.error.kind == "no_text" and "';'-separated: set batch.csv_delimiter" in str(item.error)
    assert [i.article.raw for i in _items(semi, csv_delimiter=";")] == ["Body."]
