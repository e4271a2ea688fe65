#!/usr/bin/env python3
"""Log in to the running demo (scripts/develop) as demo/demo and show the demo charger's states.

    .venv/bin/python scripts/demo_check.py [--url http://127.0.0.1:8123] [--token-file FILE]

Goes through the same doors as the frontend: the login flow, the token endpoint, then a
long-lived access token made over the WebSocket API; with --token-file that token is kept
for curl (curl -H "Authorization: Bearer $(cat FILE)" .../api/states). Exits non-zero when
the login fails or the charger's sensors have no values yet.
"""

from __future__ import annotations

import argparse
import asyncio
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


async def run(args: argparse.Namespace) -> int:
    url = args.url.rstrip("/")
    async with aiohttp.ClientSession() as session:
        access = await _login(session, url, args.user, args.password)
        token = await _long_lived_token(session, url, access)
        if args.token_file:
            args.token_file.write_text(token + "\n", encoding="utf-8")
            args.token_file.chmod(0o600)
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
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
