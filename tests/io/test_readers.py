import pytest

from pipeline.config import ReadConfig
from pipeline.errors import InputError
from pipeline.io.readers import article_id, read_path

TEXT = "Новини України\n\nУряд оголосив нові заходи підтримки фермерів після посушливого літа. Він сказав, що їх буде більше.\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1251", "koi8_u"])
def test_encodings_decode_to_the_same_text(tmp_path, encoding):
    path = tmp_path / f"a-{encoding}.txt"
    path.write_bytes(TEXT.encode(encoding))
    art = read_path(path, ReadConfig())[0]
    assert art.raw == TEXT


@pytest.mark.parametrize(
    "content,kind",
    [(b"", "empty"), (b"  \n\n ", "empty"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary")],
)
def test_bad_inputs_are_named(tmp_path, content, kind):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(InputError) as exc:
        read_path(path, ReadConfig())
    assert exc.value.kind == kind and str(path) in str(exc.value)


def test_missing_and_unsupported(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_path(tmp_path / "nope.txt", ReadConfig())
    other = tmp_path / "a.docx"
    other.write_bytes(b"x")
    with pytest.raises(InputError, match="unsupported"):
        read_path(other, ReadConfig())


def test_too_large_is_refused(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("x" * 2000)
    with pytest.raises(InputError, match="max_bytes"):
        read_path(path, ReadConfig(max_bytes=1000))


def test_ids_are_stable_and_content_based(tmp_path):
    p = tmp_path / "My Article!.txt"
    assert article_id(p, b"a") == article_id(p, b"a")
    assert article_id(p, b"a") != article_id(p, b"b")
    assert article_id(p, b"a").startswith("My-Article")


def test_markdown_headings(tmp_path):
    path = tmp_path / "a.md"
    path.write_text("# The title\n\nLead **bold** [link](http://x).\n\n## Part\n\nText.\n", encoding="utf-8")
    art = read_path(path, ReadConfig())[0]
    assert [(b.kind, b.text) for b in art.blocks] == [
        ("title", "The title"),
        ("paragraph", "Lead bold link."),
        ("heading", "Part"),
        ("paragraph", "Text."),
    ]


def test_a_text_file_with_nul_bytes_is_still_binary(tmp_path):
    path = tmp_path / "doc.txt"
    path.write_bytes(b"Looks like text at first\x00\x00\x01\x02" + bytes(range(256)) * 4)
    with pytest.raises(InputError) as exc:
        read_path(path, ReadConfig())
    assert exc.value.kind == "binary"
