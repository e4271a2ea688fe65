#!/usr/bin/env python3
"""Write a Home Assistant config dir that runs this integration without any clicking.

Used by scripts/develop (the demo: onboarding done, login demo/demo, a central system on
port 9000 that accepts every charger, two chargers "Demo charger" (DEMO1, OCPP 1.6) and
"Demo charger 2" (DEMO2, OCPP 2.0.1), a simulated site (scripts/demo_site: grid meter, solar
on a 20-minute day, house load, a quarter-hourly price) wired into solar and price charging,
and the Energy dashboard set up) and by bench/meter_values.py (a bare config on free ports).

    .venv/bin/python scripts/make_config.py config --demo
    .venv/bin/python scripts/make_config.py /tmp/ha --ocpp-port 9100 --http-port 8200
    .venv/bin/python scripts/make_config.py --missing-requirements   # for scripts/setup

It installs nothing: scripts/setup installs what --missing-requirements lists.

Existing storage files are kept, so what the homeowner changed in the demo survives a
restart; --reset starts from scratch. Storage formats follow Home Assistant 2026.10.
"""

from __future__ import annotations

import argparse
import base64
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
import json
import os
from pathlib import Path
import re
import shutil
import socket
import sys
import uuid

ROOT = Path(__file__).resolve().parent.parent
COMPONENT = ROOT / "custom_components" / "ocpp_central"
DOMAIN = "ocpp_central"

DEMO_USER = "demo"
DEMO_PASSWORD = "demo"
DEMO_CHARGER_ID = "DEMO1"
DEMO_CHARGER_NAME = "Demo charger"
DEMO2_CHARGER_ID = "DEMO2"
DEMO2_CHARGER_NAME = "Demo charger 2"
# Entity ids follow from the device name and the entities' translated names.
DEMO_ENERGY_SENSOR = "sensor.demo_charger_lifetime_energy"
DEMO_POWER_SENSOR = "sensor.demo_charger_charging_power"
DEMO2_ENERGY_SENSOR = "sensor.demo_charger_2_lifetime_energy"
DEMO2_POWER_SENSOR = "sensor.demo_charger_2_charging_power"
# The simulated site (scripts/demo_site), its entity ids from its sensors' names.
DEMO_SITE = ROOT / "scripts" / "demo_site"
DEMO_GRID_SENSOR = "sensor.demo_grid_power"
DEMO_PV_SENSOR = "sensor.demo_solar_power"
DEMO_PRICE_SENSOR = "sensor.demo_electricity_price"
# Solar and price charging as the options flow would store it, tuned to act within a minute or
# two on the demo's 20-minute day (defaults are minutes: a real sky changes more slowly).
DEMO_CONTROL_OPTIONS: dict[str, object] = {
    "grid_source": "entity",
    "grid_power_entity": DEMO_GRID_SENSOR,
    "grid_power_sign": "positive_import",
    "pv_power_entity": DEMO_PV_SENSOR,
    "battery_power_sign": "positive_import",
    "price_entity": DEMO_PRICE_SENSOR,
    "departure_time": "07:00:00",
    "target_energy_kwh": 20,
    "strategy": "priority",
    "enable_delay_s": 20,
    "disable_delay_s": 60,
    "min_on_s": 60,
    "min_off_s": 30,
    "starts_per_day": 100,
    "cloud_guard_percent": 100,
}

# What the demo needs on top of what Home Assistant always sets up (frontend, automation, ...).
# Not default_config: some of its requirements must be compiled.
DEMO_COMPONENTS = ("config", "energy", "history", "logbook", "recorder", "my")
# assist_pipeline (pulled in by the always-loaded assist_satellite base platform) pins versions
# of these two that have no wheel for Python 3.14 and need a compiler plus Python headers.
# Their newer releases ship abi3 wheels and import the same names, so assist_pipeline sets up
# (voice processing itself would not work, the demo has none); Home Assistant is told not to
# install the pinned ones.
SKIP_PIP_PACKAGES = ("pymicro-vad", "pyspeex-noise")
WHEEL_STANDINS = ("pymicro-vad>=2.1", "pyspeex-noise>=2.0.1")


@dataclass
class ChargerSpec:
    """A charger subentry to preconfigure."""

    charger_id: str
    name: str
    password: str = ""
    max_current: float = 32.0


@dataclass
class HassConfig:
    """Everything a config dir is made of."""

    http_host: str = "127.0.0.1"
    http_port: int = 8123
    ocpp_host: str = "127.0.0.1"
    ocpp_port: int = 9000
    unknown_chargers: str = "accept"
    chargers: list[ChargerSpec] = field(default_factory=list)
    components: tuple[str, ...] = DEMO_COMPONENTS
    log_level: str = "warning"
    integration_log_level: str = "info"
    demo_login: bool = True
    energy_sensor: str | None = DEMO_ENERGY_SENSOR
    power_sensor: str | None = DEMO_POWER_SENSOR
    # Extra custom integrations: domain -> folder (symlinked); each also gets a YAML key.
    extra_components: dict[str, Path] = field(default_factory=dict)
    # YAML under an extra integration's key: domain -> lines (indented by two).
    extra_yaml: dict[str, list[str]] = field(default_factory=dict)
    # More options of the central system's entry (solar and price charging).
    control_options: dict[str, object] = field(default_factory=dict)
    # Energy dashboard: more individual devices, (energy sensor, power sensor, name).
    more_devices: list[tuple[str, str, str]] = field(default_factory=list)
    location_name: str = "OCPP demo"
    # The default dashboard (Overview): the charger card with every charger, and the site.
    dashboard: bool = False


def demo_dashboard() -> dict[str, object]:
    """The demo's Overview: the charger card (all chargers) beside the simulated site."""
    site = [DEMO_GRID_SENSOR, DEMO_PV_SENSOR, DEMO_PRICE_SENSOR]
    return {
        "views": [
            {
                "title": "Chargers",
                "path": "chargers",
                "type": "sections",
                "max_columns": 3,
                "sections": [
                    {"type": "grid", "cards": [{"type": "custom:ocpp-central-charger-card"}]},
                    {
                        "type": "grid",
                        "cards": [
                            {"type": "heading", "heading": "Site"},
                            *({"type": "tile", "entity": entity} for entity in site),
                            {
                                "type": "history-graph",
                                "hours_to_show": 1,
                                "entities": [DEMO_GRID_SENSOR, DEMO_PV_SENSOR, DEMO_POWER_SENSOR],
                                "grid_options": {"columns": 12},
                            },
                        ],
                    },
                ],
            }
        ]
    }


def demo_config() -> HassConfig:
    """The config scripts/develop runs."""
    return HassConfig(
        chargers=[
            # 16 A: what the simulated chargers (scripts/develop) offer at most.
            ChargerSpec(DEMO_CHARGER_ID, DEMO_CHARGER_NAME, max_current=16.0),
            ChargerSpec(DEMO2_CHARGER_ID, DEMO2_CHARGER_NAME, max_current=16.0),
        ],
        extra_components={"demo_site": DEMO_SITE},
        extra_yaml={"demo_site": [f"chargers: [{DEMO_POWER_SENSOR}, {DEMO2_POWER_SENSOR}]"]},
        control_options=dict(DEMO_CONTROL_OPTIONS),
        more_devices=[(DEMO2_ENERGY_SENSOR, DEMO2_POWER_SENSOR, DEMO2_CHARGER_NAME)],
        dashboard=True,
    )


# --- helpers -------------------------------------------------------------------------


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Whether something already listens on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _local_time_zone() -> str:
    """The machine's IANA time zone, UTC when it cannot be told."""
    if tz := os.environ.get("TZ", "").lstrip(":"):
        return tz
    try:
        return Path("/etc/timezone").read_text(encoding="utf-8").strip() or "UTC"
    except OSError:
        pass
    try:
        target = os.readlink("/etc/localtime")
    except OSError:
        return "UTC"
    return target.split("zoneinfo/", 1)[1] if "zoneinfo/" in target else "UTC"


def _write_storage(
    storage: Path, key: str, data: object, *, version: int, minor_version: int = 1
) -> bool:
    """Write one .storage file in Home Assistant's envelope; existing files are kept."""
    path = storage / key
    if path.exists():
        return False
    payload = {"version": version, "minor_version": minor_version, "key": key, "data": data}
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return True


def _link(target: Path, link: Path) -> None:
    """Symlink a custom integration into the config dir (relative when possible)."""
    if link.is_symlink() or link.exists():
        if link.is_symlink() and link.resolve() == target.resolve():
            return
        if link.is_symlink() or link.is_file():
            link.unlink()
        else:
            shutil.rmtree(link)
    try:
        relative = os.path.relpath(target, link.parent)
    except ValueError:
        relative = str(target)
    link.symlink_to(relative, target_is_directory=True)


# --- the files -----------------------------------------------------------------------


def _configuration_yaml(cfg: HassConfig) -> str:
    lines = [
        "# Written by scripts/make_config.py; edit freely, it is not overwritten.",
        "# The web server's address and port are in .storage/http (YAML http: is deprecated).",
        "logger:",
        f"  default: {cfg.log_level}",
        "  logs:",
        f"    custom_components.{DOMAIN}: {cfg.integration_log_level}",
        # A dev machine has no ffmpeg or libturbojpeg; nothing here needs them.
        "    haffmpeg: critical",
        "    homeassistant.components.camera.img_util: critical",
        # "Skipping requirement pymicro-vad": see SKIP_PIP_PACKAGES in scripts/make_config.py.
        "    homeassistant.requirements: error",
        # isal/zlib-ng speed up HTTP compression; not worth a compiler here.
        "    aiohttp_fast_zlib: error",
    ]
    lines.extend(f"{component}:" for component in cfg.components)
    for domain in cfg.extra_components:
        lines.append(f"{domain}:")
        lines.extend(f"  {line}" for line in cfg.extra_yaml.get(domain, []))
    return "\n".join(lines) + "\n"


def _config_entries(cfg: HassConfig) -> dict[str, object]:
    now = _now()
    entry = {
        "created_at": now,
        "data": {
            "host": cfg.ocpp_host,
            "port": cfg.ocpp_port,
            "ssl_certfile": "",
            "ssl_keyfile": "",
        },
        "discovery_keys": {},
        "disabled_by": None,
        "domain": DOMAIN,
        "entry_id": uuid.uuid4().hex,
        "minor_version": 1,
        "modified_at": now,
        "options": {
            "unknown_chargers": cfg.unknown_chargers,
            "heartbeat_interval": 300,
            "authorization": "accept_all",
            "id_tags": [],
            **cfg.control_options,
        },
        "pref_disable_new_entities": False,
        "pref_disable_polling": False,
        "source": "user",
        "subentries": [
            {
                "data": {
                    "charger_id": charger.charger_id,
                    "password": charger.password,
                    "max_current": float(charger.max_current),
                },
                "subentry_id": uuid.uuid4().hex,
                "subentry_type": "charger",
                "title": charger.name,
                "unique_id": charger.charger_id,
            }
            for charger in cfg.chargers
        ],
        "title": f"OCPP Central System (port {cfg.ocpp_port})",
        "unique_id": None,
        "version": 1,
    }
    return {"entries": [entry]}


def _auth_files(storage: Path) -> None:
    """An owner account demo/demo, as onboarding would have created it."""
    # auth and its provider go together: never write one without the other.
    if (storage / "auth").exists() or (storage / "auth_provider.homeassistant").exists():
        return
    import bcrypt  # installed with Home Assistant

    user_id = uuid.uuid4().hex
    # homeassistant/auth/auth_store.py: STORAGE_VERSION 1; the system groups by their fixed ids.
    auth = {
        "users": [
            {
                "id": user_id,
                "group_ids": ["system-admin"],
                "is_owner": True,
                "is_active": True,
                "name": "Demo",
                "system_generated": False,
                "local_only": False,
            }
        ],
        "groups": [
            {"id": "system-admin", "name": "Administrators"},
            {"id": "system-users", "name": "Users"},
            {"id": "system-read-only", "name": "Read Only"},
        ],
        "credentials": [
            {
                "id": uuid.uuid4().hex,
                "user_id": user_id,
                "auth_provider_type": "homeassistant",
                "auth_provider_id": None,
                "data": {"username": DEMO_USER},
            }
        ],
        "refresh_tokens": [],
    }
    # homeassistant/auth/providers/homeassistant.py: base64 of a bcrypt hash, 12 rounds.
    hashed = bcrypt.hashpw(DEMO_PASSWORD.encode(), bcrypt.gensalt(rounds=12))
    provider = {"users": [{"username": DEMO_USER, "password": base64.b64encode(hashed).decode()}]}
    _write_storage(storage, "auth_provider.homeassistant", provider, version=1)
    _write_storage(storage, "auth", auth, version=1)


def write_config(config_dir: Path, cfg: HassConfig, *, reset: bool = False) -> Path:
    """Create (or complete) a config dir; returns it."""
    config_dir = config_dir.resolve()
    if reset and config_dir.exists():
        shutil.rmtree(config_dir)
    storage = config_dir / ".storage"
    storage.mkdir(parents=True, exist_ok=True)
    custom = config_dir / "custom_components"
    custom.mkdir(exist_ok=True)
    _link(COMPONENT, custom / DOMAIN)
    for domain, folder in cfg.extra_components.items():
        _link(folder, custom / domain)

    yaml_path = config_dir / "configuration.yaml"
    if not yaml_path.exists():
        yaml_path.write_text(_configuration_yaml(cfg), encoding="utf-8")

    # Since 2026.x the web server's settings live in storage; a YAML http: section would be
    # migrated into an unconfirmed trial that Home Assistant reverts after five minutes.
    # homeassistant/components/http/config.py: STORAGE_VERSION 2, STORAGE_MINOR_VERSION 2.
    _write_storage(
        storage,
        "http",
        {
            "stable": {
                "server_host": [cfg.http_host],
                "server_port": cfg.http_port,
                "cors_allowed_origins": ["https://cast.home-assistant.io"],
                "login_attempts_threshold": -1,
                "ip_ban_enabled": True,
                "ssl_profile": "modern",
                "use_x_frame_options": True,
                "created_at": _now(),
                "error": None,
                "error_message": None,
            },
            "pending": None,
            "yaml_migration_done": True,
        },
        version=2,
        minor_version=2,
    )
    # Onboarding done: no owner-creation wizard, no location or analytics questions.
    _write_storage(
        storage,
        "onboarding",
        {"done": ["user", "core_config", "analytics", "integration"]},
        version=4,
    )
    _write_storage(
        storage,
        "core.config",
        {
            "latitude": 52.3731,
            "longitude": 4.8922,
            "elevation": 0,
            "unit_system_v2": "metric",
            "location_name": cfg.location_name,
            "time_zone": _local_time_zone(),
            "external_url": None,
            "internal_url": None,
            "currency": "EUR",
            "country": "NL",
            "language": "en",
            "radius": 100,
        },
        version=1,
        minor_version=4,
    )
    # homeassistant/config_entries.py: STORAGE_VERSION 1, STORAGE_VERSION_MINOR 5.
    _write_storage(storage, "core.config_entries", _config_entries(cfg), version=1, minor_version=5)
    if cfg.demo_login:
        _auth_files(storage)
    if cfg.energy_sensor and "energy" in cfg.components:
        device: dict[str, str] = {"stat_consumption": cfg.energy_sensor, "name": DEMO_CHARGER_NAME}
        if cfg.power_sensor:
            device["stat_rate"] = cfg.power_sensor
        devices = [device] + [
            {"stat_consumption": energy, "stat_rate": power, "name": name}
            for energy, power, name in cfg.more_devices
        ]
        # homeassistant/components/energy/data.py: STORAGE_VERSION 1, STORAGE_MINOR_VERSION 3.
        _write_storage(
            storage,
            "energy",
            {
                "energy_sources": [],
                "device_consumption": devices,
                "device_consumption_water": [],
            },
            version=1,
            minor_version=3,
        )
    if cfg.dashboard:
        # homeassistant/components/lovelace/dashboard.py: STORAGE_VERSION 1 (key lovelace).
        _write_storage(storage, "lovelace", {"config": demo_dashboard()}, version=1)
    return config_dir


# --- requirements --------------------------------------------------------------------


def _manifest(domain: str) -> dict[str, object] | None:
    import homeassistant.components

    for base in homeassistant.components.__path__:
        path = Path(base) / domain / "manifest.json"
        if path.exists():
            return json.loads(path.read_text(encoding="utf-8"))
    return None


def requirements(domains: Iterable[str]) -> list[str]:
    """Requirements of these integrations, of every integration Home Assistant always sets up,
    and of their dependencies."""
    from homeassistant import bootstrap

    todo = [
        *domains,
        *bootstrap.CORE_INTEGRATIONS,
        *bootstrap.DEFAULT_INTEGRATIONS,
    ]
    seen: set[str] = set()
    found: set[str] = set()
    while todo:
        domain = todo.pop()
        if domain in seen:
            continue
        seen.add(domain)
        manifest = _manifest(domain)
        if manifest is None:
            continue
        found.update(manifest.get("requirements", []))  # type: ignore[arg-type]
        todo.extend(manifest.get("dependencies", []))  # type: ignore[arg-type]
    custom = json.loads((COMPONENT / "manifest.json").read_text(encoding="utf-8"))
    found.update(custom.get("requirements", []))
    skip = {name.lower() for name in SKIP_PIP_PACKAGES}
    kept = {req for req in found if re.split(r"[=<>!~ ]", req, maxsplit=1)[0].lower() not in skip}
    return sorted(kept | set(WHEEL_STANDINS))


def missing_requirements(domains: Iterable[str]) -> list[str]:
    """What Home Assistant would install at its first start (slowly): scripts/setup installs it."""
    from homeassistant.util.package import is_installed

    return [req for req in requirements(domains) if not is_installed(req)]


def ensure_requirements(domains: Iterable[str]) -> None:
    """Stop with a hint when something Home Assistant needs is missing (scripts/setup installs it)."""
    if missing := missing_requirements(domains):
        raise SystemExit(f"[make_config] missing {' '.join(missing)}: run scripts/setup")


def constraints_file() -> Path:
    """Home Assistant's pins, which scripts/setup installs the requirements under."""
    import homeassistant

    return Path(homeassistant.__file__).parent / "package_constraints.txt"


def hass_command(config_dir: Path) -> list[str]:
    """How to start Home Assistant on a config dir made here."""
    hass = Path(sys.executable).with_name("hass")
    return [str(hass), "-c", str(config_dir), "--skip-pip-packages", ",".join(SKIP_PIP_PACKAGES)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("config_dir", type=Path, nargs="?")
    parser.add_argument("--demo", action="store_true", help="the scripts/develop demo")
    parser.add_argument("--reset", action="store_true", help="delete the config dir first")
    parser.add_argument("--http-host", default="127.0.0.1")
    parser.add_argument("--http-port", type=int, default=8123)
    parser.add_argument("--ocpp-host", default="127.0.0.1")
    parser.add_argument("--ocpp-port", type=int, default=9000)
    parser.add_argument("--policy", choices=("ask", "accept", "reject"), default="accept")
    parser.add_argument(
        "--missing-requirements",
        action="store_true",
        help="print the demo's missing requirements, one a line: pinned ones, then after a line "
        "'--standins', the stand-ins (scripts/setup installs them); writes no config",
    )
    # Kept for old callers: requirements are never installed here.
    parser.add_argument("--no-requirements", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.missing_requirements:
        missing = missing_requirements([*DEMO_COMPONENTS, DOMAIN])
        print(f"--constraints {constraints_file()}")
        print("\n".join(req for req in missing if req not in WHEEL_STANDINS))
        print("--standins")
        print("\n".join(req for req in missing if req in WHEEL_STANDINS))
        return 0
    if args.config_dir is None:
        parser.error("config_dir is required")
    cfg = demo_config() if args.demo else HassConfig(demo_login=False, energy_sensor=None)
    cfg.http_host, cfg.http_port = args.http_host, args.http_port
    cfg.ocpp_host, cfg.ocpp_port = args.ocpp_host, args.ocpp_port
    cfg.unknown_chargers = args.policy
    path = write_config(args.config_dir, cfg, reset=args.reset)
    if missing := missing_requirements([*cfg.components, DOMAIN]):
        print(
            f"[make_config] {len(missing)} requirements missing (scripts/setup installs them); "
            "Home Assistant would install them at its first start",
            file=sys.stderr,
        )
    print(f"[make_config] {path} ready: {' '.join(hass_command(path))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
