"""Make src/jifen/fonts/NotoSansSC-Regular.ttf, the font every PDF is printed in.

The committed file was made exactly like this, from Noto Sans SC Regular as Google Fonts
serves it (TrueType outlines: ReportLab embeds only those, not the CFF of Noto Sans CJK):

    mkdir scratch && cd scratch
    npm pack @expo-google-fonts/noto-sans-sc@0.4.3     # Google Fonts "Noto Sans SC" v40
    tar xzf expo-google-fonts-noto-sans-sc-0.4.3.tgz
    pip install fonttools==4.69.1                      # a build tool, not a dependency of Jifen
    python tools/subset_font.py scratch/package/400Regular/NotoSansSC_400Regular.ttf

The package's LICENSE_FONT is the SIL Open Font License 1.1, committed beside the font as
OFL.txt. The same source and fontTools give the same bytes (the timestamps are kept), so
the SHA-256 printed at the end can be compared with the committed file's.

What is kept: the characters a community's records are written in — ASCII and Latin-1,
pinyin's accented letters, general and CJK punctuation, full-width forms, the symbols the
pages print (→ − ℃ ① ★ …) and every CJK Unified Ideograph (U+4E00–U+9FFF) the font draws
(all but the 16 last added, U+9FF0–U+9FFF), so residents' rarer name characters (堃 喆 犇)
print. Extension A (U+3400–U+4DBF, e.g. 䶮) would add 2.4 MB and is left out: such a
character prints as an empty box; JIFEN_PDF_FONT can name a fuller TrueType font.
What goes: hinting (PDF viewers scale outlines themselves) and the OpenType layout and
vertical-metrics tables, which ReportLab never reads. The name table stays whole: it
carries the copyright and the licence.
"""

import hashlib
import sys
from pathlib import Path

from fontTools import subset

OUT = Path(__file__).resolve().parents[1] / "src" / "jifen" / "fonts" / "NotoSansSC-Regular.ttf"

RANGES = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1: ¥ · × …
    (0x0100, 0x024F),  # Latin Extended-A and -B: pinyin's ā ǎ ü
    (0x02B0, 0x02FF),  # spacing modifiers: ˇ ˉ ˊ ˋ
    (0x0391, 0x03C9),  # Greek letters, as in measurements and footnotes
    (0x2000, 0x206F),  # general punctuation: — “ ” … ‰ ※
    (0x20A0, 0x20CF),  # currency signs
    (0x2100, 0x218F),  # letterlike symbols and number forms: ℃ № Ⅰ Ⅱ
    (0x2190, 0x21FF),  # arrows
    (0x2200, 0x22FF),  # mathematical operators: − ≤ ≥
    (0x2460, 0x24FF),  # enclosed alphanumerics: ① ⑴ ⒈
    (0x2500, 0x257F),  # box drawing
    (0x25A0, 0x25FF),  # geometric shapes: ■ □ ▲ ● ○ ◆
    (0x2600, 0x26FF),  # miscellaneous symbols: ★ ☆ ☐ ☑
    (0x3000, 0x303F),  # CJK symbols and punctuation: 、 。 《 》 【 】 〇
    (0x3200, 0x32FF),  # enclosed CJK letters: ㈠ ㊣
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xFE10, 0xFE1F),  # vertical forms
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # half-width and full-width forms: ， ： （ ） ！
]

OPTIONS = [
    "--unicodes=" + ",".join(f"U+{a:04X}-{b:04X}" for a, b in RANGES),
    "--no-hinting",
    "--layout-features=",
    "--drop-tables+=BASE,GDEF,GPOS,GSUB,STAT,vhea,vmtx,gasp",
    "--name-IDs=*",
    "--name-languages=*",
    "--notdef-outline",  # a missing character prints as a box, never as nothing
]


def main(source: str) -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    subset.main([source, f"--output-file={OUT}", *OPTIONS])
    data = OUT.read_bytes()
    print(f"{OUT.name}: {len(data):,} bytes, sha256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tools/subset_font.py NotoSansSC_400Regular.ttf")
    main(sys.argv[1])
