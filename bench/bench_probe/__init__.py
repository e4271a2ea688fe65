"""Bench probe: counts state writes and profiles the event loop for bench/meter_values.py.

Only ever loaded into the throw-away config dir the bench makes. GET /api/bench_probe
(no auth; the bench's Home Assistant listens on 127.0.0.1 only) returns the number of
state_changed events per entity and the state of the ocpp_central config entries.
POST /api/bench_probe/profile?action=start|stop&path=FILE runs cProfile on the event loop.
"""

from __future__ import annotations

from collections import Counter
import cProfile
from typing import Any

from aiohttp import web
from homeassistant.components.http import KEY_HASS, HomeAssistantView
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers.typing import ConfigType

DOMAIN = "bench_probe"


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Count every state write from now on."""
    counts: Counter[str] = Counter()

    @callback
    def _count(event: Event[Any]) -> None:
        counts[event.data["entity_id"]] += 1

    hass.bus.async_listen(EVENT_STATE_CHANGED, _count)
    hass.http.register_view(ProbeView(counts))
    hass.http.register_view(ProfileView())
    return True


class ProbeView(HomeAssistantView):
    """State-write counts and config entry states."""

    url = "/api/bench_probe"
    name = "api:bench_probe"
    requires_auth = False

    def __init__(self, counts: Counter[str]) -> None:
        self.counts = counts

    async def get(self, request: web.Request) -> web.Response:
        hass = request.app[KEY_HASS]
        entries = [
            {"title": entry.title, "state": entry.state.value}
            for entry in hass.config_entries.async_entries("ocpp_central")
        ]
        return self.json(
            {
                "state_changed": dict(self.counts),
                "entries": entries,
                "entities": len(hass.states.async_entity_ids()),
            }
        )


class ProfileView(HomeAssistantView):
    """cProfile on the event loop thread, between a start and a stop."""

    url = "/api/bench_probe/profile"
    name = "api:bench_probe:profile"
    requires_auth = False
    profiler: cProfile.Profile | None = None

    async def post(self, request: web.Request) -> web.Response:
        action = request.query.get("action")
        if action == "start":
            ProfileView.profiler = cProfile.Profile()
            ProfileView.profiler.enable()
        elif action == "stop" and ProfileView.profiler is not None:
            profiler, ProfileView.profiler = ProfileView.profiler, None
            profiler.disable()
            await request.app[KEY_HASS].async_add_executor_job(
                profiler.dump_stats, request.query["path"]
            )
        else:
            return self.json_message("action must be start or stop", 400)
        return self.json({"ok": True})
