"""manifest.yml and the README tell the truth about the app manifest a newcomer pastes into Slack."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NUMBERS = {3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"}


def host_lines() -> int:
    """How many lines of the manifest (not its comments) hold YOUR-HOST."""
    lines = (ROOT / "manifest.yml").read_text(encoding="utf-8").splitlines()
    return sum("YOUR-HOST" in line for line in lines if not line.lstrip().startswith("#"))


def test_the_number_of_your_host_lines_is_the_one_the_manifest_and_readme_give() -> None:
    """They said "three places"; YOUR-HOST is on seven lines (issue #17, item 7)."""
    count = host_lines()
    manifest = (ROOT / "manifest.yml").read_text(encoding="utf-8")
    comment = " ".join(line.lstrip("# ") for line in manifest.splitlines() if line.startswith("#"))
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    said = set(re.findall(r"\b(three|four|five|six|seven|eight|nine) (?:places|lines|URL lines)\b", comment + readme))
    assert said == {NUMBERS[count]}


def test_every_url_in_the_manifest_is_a_your_host_line() -> None:
    """Deleting the YOUR-HOST lines for Socket Mode leaves no URL behind."""
    lines = (ROOT / "manifest.yml").read_text(encoding="utf-8").splitlines()
    urls = [line for line in lines if re.match(r"^\s*(?:- )?(?:url|request_url):", line)]
    assert len(urls) == host_lines()
    assert all("https://YOUR-HOST/" in url for url in urls)
