"""`techcommit teams package`: the Teams app package (manifest + icons) to sideload or upload."""

from __future__ import annotations

import json
import re
import zipfile
from importlib.resources import files
from pathlib import Path

TEMPLATE = files("bot.teams") / "manifest.json"  # shipped inside the package, so installed copies have it
ICONS = files("bot.teams") / "icons"  # drawn by bot/teams/icons/draw.py: color.png 192×192, outline.png 32×32
DEFAULT_DESTINATION = Path("dist") / "techcommit-teams.zip"  # .gitignore lists dist/
EXAMPLE_APP_ID = "00000000-1111-2222-3333-444444444444"
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class PackageError(ValueError):
    """The package cannot be built; the message says what to fix."""


def check_app_id(app_id: str) -> str:
    """The app id, if it is a GUID as Teams requires (the bot's Microsoft App ID); else PackageError."""
    if not _GUID.fullmatch(app_id.strip()):
        raise PackageError(
            f"TEAMS_APP_ID must be the bot's Microsoft App ID, a GUID such as {EXAMPLE_APP_ID} "
            f"(Azure portal → your Azure Bot → Configuration); it is {app_id!r}"
        )
    return app_id.strip()


def build_package(destination: Path, *, app_id: str, organisation: str, website: str) -> dict[str, object]:
    """Write the zip Teams accepts: manifest.json with the app id filled in, color.png, outline.png."""
    app_id = check_app_id(app_id)
    text = TEMPLATE.read_text(encoding="utf-8")
    for placeholder, value in (
        ("{{TEAMS_APP_ID}}", app_id),
        ("{{ORGANISATION}}", organisation),
        ("{{WEBSITE_URL}}", website.rstrip("/")),
    ):
        text = text.replace(placeholder, json.dumps(value)[1:-1])
    manifest: dict[str, object] = json.loads(text)
    destination.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(destination, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        for icon in ("color.png", "outline.png"):
            package.writestr(icon, (ICONS / icon).read_bytes())
    return manifest
