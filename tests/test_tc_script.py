"""`./tc` on a first run: one line per setup step, pip's progress without its noise.

The setup runs against a stand-in Python (PYTHON=…) whose venv's pip prints what pip prints, so the
test sees the script's own output in seconds and installs nothing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

FAKE_PYTHON = """#!/usr/bin/env bash
# stands in for python3: passes the version check and makes a venv of stand-ins
case "$1" in
  -c) exit 0 ;;
  --version) echo "Python 3.11.99" ;;
  -m) mkdir -p "$3/bin" && cp "{here}/venv-python" "$3/bin/python" && cp "{here}/techcommit" "$3/bin/techcommit" ;;
esac
"""
FAKE_VENV_PYTHON = """#!/usr/bin/env bash
# the venv's python: real Python for a script on stdin; for pip, what pip prints
if [ "$1" = "-" ]; then exec "{python}" -; fi
echo "$*" >> "{here}/pip-calls"
case "$*" in
  *" -r "*)
    for name in slack-bolt sqlalchemy pytest; do
      echo "Collecting $name"
      echo "  Downloading $name-1.0-py3-none-any.whl (100 kB)"
    done
    echo "Installing collected packages: slack-bolt, sqlalchemy, pytest"
    echo "Successfully installed pytest-1.0 slack-bolt-1.0 sqlalchemy-1.0" ;;
esac
"""
FAKE_TECHCOMMIT = """#!/usr/bin/env bash
echo "techcommit $*"
"""


def _stand_ins(folder: Path) -> Path:
    folder.mkdir()
    for name, text in (("python3", FAKE_PYTHON), ("venv-python", FAKE_VENV_PYTHON), ("techcommit", FAKE_TECHCOMMIT)):
        path = folder / name
        path.write_text(text.replace("{here}", str(folder)).replace("{python}", sys.executable))
        path.chmod(0o755)
    return folder / "python3"


def _tc(checkout: Path, python: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")} | {"PYTHON": str(python)}
    return subprocess.run(
        [str(checkout / "tc"), *args], cwd=checkout, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_first_run_says_each_step_and_counts_what_pip_installed(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    for name in ("tc", "pyproject.toml"):
        shutil.copy2(ROOT / name, checkout / name)
    python = _stand_ins(tmp_path / "stand-ins")

    first = _tc(checkout, python, "demo")
    assert first.returncode == 0, first.stderr
    assert first.stdout == "techcommit demo\n"
    said = first.stderr.splitlines()
    steps = [line for line in said if line.startswith("tc: ")]
    assert [step.split()[1] for step in steps[1:4]] == ["1/3", "2/3", "3/3"]
    assert "creating the virtual environment .venv (Python 3.11.99)" in steps[1]
    assert "installing the dependencies" in steps[2]
    assert "installing techcommit itself" in steps[3]
    assert steps[-1].startswith("tc: ready (")
    assert "   3 packages installed" in said
    assert not any("Collecting" in line or "Downloading" in line for line in said)  # not a terminal: no noise
    assert len(said) <= 7

    wanted = (checkout / ".venv" / "requirements.txt").read_text().splitlines()
    assert "slack-bolt>=1.21,<2" in wanted  # a dependency
    assert "pytest>=8.3,<10" in wanted  # a dev dependency
    assert "setuptools>=69" in wanted  # what the editable install needs to build
    pip_calls = (python.parent / "pip-calls").read_text().splitlines()
    assert len(pip_calls) == 2
    assert "--no-deps" in pip_calls[1]
    assert pip_calls[1].endswith("-e .")

    again = _tc(checkout, python, "demo")
    assert again.stderr == ""  # set up already: nothing said
    assert again.stdout == "techcommit demo\n"
