"""Reading never blocks and never holds more than the limits: only regular files are
opened, a JSONL line over read.max_bytes is skipped without being read whole, and a
malformed CSV row costs that row only."""

from __future__ import annotations

import json
import os
import socket
import tracemalloc
from pathlib import Path

import pytest

from pipeline.config import ReadConfig
from pipeline.errors import InputError
from pipeline.io.files import fingerprint, open_regular, read_bounded, same_input
from pipeline.io.records import count_records, iter_records


def test_huge_jsonl_line_costs_no_more_than_the_limit(tmp_path):
    path = tmp_path / "feed.jsonl"
    huge = 8_000_000
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(json.dumps({"id": "a", "text": "First."}) + "\n")
        line = '{"id": "huge", "text": "' + "x" * huge + '"}\n'
        fh.write(line)
        fh.write(json.dumps({"id": "b", "text": "Last."}) + "\n")
    read = ReadConfig(max_bytes=100_000)
    tracemalloc.start()
    try:
        items = list(iter_records(path, read))
        assert count_records(path) == 3
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000, f"peak {peak:,} bytes for an {huge:,}-byte line"
    assert [i.article.id if i.article else None for i in items] == ["a", None, "b"]
    err = items[1].error
    assert err.kind == "too_large" and "line 2" in str(err) and f"is {len(line):,} bytes" in str(err)


def test_deeply_nested_jsonl_line_is_that_line_only(tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_text('{"text": "one"}\n' + "[" * 200_000 + "]" * 200_000 + '\n{"text": "three"}\n', encoding="utf-8")
    items = list(iter_records(path, ReadConfig()))
    assert [bool(i.article) for i in items] == [True, False, True]
    assert "nested too deeply" in str(items[1].error)


def test_csv_stray_character_after_a_quote_and_an_overlong_line(tmp_path):
    path = tmp_path / "t.csv"
    long_line = "c3," + "y" * 300_000
    path.write_text('id,text\nc1,"one"\nc2,"two"x\n' + long_line + '\nc4,"four\nstill four"\nc5,five\n', encoding="utf-8")
    items = list(iter_records(path, ReadConfig(max_bytes=200_000)))
    assert [i.article.id if i.article else None for i in items] == ["c1", None, None, "c4", "c5"]
    assert "(line 3)" in items[1].where and "(line 4)" in items[2].where
    assert items[3].article.raw == "four\nstill four"
    assert [i.pos for i in items] == [0, 1, 2, 3, 4]


@pytest.mark.timeout(60)
def test_only_regular_files_are_opened(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="named pipe"):
        open_regular(fifo)
    sock_path = tmp_path / "s.txt"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    try:
        with pytest.raises(InputError, match="socket"):
            read_bounded(sock_path, 100)
    finally:
        sock.close()
    with pytest.raises(InputError, match="directory"):
        read_bounded(tmp_path, 100)
    with pytest.raises(InputError, match="no such file"):
        read_bounded(tmp_path / "gone.txt", 100)
    assert count_records(fifo, fmt="jsonl") is None  # a progress hint never opens it


def test_fingerprint_tells_an_edit_from_a_touch(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"text": "one"}\n')
    saved = fingerprint(path)
    assert same_input(path, saved) == (True, None)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    unchanged, now = same_input(path, saved)
    assert unchanged and now["mtime_ns"] != saved["mtime_ns"]
    path.write_bytes(b'{"text": "two"}\n')
    unchanged, now = same_input(path, saved)
    assert not unchanged and now["sha256"] != saved["sha256"]
