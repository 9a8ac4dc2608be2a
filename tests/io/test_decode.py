import pytest

from pipeline.errors import InputError
from pipeline.io.decode import decode_bytes, plausibility

UK = "Уряд оголосив нові заходи підтримки фермерів після посушливого літа. Їх буде більше, ніж торік.\n"
RU = "Правительство объявило новые меры поддержки фермеров после засушливого лета. Их будет больше.\n"


@pytest.mark.parametrize(
    "text,encoding",
    [
        (UK, "cp1251"), (UK, "koi8_u"), (RU, "cp1251"), (RU, "koi8_r"),
        ("ВСІ ЛІТЕРИ ВЕЛИКІ: НОВИНИ ДНЯ\n", "cp1251"), ("ВСЕ БУКВЫ БОЛЬШИЕ: НОВОСТИ ДНЯ\n", "koi8_r"),
        ("не хвилюйся про це", "koi8_u"),
    ],
)
def test_legacy_code_pages_are_told_apart(text, encoding):
    decoded, found = decode_bytes(text.encode(encoding), "a.txt")
    assert decoded == text and found == encoding


def test_koi8_u_letters_pick_koi8_u():
    decoded, found = decode_bytes(UK.encode("koi8_u"), "a.txt")
    assert found == "koi8_u" and "ї" in decoded.lower()


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom(encoding):
    text = "Mixed text: Уряд оголосив. Government said.\n"
    decoded, found = decode_bytes(text.encode(encoding), "a.txt")
    assert decoded == text and found == encoding


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-8-sig"])
def test_bom_encodings(encoding):
    decoded, _ = decode_bytes(UK.encode(encoding), "a.txt")
    assert decoded.lstrip("\ufeff") == UK


def test_western_code_page_is_an_error_not_mojibake():
    text = "Le café crème était très apprécié à côté de la gare. Déjà vu, naïveté et élégance."
    with pytest.raises(InputError) as exc:
        decode_bytes(text.encode("cp1252"), "fr.txt")
    assert exc.value.kind == "encoding" and "fr.txt" in str(exc.value)


def test_random_high_bytes_are_an_error():
    data = bytes(range(0x80, 0x100)) * 8  # every legacy byte, no text in any code page
    with pytest.raises(InputError, match="legacy_encodings"):
        decode_bytes(data, "junk.txt")


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\xff\xfe", b" \n\t"])
def test_empty_or_bom_only(data):
    with pytest.raises(InputError) as exc:
        decode_bytes(data, "e.txt")
    assert exc.value.kind == "empty"


def test_binary_with_nul_bytes():
    with pytest.raises(InputError) as exc:
        decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", "img.txt")
    assert exc.value.kind == "binary"


def test_plausibility_prefers_real_words():
    good, ok = plausibility(UK)
    bad, _ = plausibility(UK.encode("cp1251").decode("koi8_r"))
    assert ok and good > bad + 1


KOI8_CASES = [
    (RU, "koi8_r"),  # ы: Russian, whatever koi8 is listed first
    ("Он сказал, что погода будет теплой, но ветер сильнее.\n", "koi8_r"),  # no ы э ъ ё: "что", "но"
    ("Ще не вмерла України і слава, і воля.\n", "koi8_u"),  # і ї: only koi8-u has them
    ("Він сказав, що погода буде теплою, але вітер сильний.\n", "koi8_u"),
    ("Мама каже, що це добре.\n", "koi8_u"),  # no і ї є ґ: "що", "це"
]


@pytest.mark.parametrize("legacy", [("cp1251", "koi8_u", "koi8_r"), ("cp1251", "koi8_r", "koi8_u")])
@pytest.mark.parametrize("text,encoding", KOI8_CASES)
def test_koi8_r_russian_is_named_koi8_r_and_koi8_u_ukrainian_koi8_u(text, encoding, legacy):
    # The two differ only where koi8-u has і ї є ґ, so Russian text decodes the same in
    # both: the name must still be the one the file was written in, in either list order.
    decoded, found = decode_bytes(text.encode(encoding), "a.txt", legacy)
    assert decoded == text and found == encoding
