"""`techcommit teams package`: the Teams app package (manifest + icons) to sideload or upload."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from importlib.resources import files
from pathlib import Path

TEMPLATE = files("bot.teams") / "manifest.json"  # shipped inside the package, so installed copies have it
ACCENT = (0x1D, 0x4E, 0x5F)


def png(size: int, rgba: tuple[int, int, int, int]) -> bytes:
    """A square PNG of one colour (Teams needs a 192×192 colour icon and a 32×32 outline icon)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + bytes(rgba) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * size)) + chunk(b"IEND", b"")
    )


def build_package(destination: Path, *, app_id: str, organisation: str, website: str) -> dict[str, object]:
    """Write the zip Teams accepts: manifest.json with the app id filled in, color.png, outline.png."""
    text = TEMPLATE.read_text(encoding="utf-8")
    for placeholder, value in (
        ("{{TEAMS_APP_ID}}", app_id),
        ("{{ORGANISATION}}", organisation),
        ("{{WEBSITE_URL}}", website.rstrip("/")),
    ):
        text = text.replace(placeholder, json.dumps(value)[1:-1])
    manifest: dict[str, object] = json.loads(text)
    with zipfile.ZipFile(destination, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        package.writestr("color.png", png(192, (*ACCENT, 255)))
        package.writestr("outline.png", png(32, (255, 255, 255, 255)))
    return manifest
