#!/usr/bin/env python3
"""Log in to the running demo (scripts/develop) as demo/demo and show the demo charger's states.

    .venv/bin/python scripts/demo_check.py [--url http://127.0.0.1:8123] [--token-file FILE]
    .venv/bin/python scripts/demo_check.py --solar demo_charger --minutes 6   # Solar follows the sun
    .venv/bin/python scripts/demo_check.py --restart                          # survives a restart

Goes through the same doors as the frontend: the login flow, the token endpoint, then a
long-lived access token made over the WebSocket API; with --token-file that token is kept
for curl (curl -H "Authorization: Bearer $(cat FILE)" .../api/states). Exits non-zero when
the login fails or the charger's sensors have no values yet.

--solar DEVICE switches that charger's Charge mode to Solar and samples every 10 s: the simulated
site (sun clock, solar, house, grid), the surplus the car may use (solar - house - the other
chargers) in A per phase, and the charger's Current offered, Applied limit and Control reason. It
fails unless the offered current changed and, while the reason was "solar", stayed within 2.5 A of
the surplus (between the minimum 6 A and the charger's 16 A). --restart asks Home Assistant to
restart (as the UI's Restart does) and fails unless it and both chargers are back within 3 minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
from pathlib import Path
import sys
import time
from typing import Any

import aiohttp

CLIENT_NAME = "scripts/demo_check.py"


async def _login(session: aiohttp.ClientSession, url: str, user: str, password: str) -> str:
    """Short-lived access token through the login flow, as the frontend gets one."""
    client_id = f"{url}/"
    async with session.post(
        f"{url}/auth/login_flow",
        json={
            "client_id": client_id,
            "handler": ["homeassistant", None],
            "redirect_uri": client_id,
        },
    ) as resp:
        resp.raise_for_status()
        flow = await resp.json()
    async with session.post(
        f"{url}/auth/login_flow/{flow['flow_id']}",
        json={"client_id": client_id, "username": user, "password": password},
    ) as resp:
        resp.raise_for_status()
        result = await resp.json()
    if result.get("type") != "create_entry":
        raise SystemExit(f"login as {user} failed: {result.get('errors') or result}")
    async with session.post(
        f"{url}/auth/token",
        data={"grant_type": "authorization_code", "code": result["result"], "client_id": client_id},
    ) as resp:
        resp.raise_for_status()
        return str((await resp.json())["access_token"])


async def _long_lived_token(session: aiohttp.ClientSession, url: str, access: str) -> str:
    ws_url = url.replace("http", "ws", 1) + "/api/websocket"
    async with session.ws_connect(ws_url) as ws:
        await ws.receive_json()  # auth_required
        await ws.send_json({"type": "auth", "access_token": access})
        if (reply := await ws.receive_json())["type"] != "auth_ok":
            raise SystemExit(f"websocket auth failed: {reply}")
        await ws.send_json(
            {
                "id": 1,
                "type": "auth/long_lived_access_token",
                "client_name": f"{CLIENT_NAME} {time.time():.0f}",
                "lifespan": 30,
            }
        )
        reply = await ws.receive_json()
        if not reply.get("success"):
            raise SystemExit(f"could not create a long-lived token: {reply}")
        return str(reply["result"])


PHASE_VOLTS = 3 * 230.0
MIN_A, MAX_A, TOLERANCE_A = 6.0, 16.0, 2.5
CHARGERS = ("demo_charger", "demo_charger_2")


async def _states(session: aiohttp.ClientSession, url: str, token: str) -> dict[str, str]:
    async with session.get(
        f"{url}/api/states", headers={"Authorization": f"Bearer {token}"}
    ) as resp:
        resp.raise_for_status()
        return {s["entity_id"]: s["state"] for s in await resp.json()}


def _num(states: dict[str, str], entity_id: str) -> float | None:
    try:
        return float(states[entity_id])
    except KeyError, ValueError:
        return None


async def _service(
    session: aiohttp.ClientSession, url: str, token: str, service: str, data: dict[str, Any]
) -> None:
    domain, name = service.split(".")
    async with session.post(
        f"{url}/api/services/{domain}/{name}",
        headers={"Authorization": f"Bearer {token}"},
        json=data,
    ) as resp:
        resp.raise_for_status()


async def solar(
    session: aiohttp.ClientSession, url: str, token: str, args: argparse.Namespace
) -> int:
    """Switch a charger to Solar and show its offered current following the surplus."""
    device = args.solar
    await _service(
        session,
        url,
        token,
        "select.select_option",
        {"entity_id": f"select.{device}_charge_mode", "option": "solar"},
    )
    print(f"{device}: charge mode Solar at {time.strftime('%H:%M:%S')}")
    print(" time     sun    pv W  house W  grid W  surplus A  offered A  applied A  reason")
    rows: list[tuple[float, float, str]] = []
    offered_seen: set[float] = set()
    end = time.monotonic() + args.minutes * 60
    while True:
        st = await _states(session, url, token)
        pv = _num(st, "sensor.demo_solar_power") or 0.0
        house = _num(st, "sensor.demo_house_power") or 0.0
        others = sum(
            (_num(st, f"sensor.{other}_charging_power") or 0.0) * 1000
            for other in CHARGERS
            if other != device
        )
        surplus_a = (pv - house - others) / PHASE_VOLTS
        offered = _num(st, f"sensor.{device}_current_offered")
        applied = _num(st, f"sensor.{device}_applied_limit")
        reason = st.get(f"sensor.{device}_control_reason", "?")
        print(
            f"{time.strftime('%H:%M:%S')} {st.get('sensor.demo_sun_clock', '?'):>5} "
            f"{pv:7.0f} {house:8.0f} {_num(st, 'sensor.demo_grid_power') or 0:7.0f} "
            f"{surplus_a:10.1f} {offered if offered is not None else float('nan'):10.1f} "
            f"{applied if applied is not None else float('nan'):10.1f}  {reason}",
            flush=True,
        )
        if offered is not None:
            offered_seen.add(round(offered))
            rows.append((surplus_a, offered, reason))
        if time.monotonic() >= end:
            break
        await asyncio.sleep(10)
    # While the reason is "solar" the car gets the surplus; the controller waits out the write
    # interval, so compare with the surplus up to half a minute (3 samples) earlier, or now.
    # Other reasons (waiting for surplus, stopping: the minimum held for the stop delay, no
    # surplus: paused) are the delays and guards at work, shown but not measured.
    errors = []
    for index, (_, offered, reason) in enumerate(rows):
        if reason != "solar":
            continue
        window = [rows[j][0] for j in range(max(0, index - 3), index + 1)]
        errors.append(min(abs(min(max(s, MIN_A), MAX_A) - offered) for s in window))
    within = sum(1 for e in errors if e <= TOLERANCE_A)
    print(
        f"SOLAR distinct offered values {sorted(offered_seen)}; {within}/{len(errors)} samples "
        f"within {TOLERANCE_A} A of the surplus"
    )
    if len(offered_seen) < 2 or not errors or within < 0.8 * len(errors):
        print("the offered current did not follow the surplus", file=sys.stderr)
        return 1
    return 0


async def restart(session: aiohttp.ClientSession, url: str, token: str) -> int:
    """Restart Home Assistant through the API; wait until it and the chargers are back."""
    started = time.monotonic()
    with contextlib.suppress(aiohttp.ClientError):
        await _service(session, url, token, "homeassistant.restart", {})
    print(f"restart asked at {time.strftime('%H:%M:%S')}")
    went_down = False
    while time.monotonic() - started < 180:
        await asyncio.sleep(2)
        try:
            st = await _states(session, url, token)
        except aiohttp.ClientError, OSError:
            went_down = True
            continue
        if not went_down:
            continue
        statuses = [st.get(f"sensor.{c}_status", "unavailable") for c in CHARGERS]
        if all(s not in ("unavailable", "unknown") for s in statuses):
            print(
                f"RESTART back after {time.monotonic() - started:.0f} s: "
                + ", ".join(f"{c} {s}" for c, s in zip(CHARGERS, statuses, strict=True))
            )
            return 0
    print("Home Assistant or the chargers did not come back within 180 s", file=sys.stderr)
    return 1


async def run(args: argparse.Namespace) -> int:
    url = args.url.rstrip("/")
    async with aiohttp.ClientSession() as session:
        access = await _login(session, url, args.user, args.password)
        token = await _long_lived_token(session, url, access)
        if args.token_file:
            args.token_file.write_text(token + "\n", encoding="utf-8")
            args.token_file.chmod(0o600)
        if args.solar:
            return await solar(session, url, token, args)
        if args.restart:
            return await restart(session, url, token)
        async with session.get(
            f"{url}/api/states", headers={"Authorization": f"Bearer {token}"}
        ) as resp:
            resp.raise_for_status()
            states: list[dict[str, Any]] = await resp.json()
    prefix = args.prefix
    mine = sorted(
        (s for s in states if s["entity_id"].split(".", 1)[1].startswith(prefix)),
        key=lambda s: s["entity_id"],
    )
    if args.json:
        print(json.dumps(mine, indent=2))
    else:
        for state in mine:
            unit = state["attributes"].get("unit_of_measurement") or ""
            print(f"{state['entity_id']:<55} {state['state']} {unit}".rstrip())
    by_id = {s["entity_id"]: s["state"] for s in mine}
    energy = by_id.get(f"sensor.{prefix}lifetime_energy")
    if energy in (None, "unknown", "unavailable"):
        print(f"sensor.{prefix}lifetime_energy has no value yet ({energy})", file=sys.stderr)
        return 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8123")
    parser.add_argument("--user", default="demo")
    parser.add_argument("--password", default="demo")
    parser.add_argument("--prefix", default="demo_charger_", help="object id prefix to show")
    parser.add_argument("--token-file", type=Path, help="write the long-lived token here")
    parser.add_argument("--json", action="store_true", help="full states as JSON")
    parser.add_argument(
        "--solar", metavar="DEVICE", help="switch DEVICE (e.g. demo_charger) to Solar"
    )
    parser.add_argument("--minutes", type=float, default=6, help="how long --solar samples")
    parser.add_argument("--restart", action="store_true", help="restart Home Assistant, wait")
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
