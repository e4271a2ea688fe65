"""The card shipped in the integration is the one its source builds (HACS installs only that folder)."""

from __future__ import annotations

import shutil
import subprocess

from .site import ROOT

FRONTEND = ROOT / "frontend"


def test_committed_bundle_is_built_from_the_source() -> None:
    """Type-check the card's TypeScript and rebuild it in memory: byte for byte the shipped file."""
    npm = shutil.which("npm")
    assert npm is not None, "npm is missing: scripts/setup needs Node.js"
    assert (FRONTEND / "node_modules").is_dir(), "run scripts/setup (npm ci in frontend/)"
    result = subprocess.run(
        [npm, "run", "--silent", "check"],
        cwd=FRONTEND,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
