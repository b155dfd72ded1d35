"""The layering and import rules (README "Architecture"), checked by import-linter."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept() -> None:
    # Next to this interpreter first: the venv's bin directory need not be on PATH.
    beside = Path(sys.executable).with_name("lint-imports")
    lint_imports = str(beside) if beside.exists() else shutil.which("lint-imports")
    assert lint_imports, "import-linter is part of the [dev] extra"
    result = subprocess.run(
        [lint_imports, "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower().replace("0 broken", "")
