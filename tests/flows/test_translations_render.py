"""Every translation string renders in Home Assistant's frontend (intl-messageformat, as it parses).

The frontend parses each string as an ICU message with tags: `<charger id>` in a description made
the first config screen show "Translation error: INVALID_TAG" instead of the charger URL. The
renderer is the npm package the frontend uses (tests/js/render_strings.js), not a re-implementation.
"""

from __future__ import annotations

import json
from pathlib import Path
import shutil
import subprocess

import pytest

JS = Path(__file__).parents[1] / "js"
TRANSLATIONS = Path(__file__).parents[2] / "custom_components/ocpp_central/translations"
NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")


def render(*files: Path) -> dict[str, object]:
    if not (JS / "node_modules" / "intl-messageformat").is_dir():
        pytest.fail("intl-messageformat is not installed: run `npm ci --prefix tests/js`")
    assert NODE is not None
    done = subprocess.run(
        [NODE, str(JS / "render_strings.js"), *map(str, files)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_every_translation_renders() -> None:
    files = sorted(TRANSLATIONS.glob("*.json"))
    assert {file.stem for file in files} >= {"en", "sv", "de", "nl", "nb", "da", "fi", "fr"}
    result = render(*files)
    assert result["failures"] == []
    assert isinstance(result["checked"], int)
    assert result["checked"] > 1000


def test_the_renderer_sees_what_the_frontend_refuses(tmp_path: Path) -> None:
    """The check can fail: the strings that broke the first config screen are refused."""
    strings = tmp_path / "en.json"
    strings.write_text(
        json.dumps(
            {
                "tag": "Chargers connect to `ws://<Home Assistant address>:<port>/<charger id>`.",
                "brace": "Port {port is open",
                "fine": "Port {port} is already in use.",
            }
        )
    )
    failures = render(strings)["failures"]
    assert isinstance(failures, list)
    assert {failure["key"]: failure["error"] for failure in failures} == {
        "tag": "INVALID_TAG",
        "brace": "MALFORMED_ARGUMENT",
    }
