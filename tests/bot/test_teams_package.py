"""`techcommit teams package`: a GUID app id, the zip outside the source tree by default, real icons."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.support.cli import clean_env, run

APP_ID = "6c1b2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"


def package(tmp_path: Path, *args: str, app_id: str = APP_ID) -> tuple[int, str, str]:
    env = clean_env(TEAMS_APP_ID=app_id, DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    result = run(["teams", "package", *args], env, tmp_path)
    return result.returncode, result.stdout, result.stderr


def pixels_of(image: Image.Image) -> list[Any]:
    return [image.getpixel((x, y)) for x in range(image.width) for y in range(image.height)]


def test_by_default_the_zip_goes_to_dist_and_the_path_is_printed(tmp_path: Path) -> None:
    code, out, err = package(tmp_path)
    assert code == 0, err
    written = tmp_path / "dist" / "techcommit-teams.zip"
    assert f"wrote {written}" in out
    with zipfile.ZipFile(written) as zipped:
        assert sorted(zipped.namelist()) == ["color.png", "manifest.json", "outline.png"]
        assert json.loads(zipped.read("manifest.json"))["id"] == APP_ID
    assert ".gitignore" not in out
    assert "dist/" in (Path(__file__).resolve().parents[2] / ".gitignore").read_text().splitlines()


@pytest.mark.parametrize(
    "bad", ["techcommit-bot", "6c1b2d3e4f504a6b8c7d9e0f1a2b3c4d", "{6c1b2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d}"]
)
def test_an_app_id_that_is_not_a_guid_is_refused_with_an_example(tmp_path: Path, bad: str) -> None:
    code, out, err = package(tmp_path, str(tmp_path / "app.zip"), app_id=bad)
    assert code != 0
    assert "TEAMS_APP_ID must be the bot's Microsoft App ID, a GUID such as 00000000-1111-2222-3333-444444444444" in err
    assert repr(bad) in err
    assert "Traceback" not in out + err
    assert not (tmp_path / "app.zip").exists()


def test_the_package_holds_the_manifest_and_icons_teams_accepts(tmp_path: Path) -> None:
    destination = tmp_path / "out" / "app.zip"
    code, _, err = package(tmp_path, str(destination), "--organisation", "Example University")
    assert code == 0, err
    with zipfile.ZipFile(destination) as zipped:
        manifest = json.loads(zipped.read("manifest.json"))
        color = Image.open(io.BytesIO(zipped.read(manifest["icons"]["color"])))
        outline = Image.open(io.BytesIO(zipped.read(manifest["icons"]["outline"])))
    assert (manifest["id"], manifest["bots"][0]["botId"]) == (APP_ID, APP_ID)
    assert manifest["developer"]["name"] == "Example University"
    assert (color.format, color.size) == ("PNG", (192, 192))
    assert len(set(pixels_of(color.convert("RGB")))) > 20  # drawn, not one flat colour
    assert (outline.format, outline.size, outline.mode) == ("PNG", (32, 32), "RGBA")
    pixels = pixels_of(outline)
    assert all(rgba[:3] == (255, 255, 255) for rgba in pixels if rgba[3])  # white...
    assert [rgba[3] for rgba in pixels].count(0) > 200  # ...on transparent
    assert [rgba[3] for rgba in pixels].count(255) > 100  # a solid mark, not a faint one
