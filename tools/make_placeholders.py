"""Make the placeholder photos for the bundled report (committed with their output).

Each is a 2400 px wide JPEG with its own colours and shapes, so image checks can
tell them apart, and each says in large type that it is a placeholder.
"""
from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
#: (file, caption words shown on the picture, two colours, shape)
PHOTOS = [
    ("photo-1.jpg", "碉楼下的党课", ((176, 58, 46), (244, 208, 63)), "towers"),
    ("photo-2.jpg", "社区服务", ((31, 97, 141), (174, 214, 241)), "circles"),
    ("photo-3.jpg", "植树活动", ((30, 132, 73), (214, 234, 248)), "trees"),
    ("photo-4.jpg", "民主议事", ((91, 44, 111), (250, 219, 216)), "table"),
]
SIZE = (2400, 1600)


def gradient(top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Image.Image:
    column = Image.new("RGB", (1, SIZE[1]))
    for y in range(SIZE[1]):
        t = y / (SIZE[1] - 1)
        column.putpixel((0, y), tuple(int(a + (b - a) * t) for a, b in zip(top, bottom)))
    return column.resize(SIZE)


def shapes(draw: ImageDraw.ImageDraw, kind: str, colour: tuple[int, int, int]) -> None:
    w, h = SIZE
    if kind == "towers":
        for i, x in enumerate(range(200, w, 500)):
            draw.rectangle([x, h - 700 - i * 60, x + 260, h], fill=colour)
            draw.polygon([(x - 30, h - 700 - i * 60), (x + 130, h - 900 - i * 60),
                          (x + 290, h - 700 - i * 60)], fill=colour)
    elif kind == "circles":
        for i in range(7):
            r = 120 + i * 40
            draw.ellipse([250 + i * 300 - r, 1100 - r, 250 + i * 300 + r, 1100 + r],
                         outline=colour, width=30)
    elif kind == "trees":
        for x in range(150, w, 350):
            draw.polygon([(x, 1500), (x + 150, 900), (x + 300, 1500)], fill=colour)
    else:
        draw.rectangle([300, 1000, w - 300, 1200], fill=colour)
        for x in range(400, w - 300, 300):
            draw.ellipse([x, 800, x + 160, 960], fill=colour)


def make(name: str, words: str, colours: tuple, kind: str, number: int, out: Path) -> None:
    image = gradient(colours[1], colours[0])
    draw = ImageDraw.Draw(image)
    shapes(draw, kind, colours[0] if number % 2 else (40, 40, 40))
    big = ImageFont.truetype(FONT, 220)
    small = ImageFont.truetype(FONT, 110)
    draw.rectangle([120, 120, 2280, 700], fill=(255, 255, 255))
    draw.text((200, 160), f"占位图 {number}", font=big, fill=(20, 20, 20))
    draw.text((200, 440), f"PLACEHOLDER · {words}", font=small, fill=(120, 20, 20))
    image.save(out / name, "JPEG", quality=82, optimize=True, dpi=(300, 300))


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for number, (name, words, colours, kind) in enumerate(PHOTOS, start=1):
        make(name, words, colours, kind, number, out)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "sources/images"))
