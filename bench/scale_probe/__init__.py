"""Scale probe: what bench/scale.py reads from inside Home Assistant.

Only ever loaded into the throw-away config dir the bench makes (listening on 127.0.0.1).
GET /api/scale_probe returns:
- loop lag: a task sleeps 50 ms over and over and keeps how much later than asked it woke
  (the overshoot, ms); `?reset=1` starts a new window after reading;
- which chargers are known: a charger (device of ocpp_central) is known when every one of its
  status and power sensors has a state other than unknown/unavailable;
- the number of states, the ocpp_central config entries' states and the integration's setup time.
With SCALE_PROBE_GC_FREEZE=1 in its environment it calls gc.freeze() once Home Assistant has
started (bench/scale.py --gc-freeze), to show what the garbage collector's full passes cost.
GET /api/scale_probe/known_at returns, per charger id, the wall-clock times it became known
(known.py), to set against when it (re)connected.
POST /api/scale_probe/profile?action=start|stop&path=FILE times what the loop runs per coroutine
(handles.py; FILE.handles.json) and samples the loop thread's stack (sampler.py;
FILE.stacks.json) and the garbage collector's pauses (gcpauses.py; FILE.gc.json); with cprofile=1 at the start, cProfile runs too (FILE; it slows the loop).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
import cProfile
import gc
import json
import os
import threading
import time
from typing import Any

from aiohttp import web
from homeassistant.components.http import KEY_HASS, HomeAssistantView
from homeassistant.const import EVENT_HOMEASSISTANT_STARTED
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.typing import ConfigType
from homeassistant.setup import async_get_setup_timings

from .gcpauses import GcPauses
from .handles import HandleTimes
from .known import KnownTimes
from .sampler import StackSampler

DOMAIN = "scale_probe"
# Set (to 1) by bench/scale.py --gc-freeze: gc.freeze() once Home Assistant has started.
GC_FREEZE_ENV = "SCALE_PROBE_GC_FREEZE"
TICK_S = 0.05
KNOWN_KEYS = frozenset({"status", "power"})
UNKNOWN = frozenset({"unknown", "unavailable"})


class LoopLag:
    """Overshoots of a 50 ms sleep, since the last reset."""

    def __init__(self) -> None:
        self.samples: list[float] = []

    async def run(self) -> None:
        while True:
            asked = time.monotonic()
            await asyncio.sleep(TICK_S)
            self.samples.append((time.monotonic() - asked - TICK_S) * 1000)

    def summary(self) -> dict[str, float]:
        ordered = sorted(self.samples)
        if not ordered:
            return {"n": 0, "p50": 0.0, "p99": 0.0, "max": 0.0}
        return {
            "n": len(ordered),
            "p50": ordered[len(ordered) // 2],
            "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
            "max": ordered[-1],
        }


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Start the lag sampler and serve the view."""
    lag = LoopLag()
    started: dict[str, float] = {}

    @callback
    def _started(_event: Event[Any]) -> None:
        started["at"] = time.time()
        if os.environ.get(GC_FREEZE_ENV) == "1":
            # What is alive once Home Assistant has started is never scanned by the collector again.
            gc.freeze()

    hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STARTED, _started)
    hass.async_create_background_task(lag.run(), "scale probe loop lag")
    hass.http.register_view(ProbeView(lag, started))
    hass.http.register_view(ProfileView())
    known_times = KnownTimes(hass)
    known_times.async_start()
    hass.http.register_view(KnownAtView(known_times))
    return True


def known_chargers(hass: HomeAssistant) -> tuple[int, int]:
    """Return (chargers with a status or power sensor, those whose all are known)."""
    registry = er.async_get(hass)
    per_device: dict[str, bool] = defaultdict(lambda: True)
    for entry in registry.entities.values():
        if entry.platform != "ocpp_central" or entry.translation_key not in KNOWN_KEYS:
            continue
        if entry.device_id is None or entry.disabled_by is not None:
            continue
        state = hass.states.get(entry.entity_id)
        known = state is not None and state.state not in UNKNOWN
        per_device[entry.device_id] = per_device[entry.device_id] and known
    return len(per_device), sum(per_device.values())


class ProbeView(HomeAssistantView):
    """Loop lag, known chargers, entity count."""

    url = "/api/scale_probe"
    name = "api:scale_probe"
    requires_auth = False

    def __init__(self, lag: LoopLag, started: dict[str, float]) -> None:
        self.lag = lag
        self.started = started

    async def get(self, request: web.Request) -> web.Response:
        hass = request.app[KEY_HASS]
        devices, known = known_chargers(hass)
        body = {
            "lag": self.lag.summary(),
            "devices": devices,
            "known": known,
            "states": len(hass.states.async_entity_ids()),
            "started_at": self.started.get("at"),
            "setup_s": async_get_setup_timings(hass).get("ocpp_central"),
            "entries": [
                entry.state.value for entry in hass.config_entries.async_entries("ocpp_central")
            ],
        }
        if request.query.get("reset"):
            self.lag.samples = []
        return self.json(body)


class ProfileView(HomeAssistantView):
    """The loop's time per coroutine and its sampled stacks (cProfile too, with cprofile=1)."""

    url = "/api/scale_probe/profile"
    name = "api:scale_probe:profile"
    requires_auth = False
    profiler: cProfile.Profile | None = None
    handles: HandleTimes | None = None
    sampler: StackSampler | None = None
    gc_pauses: GcPauses | None = None

    async def post(self, request: web.Request) -> web.Response:
        action = request.query.get("action")
        hass = request.app[KEY_HASS]
        if action == "start":
            if request.query.get("cprofile") == "1":
                ProfileView.profiler = cProfile.Profile()
                ProfileView.profiler.enable()
            ProfileView.handles = HandleTimes()
            ProfileView.handles.install()
            ProfileView.sampler = StackSampler(threading.get_ident())
            ProfileView.sampler.start()
            ProfileView.gc_pauses = GcPauses()
            ProfileView.gc_pauses.install()
        elif action == "stop" and ProfileView.handles is not None:
            path = request.query["path"]
            if (sampler := ProfileView.sampler) is not None:
                sampler.stop()
                await hass.async_add_executor_job(
                    _write_json, f"{path}.stacks.json", sampler.report()
                )
            if (gc_pauses := ProfileView.gc_pauses) is not None:
                gc_pauses.uninstall()
                await hass.async_add_executor_job(
                    _write_json, f"{path}.gc.json", gc_pauses.report()
                )
            handles, ProfileView.handles = ProfileView.handles, None
            handles.uninstall()
            await hass.async_add_executor_job(_write_json, f"{path}.handles.json", handles.top())
            if (profiler := ProfileView.profiler) is not None:
                ProfileView.profiler = None
                profiler.disable()
                await hass.async_add_executor_job(profiler.dump_stats, path)
        else:
            return self.json_message("action must be start or stop", 400)
        return self.json({"ok": True})


class KnownAtView(HomeAssistantView):
    """When each charger became known (wall clock)."""

    url = "/api/scale_probe/known_at"
    name = "api:scale_probe:known_at"
    requires_auth = False

    def __init__(self, known_times: KnownTimes) -> None:
        self.known_times = known_times

    async def get(self, request: web.Request) -> web.Response:
        return self.json(self.known_times.known_at)


def _write_json(path: str, data: Any) -> None:
    with open(path, "w", encoding="utf-8") as file:
        json.dump(data, file)
