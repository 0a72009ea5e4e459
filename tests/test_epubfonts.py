"""The EPUB's embedded fonts: HarfBuzz subsets that keep every character the book uses and every glyph its
OpenType features reach (ligatures, small capitals), and the subset cache keyed by font file and characters."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from bookbuild.writers import epubfonts
from bookbuild.writers.epubfonts import subset_font
from bookbuild.writers.fonts import font_file

TEXT = "The office's flow of refugees, Hungary 1956: ő ű Ő Ű"


@pytest.fixture(scope="module")
def charis() -> Path:
    path = font_file("Charis SIL", "Regular")
    if path is None:
        pytest.skip("Charis SIL is not installed (make setup installs fonts-sil-charis)")
    return path


def _shaped(data: bytes, text: str, features: dict[str, bool]) -> list[tuple[int, int, int]]:
    """(cluster, advance, glyph is .notdef) for each glyph HarfBuzz sets *text* with, in the font *data*."""
    import uharfbuzz as hb

    font = hb.Font(hb.Face(hb.Blob(data)))
    buffer = hb.Buffer()
    buffer.add_str(text)
    buffer.guess_segment_properties()
    hb.shape(font, buffer, features)
    return [(info.cluster, position.x_advance, info.codepoint == 0)
            for info, position in zip(buffer.glyph_infos, buffer.glyph_positions, strict=True)]


def test_a_used_character_is_in_the_subset_and_an_unused_one_is_not(charis):
    font = TTFont(io.BytesIO(subset_font(charis, TEXT)))
    cmap = font.getBestCmap()
    assert {ord(c) for c in TEXT} <= set(cmap)  # ő and ű included
    assert ord("Z") not in cmap and ord("ж") not in cmap  # a subset, not the whole font
    assert len(font.getGlyphOrder()) < len(TTFont(charis).getGlyphOrder()) / 5


@pytest.mark.parametrize("features", [{}, {"liga": True}, {"smcp": True}, {"smcp": True, "c2sc": True},
                                      {"onum": True}])
def test_the_subset_sets_the_text_as_the_whole_font_does(charis, features):
    # The theme sets abbreviations in small capitals (all-small-caps) and lets the fonts' ligatures work: the
    # glyphs those features substitute (the "ffi" and "fl" ligatures, small capitals) must be in the subset,
    # or a reading system would set different glyphs (or none) than the whole font gives.
    subset = subset_font(charis, TEXT)
    whole = _shaped(charis.read_bytes(), TEXT, features)
    assert _shaped(subset, TEXT, features) == whole
    assert not any(notdef for _, _, notdef in whole)


def test_ligatures_are_kept(charis):
    # "office flow" is 11 characters; with its ligatures (ffi, fl) the whole font sets it in fewer glyphs.
    subset = subset_font(charis, "office flow")
    assert len(_shaped(subset, "office flow", {"liga": True})) < len("office flow")


def test_licence_and_names_travel_with_the_subset(charis):
    font = TTFont(io.BytesIO(subset_font(charis, TEXT)))
    names = {record.nameID: str(record) for record in font["name"].names if record.platformID == 3}
    assert "SIL Open Font License" in names[13]
    assert "SIL International" in names[0]
    assert not {"Silf", "Glat", "Gloc", "Feat"} & set(font.keys())  # Graphite tables are left out


def test_subsets_are_cached_by_font_and_characters(charis, tmp_path, monkeypatch):
    made = []
    real = epubfonts.subset_font

    def counting(path, characters):
        made.append(characters)
        return real(path, characters)

    monkeypatch.setattr(epubfonts, "subset_font", counting)
    first = epubfonts._cached_subset(charis, "abc", tmp_path)
    assert epubfonts._cached_subset(charis, "abc", tmp_path) == first
    assert made == ["abc"]  # the second came from the cache
    epubfonts._cached_subset(charis, "abcd", tmp_path)
    assert made == ["abc", "abcd"]  # other characters: another subset


def test_the_os2_fields_read_through_harfbuzz_are_fonttools_own(charis):
    for path in {charis, *(font_file(family, style) for family in ("Charis SIL", "Andika", "DejaVu Sans")
                           for style in ("Regular", "Bold", "Italic", "Bold Italic", "Book"))} - {None}:
        table = TTFont(path, lazy=True)["OS/2"]
        fields = epubfonts._os2(path)
        assert fields is not None
        assert (fields.weight_class, fields.embedding, fields.selection) == (table.usWeightClass, table.fsType,
                                                                             table.fsSelection), path


@pytest.mark.parametrize(("fs_type", "outcome"), [(0x0002, "left out"), (0x0100, "whole"), (0x0000, "subset")])
def test_the_licence_bits_decide_whether_a_font_is_embedded_and_subset(charis, tmp_path, fs_type, outcome):
    font = TTFont(charis)
    font["OS/2"].fsType = fs_type
    path = tmp_path / f"Test-{fs_type}.ttf"
    font.save(path)
    data = subset_font(path, "abc")
    if outcome == "left out":
        assert data is None  # restricted licence embedding: not embedded at all
    elif outcome == "whole":
        assert data == path.read_bytes()  # no subsetting allowed: embedded whole
    else:
        assert data is not None and len(data) < path.stat().st_size / 5
