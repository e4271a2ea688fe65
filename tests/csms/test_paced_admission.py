"""A car park joining at once: every charger is taken in, its entities a loop slice at a time.

Real server, real WebSocket clients on 127.0.0.1, all connecting, booting and reporting together.
The pacer's budget is set to nothing, so that every slice holds exactly one charger's entities
whatever the machine's speed; a callback that reschedules itself every loop iteration counts the
loop's turns, and every queued item notes the count when it runs, so the test sees that the loop
had a turn between any two chargers' entities without measuring any time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
import itertools
from unittest.mock import patch

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from ocpp.v16 import call
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.const import DOMAIN
from custom_components.ocpp_central.pacing import Pacer
from tests.helpers.sim_charger import ConnectFn, SimCharger
from tests.helpers.subentries import charger_subentry

CHARGERS = [f"BAY{n:02d}" for n in range(40)]


@pytest.fixture
def subentries() -> list[ConfigSubentryData]:
    return [charger_subentry(charger_id) for charger_id in CHARGERS]


class LoopTurns:
    """Counts the event loop's iterations: a callback that schedules itself again each time."""

    def __init__(self) -> None:
        self.count = 0
        self._running = True
        asyncio.get_running_loop().call_soon(self._tick)

    def _tick(self) -> None:
        self.count += 1
        if self._running:
            asyncio.get_running_loop().call_soon(self._tick)

    def stop(self) -> None:
        self._running = False


class Recorded:
    """The order in which work was queued, and when (in loop turns) each item ran."""

    def __init__(self, turns: LoopTurns) -> None:
        self.turns = turns
        self.queued: list[str] = []
        self.ran: list[tuple[str, int]] = []

    def wrap(self, original: Callable[..., None]) -> Callable[..., None]:
        def enqueue(pacer: Pacer, key: str, work: Callable[[], None]) -> None:
            if key not in pacer:
                self.queued.append(key)

            def run() -> None:
                self.ran.append((key, self.turns.count))
                work()

            original(pacer, key, run)

        return enqueue


@pytest.fixture
async def recorded() -> AsyncGenerator[Recorded]:
    """Every queued item recorded, with the loop's turn it ran in."""
    recorder = Recorded(LoopTurns())
    with patch.object(Pacer, "async_enqueue", recorder.wrap(Pacer.async_enqueue)):
        yield recorder
    recorder.turns.stop()


def status_entity(hass: HomeAssistant, charger_id: str) -> str | None:
    return er.async_get(hass).async_get_entity_id(Platform.SENSOR, DOMAIN, f"{charger_id}_1_status")


async def test_a_car_park_joining_at_once_is_taken_in_one_charger_per_slice(
    hass: HomeAssistant, recorded: Recorded, central: MockConfigEntry, connect: ConnectFn
) -> None:
    pacer = central.runtime_data.pacer
    pacer.budget_s = 0.0
    pacer.most_in_a_slice = 0
    recorded.queued.clear()
    recorded.ran.clear()

    chargers: list[SimCharger] = await asyncio.gather(*(connect(c) for c in CHARGERS))
    boots = await asyncio.gather(*(cp.boot() for cp in chargers))
    statuses = await asyncio.gather(
        *(
            cp.call(
                call.StatusNotification(connector_id=1, error_code="NoError", status="Available")
            )
            for cp in chargers
        )
    )
    # Answered while their entities wait: nobody is refused or kept waiting for the queue.
    assert [boot.status for boot in boots] == ["Accepted"] * len(CHARGERS)
    assert len(statuses) == len(CHARGERS)
    heartbeats = await asyncio.gather(*(cp.call(call.Heartbeat()) for cp in chargers))
    assert all(answer.current_time for answer in heartbeats)

    await hass.async_block_till_done()
    assert pacer.waiting == 0
    # Every charger got its connector's entities, with the status it told.
    for charger_id in CHARGERS:
        entity_id = status_entity(hass, charger_id)
        assert entity_id is not None, charger_id
        assert hass.states.get(entity_id).state == "available"
    # First come, first served; one charger per slice, the loop's turn between any two.
    assert sorted(recorded.queued) == CHARGERS
    assert [key for key, _ in recorded.ran] == recorded.queued
    turns = [turn for _, turn in recorded.ran]
    assert all(later > earlier for earlier, later in itertools.pairwise(turns))
    assert pacer.most_in_a_slice == 1


async def test_a_charger_removed_while_it_waits_gets_no_entities(
    hass: HomeAssistant, central: MockConfigEntry, connect: ConnectFn
) -> None:
    pacer = central.runtime_data.pacer
    cp = await connect("BAY07")
    await cp.boot()
    pacer.budget_s = 0.0
    # A long queue ahead (one item per loop turn): BAY07's new connector waits behind it.
    for n in range(1000):
        pacer.async_enqueue(f"ahead{n}", lambda: None)
    await cp.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
    assert "BAY07" in pacer
    subentry = next(s for s in central.subentries.values() if s.unique_id == "BAY07")
    hass.config_entries.async_remove_subentry(central, subentry.subentry_id)
    await hass.async_block_till_done()
    assert pacer.waiting == 0
    assert status_entity(hass, "BAY07") is None
