"""Faults probe: judges every state the integration's entities take, for bench/faults.py.

Only ever loaded into the throw-away config dir the bench makes. Every state write of an
ocpp_central entity is judged by tests/helpers/fuzz.py's bogus_state (power below zero, a state of
charge outside 0-100 %, a number that is not finite, a lifetime energy that went down); GET
/api/faults_probe (no auth; the bench's Home Assistant listens on 127.0.0.1 only) returns how many
were bogus, the first few, how many were judged, and the state of the ocpp_central entries.
"""

from __future__ import annotations

from pathlib import Path
import sys
from typing import Any

from aiohttp import web
from homeassistant.components.http import KEY_HASS, HomeAssistantView
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.typing import ConfigType

# The repository (this folder is symlinked into the config dir): the judge is the fuzz test's.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.helpers.fuzz import StateJudge

DOMAIN = "faults_probe"
EXAMPLES = 20


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Judge every state write from now on."""
    judge = StateJudge()
    registry = er.async_get(hass)

    @callback
    def _judge(event: Event[Any]) -> None:
        state = event.data["new_state"]
        if state is None:
            return
        entry = registry.async_get(state.entity_id)
        if entry is not None and entry.platform == "ocpp_central":
            judge.judge(state.entity_id, state.state, dict(state.attributes))

    hass.bus.async_listen(EVENT_STATE_CHANGED, _judge)
    hass.http.register_view(ProbeView(judge))
    return True


class ProbeView(HomeAssistantView):
    """The verdicts and the config entry states."""

    url = "/api/faults_probe"
    name = "api:faults_probe"
    requires_auth = False

    def __init__(self, judge: StateJudge) -> None:
        self.judge = judge

    async def get(self, request: web.Request) -> web.Response:
        hass = request.app[KEY_HASS]
        entries = [entry.state.value for entry in hass.config_entries.async_entries("ocpp_central")]
        return self.json(
            {
                "judged": self.judge.judged,
                "bogus": len(self.judge.bogus),
                "examples": self.judge.bogus[:EXAMPLES],
                "entries": entries,
            }
        )
