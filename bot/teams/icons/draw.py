"""Draw the Teams app icons once (`python -m bot.teams.icons.draw`); the PNGs are committed beside this file.

The mark is a cog (technical work) holding a tick (the commitment). Teams wants a 192×192 full-colour
icon whose symbol keeps to the middle (Teams crops the edges in places) and a 32×32 outline icon that
is white on a transparent background. Both are drawn four times larger and scaled down, for smooth edges.
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
ACCENT = (0x1D, 0x4E, 0x5F)  # the manifest's accentColor
AMBER = (0xF2, 0xA5, 0x41)
WHITE = (255, 255, 255)
SCALE = 4


def cog(size: int, *, teeth: int = 8, outer: float, inner: float) -> list[tuple[float, float]]:
    """The outline of a cog centred in a `size` square: trapezoid teeth from radius `inner` to `outer`."""
    centre, points, steps = size / 2, [], teeth * 40
    for step in range(steps):
        angle = 2 * math.pi * step / steps
        phase = (step % 40) / 40  # where in one tooth's pitch: tip, falling flank, root, rising flank
        if phase < 0.35:
            radius = outer
        elif phase < 0.5:
            radius = outer - (outer - inner) * (phase - 0.35) / 0.15
        elif phase < 0.85:
            radius = inner
        else:
            radius = inner + (outer - inner) * (phase - 0.85) / 0.15
        points.append(
            (centre + radius * math.cos(angle - math.pi / 2), centre + radius * math.sin(angle - math.pi / 2))
        )
    return points


def tick(size: int, span: float) -> list[tuple[float, float]]:
    """A tick of width `span` (as a fraction of `size`) centred in the square."""
    c, s = size / 2, size * span / 2
    return [(c - s, c + s * 0.05), (c - s * 0.3, c + s * 0.7), (c + s, c - s * 0.65)]


def colour_icon(size: int = 192) -> Image.Image:
    big = size * SCALE
    image = Image.new("RGB", (big, big), ACCENT)
    draw = ImageDraw.Draw(image)
    draw.polygon(cog(big, outer=big * 0.28, inner=big * 0.225), fill=WHITE)  # Teams' 96 px safe area, about
    hole = big * 0.155
    draw.ellipse((big / 2 - hole, big / 2 - hole, big / 2 + hole, big / 2 + hole), fill=ACCENT)
    draw.line(tick(big, 0.18), fill=AMBER, width=round(big * 0.04), joint="curve")
    return image.resize((size, size), Image.Resampling.LANCZOS)


def outline_icon(size: int = 32) -> Image.Image:
    big = size * SCALE
    mask = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(mask)
    draw.polygon(cog(big, outer=big * 0.47, inner=big * 0.37), fill=255)
    hole = big * 0.27
    draw.ellipse((big / 2 - hole, big / 2 - hole, big / 2 + hole, big / 2 + hole), fill=0)
    draw.line(tick(big, 0.30), fill=255, width=round(big * 0.075), joint="curve")
    alpha = mask.resize((size, size), Image.Resampling.LANCZOS)
    image = Image.new("RGBA", (size, size), (*WHITE, 0))
    image.putalpha(alpha)  # every pixel white; only its opacity draws the mark
    return image


def main() -> None:
    colour_icon().save(HERE / "color.png", optimize=True)
    outline_icon().save(HERE / "outline.png", optimize=True)


if __name__ == "__main__":
    main()
