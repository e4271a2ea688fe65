"""A real `hass` process with the integration and a simulated charger, for the browser tests.

The config dir is written by scripts/make_config.py (onboarding done, an owner demo/demo), with
one configured charger and a default dashboard holding the charger card. The charger is
tests/browser/charger_process.py in its own process. Nothing here sleeps for a fixed time: every
step waits for a condition, with generous bounds for a busy two-core machine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
import importlib.util
import json
from pathlib import Path
import subprocess
import sys
import time
from typing import Any
import urllib.error
import urllib.parse
import urllib.request

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHARGER_ID = "BROWSER1"
CHARGER_NAME = "Garage charger"
START_TIMEOUT_S = 300.0
STEP_TIMEOUT_S = 60.0


def _make_config() -> Any:
    spec = importlib.util.spec_from_file_location(
        "make_config", ROOT / "scripts" / "make_config.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = sys.modules.get("make_config")
    if module is None:
        module = sys.modules["make_config"] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module


make_config = _make_config()


def wait_until[T](
    what: str,
    probe: Callable[[], T | None],
    within_s: float = STEP_TIMEOUT_S,
    explain: Callable[[], str] | None = None,
) -> T:
    """Poll probe until it returns something truthy; fail with what was awaited."""
    deadline = time.monotonic() + within_s
    last: Any = None
    while time.monotonic() < deadline:
        try:
            result = probe()
        except (OSError, ValueError) as err:  # not up yet
            last = err
        else:
            if result:
                return result
            last = result
        time.sleep(0.2)
    context = explain() if explain is not None else repr(last)
    raise AssertionError(f"timed out waiting for {what} ({context})")


def card_lovelace() -> dict[str, Any]:
    """The default dashboard: the charger card alone in a sections view."""
    return {
        "config": {
            "views": [
                {
                    "title": "Charger",
                    "path": "charger",
                    "type": "sections",
                    "max_columns": 2,
                    "sections": [
                        {"type": "grid", "cards": [{"type": "custom:ocpp-central-charger-card"}]}
                    ],
                }
            ]
        }
    }


@dataclass
class Site:
    """hass + charger, and a logged-in owner's tokens."""

    root: Path
    http_port: int = 0
    ocpp_port: int = 0
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    tokens: dict[str, Any] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def record(self) -> Path:
        return self.root / "charger_record.jsonl"

    @property
    def hass_log(self) -> Path:
        return ARTIFACTS / "hass.log"

    def start(self) -> None:
        self.http_port, self.ocpp_port = make_config.free_port(), make_config.free_port()
        cfg = make_config.HassConfig(
            http_port=self.http_port,
            ocpp_port=self.ocpp_port,
            unknown_chargers="reject",
            chargers=[make_config.ChargerSpec(CHARGER_ID, CHARGER_NAME)],
            energy_sensor=None,
            location_name="OCPP browser test",
        )
        config_dir = make_config.write_config(self.root / "config", cfg)
        (config_dir / ".storage" / "lovelace").write_text(
            json.dumps(
                {"version": 1, "minor_version": 1, "key": "lovelace", "data": card_lovelace()}
            ),
            encoding="utf-8",
        )
        try:
            make_config.ensure_requirements([*cfg.components, make_config.DOMAIN])
        except SystemExit as missing:  # scripts/setup installs them
            raise AssertionError(str(missing)) from None
        ARTIFACTS.mkdir(exist_ok=True)
        self.record.write_text("", encoding="utf-8")
        with self.hass_log.open("wb") as log:
            self.procs.append(
                subprocess.Popen(
                    make_config.hass_command(config_dir), stdout=log, stderr=subprocess.STDOUT
                )
            )
        wait_until("Home Assistant's web server", self._http_up, START_TIMEOUT_S)
        self.tokens = self._login()
        with (self.root / "charger.log").open("wb") as log:
            self.procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        str(Path(__file__).parent / "charger_process.py"),
                        f"ws://127.0.0.1:{self.ocpp_port}/ocpp",
                        CHARGER_ID,
                        str(self.record),
                    ],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=STEP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        self.procs.clear()

    def _check_alive(self) -> None:
        for proc in self.procs:
            if proc.poll() is not None:
                tail = "\n".join(self.hass_log.read_text(errors="replace").splitlines()[-40:])
                raise AssertionError(f"{proc.args[0]} exited ({proc.returncode}):\n{tail}")

    def _http_up(self) -> bool:
        self._check_alive()
        try:
            with urllib.request.urlopen(f"{self.base_url}/manifest.json", timeout=10) as answer:
                return bool(answer.status == 200)
        except urllib.error.HTTPError:
            return False

    def _post(self, path: str, data: dict[str, Any], *, form: bool = False) -> Any:
        body = urllib.parse.urlencode(data).encode() if form else json.dumps(data).encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded" if form else "application/json"
        }
        if self.tokens and not form:
            headers["Authorization"] = f"Bearer {self.tokens['access_token']}"
        request = urllib.request.Request(f"{self.base_url}{path}", body, headers, method="POST")
        with urllib.request.urlopen(request, timeout=STEP_TIMEOUT_S) as answer:
            text = answer.read().decode()
        return json.loads(text) if text.startswith(("{", "[")) else text

    def _login(self) -> dict[str, Any]:
        """The owner's tokens, as the login page would get them (auth code flow)."""
        client_id = f"{self.base_url}/"
        flow = self._post(
            "/auth/login_flow",
            {
                "client_id": client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": f"{client_id}?auth_callback=1",
            },
        )
        done = self._post(
            f"/auth/login_flow/{flow['flow_id']}",
            {
                "client_id": client_id,
                "username": make_config.DEMO_USER,
                "password": make_config.DEMO_PASSWORD,
            },
        )
        return dict(
            self._post(
                "/auth/token",
                {
                    "grant_type": "authorization_code",
                    "code": done["result"],
                    "client_id": client_id,
                },
                form=True,
            )
        )

    def api(self, path: str, data: dict[str, Any] | None = None) -> Any:
        """GET (or POST with data) the REST API as the owner."""
        if data is not None:
            return self._post(f"/api/{path}", data)
        request = urllib.request.Request(
            f"{self.base_url}/api/{path}",
            headers={"Authorization": f"Bearer {self.tokens['access_token']}"},
        )
        with urllib.request.urlopen(request, timeout=STEP_TIMEOUT_S) as answer:
            return json.loads(answer.read().decode())

    def template(self, template: str) -> str:
        return str(self.api("template", {"template": template}))

    def device_id(self, entity_id: str) -> str:
        return self.template(f"{{{{ device_id('{entity_id}') }}}}").strip()

    def state(self, entity_id: str) -> dict[str, Any]:
        return dict(self.api(f"states/{entity_id}"))

    def received(self, action: str) -> list[dict[str, Any]]:
        """What the charger was told, in order."""
        lines = self.record.read_text(encoding="utf-8").splitlines()
        return [
            record["payload"] for line in lines if (record := json.loads(line))["action"] == action
        ]

    def init_script(self) -> str:
        """Browser storage of a logged-in owner: the frontend reads its tokens from hassTokens."""
        tokens = {
            **self.tokens,
            "hassUrl": self.base_url,
            "clientId": f"{self.base_url}/",
            "expires": int(time.time() * 1000) + int(self.tokens["expires_in"]) * 1000,
        }
        return f"window.localStorage.setItem('hassTokens', {json.dumps(json.dumps(tokens))});"
