"""The optional compiled build: a machine without a C compiler still gets a working package."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_the_build_goes_on_without_a_c_compiler(tmp_path: Path) -> None:
    pytest.importorskip("Cython")
    for name in ("setup.py", "pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(
        ROOT / "segmenter",
        tmp_path / "segmenter",
        ignore=shutil.ignore_patterns("*.so", "*.c", "*.sha256", "__pycache__"),
    )
    env = {**os.environ, "CC": "/bin/false"}  # a compiler that always fails
    env.pop("SEGMENTER_PURE_PYTHON", None)
    proc = subprocess.run(
        [sys.executable, "setup.py", "-q", "build_ext", "--inplace"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "failed" in proc.stderr  # setuptools says which optional extension it skipped
    assert not list((tmp_path / "segmenter").glob("*.so"))
    assert not list((tmp_path / "segmenter").glob("*.sha256"))  # no stamp for a module not built
