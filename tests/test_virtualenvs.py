"""What `webkit setup` and `webkit serve` find wrong with a project's .venv."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from webkit_cli import virtualenvs


def fake_venv(root: Path, script_python: str | None) -> Path:
    """A .venv whose python runs, with one console script whose shebang names `script_python`."""
    venv = root / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(sys.executable)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (venv / "bin" / "activate").write_text("# This file must be used with 'source'\n")
    if script_python is not None:
        script = venv / "bin" / "pytest"
        script.write_text(f"#!{script_python}\nimport sys\n")
        script.chmod(0o755)
    return venv


def test_a_healthy_venv_has_no_problem(tmp_path):
    venv = fake_venv(tmp_path / "shop", str(tmp_path / "shop" / ".venv" / "bin" / "python"))
    assert virtualenvs.venv_problem(venv / "bin" / "python") is None


@pytest.mark.parametrize(
    "shebang",
    [
        "#!/old/place/shop/.venv/bin/python",
        "#!/old/place/shop/.venv/bin/python3.11 -E",
        # pip's and uv's form for a path too long (or with spaces) for a shebang line
        "#!/bin/sh\n'''exec' '/old/place/shop/.venv/bin/python' \"$0\" \"$@\"\n' '''",
    ],
)
def test_a_venv_moved_with_its_project_is_a_problem(tmp_path, shebang):
    venv = fake_venv(tmp_path / "shop", None)
    script = venv / "bin" / "pytest"
    script.write_text(shebang + "\nimport sys\n")
    problem = virtualenvs.venv_problem(venv / "bin" / "python")
    assert problem is not None
    assert "/old/place/shop/.venv" in problem and "moved or copied" in problem


def test_a_venv_reached_through_a_symlink_is_not_moved(tmp_path):
    venv = fake_venv(
        tmp_path / "real" / "shop", str(tmp_path / "real" / "shop" / ".venv/bin/python")
    )
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert virtualenvs.venv_problem(tmp_path / "link" / "shop" / ".venv" / "bin" / "python") is None
    assert virtualenvs.venv_problem(venv / "bin" / "python") is None
