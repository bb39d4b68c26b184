"""Build the bundled chart font: Noto Sans CJK SC cut down to GB 2312 and ASCII, renamed.

Run by hand when the font must be rebuilt (never at run time):
    python liushou/fonts/build_subset.py /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
The source is Noto Sans CJK SC 2.004 (SIL OFL 1.1, https://github.com/googlefonts/noto-cjk);
Debian's fonts-noto-cjk ships it as face 2 of NotoSansCJK-Regular.ttc. The subset keeps every
character of GB 2312 (6763 hanzi and its symbols), ASCII and the CJK punctuation blocks, which
covers every label a chart draws; it is renamed, as the OFL asks of a modified version.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

FAMILY = "Liushou Sans SC"
POSTSCRIPT = "LiushouSansSC-Regular"
OUT = Path(__file__).resolve().parent / "LiushouSansSC-Regular.otf"


def gb2312() -> set[int]:
    """Every character GB 2312 encodes (rows 0xA1–0xF7, cells 0xA1–0xFE)."""
    found = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                found.add(ord(bytes([high, low]).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    return found


def main(source: str) -> None:
    font = TTCollection(source).fonts[2] if source.endswith(".ttc") else TTFont(source)
    assert font["name"].getDebugName(1).startswith("Noto Sans CJK SC"), "not the SC face"
    codepoints = gb2312() | set(range(0x20, 0x7F)) | set(range(0x3000, 0x3040))
    codepoints |= set(range(0xFF01, 0xFF5F)) | {0x2014, 0x2026, 0x2018, 0x2019, 0x201C, 0x201D}
    options = subset.Options()
    # matplotlib does no OpenType shaping: drop the layout tables and the glyphs only they reach
    options.layout_features = []
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints)
    subsetter.subset(font)
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 3, 4, 6, 16, 17, 18):
            names.removeNames(nameID=record.nameID)
    for name_id, value in (
        (1, FAMILY),
        (3, f"{POSTSCRIPT};subset of Noto Sans CJK SC 2.004"),
        (4, FAMILY),
        (6, POSTSCRIPT),
        (16, FAMILY),
        (17, "Regular"),
    ):
        names.setName(value, name_id, 3, 1, 0x409)
    cff = font["CFF "].cff
    cff.fontNames = [POSTSCRIPT]
    top = cff.topDictIndex[0]
    top.FullName = FAMILY
    top.FamilyName = FAMILY
    font.save(OUT)
    print(f"{OUT}: {OUT.stat().st_size} bytes, {len(font.getGlyphOrder())} glyphs")


if __name__ == "__main__":
    main(sys.argv[1])
