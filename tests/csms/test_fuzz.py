"""Fuzzed frames of every charger-sent action, 1.6 and 2.0.1, against the real integration.

A raw charger per version sends frames from tests/helpers/fuzz.py (seeded: the same frames every
run) over a real WebSocket; a bystander charger on the `ocpp` package keeps sending readings. The
test fails on any traceback in the log, on any entity state no charger may cause (power below
zero, a state of charge outside 0-100 %, a number that is not finite, a lifetime energy that went
down), on a CALL left unanswered or answered with InternalError, and when the bystander's readings
stop arriving. A few hundred frames; bench/faults.py sends 100,000 of the same kind.
"""

from __future__ import annotations

import logging

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from ocpp.v16 import call
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.const import DOMAIN
from tests.helpers.fuzz import FrameFuzzer, FuzzClient, Outcome, StateJudge, connect_raw
from tests.helpers.sim_charger import ConnectFn
from tests.helpers.subentries import charger_subentry

SEED = 20261202
FRAMES_PER_VERSION = 160
WINDOW = 16
VERSIONS = {"1.6": ("FUZZ16", "ocpp1.6"), "2.0.1": ("FUZZ201", "ocpp2.0.1")}
BOOTS = {
    "1.6": {"chargePointVendor": "Fuzz", "chargePointModel": "Box"},
    "2.0.1": {"reason": "PowerUp", "chargingStation": {"model": "Box", "vendorName": "Fuzz"}},
}
BYSTANDER_LIFETIME = "sensor.charger_cp1_lifetime_energy"


@pytest.fixture
def subentries() -> list[ConfigSubentryData]:
    """The bystander and one fuzzed charger per version, all configured (entities exist)."""
    return [charger_subentry("CP1"), *(charger_subentry(cid) for cid, _ in VERSIONS.values())]


class EntityBounds:
    """Every state the integration's entities take, judged as it is written."""

    def __init__(self, hass: HomeAssistant) -> None:
        self.registry = er.async_get(hass)
        self.judge = StateJudge()
        self.unsubscribe = hass.bus.async_listen(EVENT_STATE_CHANGED, self._check)

    @callback
    def _check(self, event: Event[EventStateChangedData]) -> None:
        state = event.data["new_state"]
        if state is None:
            return
        entry = self.registry.async_get(state.entity_id)
        if entry is not None and entry.platform == DOMAIN:
            self.judge.judge(state.entity_id, state.state, dict(state.attributes))


def unanswered(outcomes: list[Outcome]) -> list[str]:
    """CALLs whose head was intact but that got no answer, or more than one, or InternalError."""
    return [
        f"{outcome.frame.action} {outcome.frame.mutations}: {outcome.answers}"
        for outcome in outcomes
        if outcome.frame.answer_id is not None
        and (len(outcome.answers) != 1 or outcome.answers[0][:3][-1] == "InternalError")
    ]


@pytest.mark.timeout(300)
async def test_fuzzed_frames_break_nothing(
    hass: HomeAssistant,
    central: MockConfigEntry,
    port: int,
    connect: ConnectFn,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Hundreds of mutated frames: no traceback, no bogus entity state, every CALL answered."""
    bounds = EntityBounds(hass)
    bystander = await connect("CP1")
    await bystander.boot()
    await bystander.call(
        call.StartTransaction(
            connector_id=1, id_tag="TAG", meter_start=10000, timestamp="2026-11-25T08:00:00Z"
        )
    )
    clients: dict[str, FuzzClient] = {}
    for version, (charger_id, subprotocol) in VERSIONS.items():
        clients[version] = await connect_raw(port, charger_id, subprotocol)
        assert (await clients[version].call("BootNotification", BOOTS[version]))[0] == 3
    fuzzers = {version: FrameFuzzer(version, SEED) for version in VERSIONS}
    problems: list[str] = []
    for window in range(FRAMES_PER_VERSION // WINDOW):
        for version, client in clients.items():
            frames = list(fuzzers[version].frames(WINDOW))
            problems += unanswered(await client.send(frames))
        # The bystander's reading arrives, whatever the others sent meanwhile.
        wh = 10000 + 10 * (window + 1)
        await bystander.call(
            call.MeterValues(
                connector_id=1,
                meter_value=[
                    {
                        "timestamp": f"2026-11-25T08:{window + 1:02d}:00Z",
                        "sampledValue": [
                            {"value": str(wh), "measurand": "Energy.Active.Import.Register"}
                        ],
                    }
                ],
            )
        )
        await hass.async_block_till_done()
        assert hass.states.get(BYSTANDER_LIFETIME).state == str(wh / 1000)  # type: ignore[union-attr]
    for client in clients.values():
        await client.websocket.close()
    bounds.unsubscribe()
    # The bystander's own library ("ocpp") logs the commands it lacks with their traceback.
    tracebacks = [
        f"{record.name}: {record.getMessage()}: {record.exc_info[1]!r}"
        for record in caplog.records
        if record.exc_info and record.levelno >= logging.ERROR and record.name != "ocpp"
    ]
    assert tracebacks == []
    assert bounds.judge.bogus == []
    assert bounds.judge.judged > 0
    assert problems == []
    assert [answer for client in clients.values() for answer in client.stray] == []
