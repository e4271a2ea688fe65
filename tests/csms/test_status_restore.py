"""Connector statuses across a restart of the integration: stored, restored, confirmed.

The chargers here are plain `ocpp` package charge points that, like a real idle charger, send
nothing unprompted after reconnecting: they tell a status only when a TriggerMessage asks for it
(or, on 2.0.1, when GetVariables reads its AvailabilityState). The integration is restarted in
process (its config entry reloaded: same store, new central system). The wait before statuses are
asked for (no boot within the grace) is ended by firing its timer; it is made long enough that it
never ends on its own while a test looks at what is shown before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Generator
from datetime import UTC, datetime, timedelta
from functools import partial
import itertools
from typing import Any
from unittest.mock import patch

from homeassistant.const import STATE_ON, STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from ocpp.routing import after, on
from ocpp.v16 import ChargePoint as ChargePoint16, call as call16, call_result as result16
from ocpp.v201 import ChargePoint as ChargePoint201, call as call201, call_result as result201
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from websockets.asyncio.client import ClientConnection

from custom_components.ocpp_central.const import DOMAIN
from custom_components.ocpp_central.csms.model import ConnectorStatus
from custom_components.ocpp_central.csms.protocol.base import ProtocolAdapter
from custom_components.ocpp_central.storage.store import STORAGE_VERSION
from tests.helpers.connections import Connections, charger_url
from tests.helpers.sim_charger import boot_notification
from tests.helpers.waiting import wait_for

STATUS = "sensor.charger_cp1_status"
STATION_STATUS = "sensor.charger_cp1_station_status"
ERROR = "sensor.charger_cp1_error"
PLUGGED_IN = "binary_sensor.charger_cp1_cable_plugged_in"
POWER = "sensor.charger_cp1_charging_power"


class Telling:
    """What a charger tells after our TriggerMessage, as tasks a test can wait for."""

    def __init__(self) -> None:
        self.triggered: list[tuple[str, Any]] = []
        self._tasks: list[asyncio.Task[None]] = []

    def tell(self, coroutine: Coroutine[Any, Any, None]) -> None:
        self._tasks.append(asyncio.ensure_future(coroutine))

    async def told(self) -> None:
        """Wait for a trigger, then until all that was told got its answer."""
        await wait_for(lambda: self.triggered)
        await asyncio.gather(*self._tasks)


class IdleCharger16(ChargePoint16, Telling):
    """A 1.6 charger that tells its statuses only when asked (TriggerMessage).

    `statuses` is the charger's own state (connector → status), kept across its connections.
    """

    def __init__(
        self, charger_id: str, connection: ClientConnection, statuses: dict[int, str]
    ) -> None:
        super().__init__(charger_id, connection, response_timeout=5)
        Telling.__init__(self)
        self.statuses = statuses

    @on("TriggerMessage")
    def on_trigger_message(self, requested_message: str, **kwargs: Any) -> Any:
        self.triggered.append((requested_message, kwargs.get("connector_id")))
        return result16.TriggerMessage(status="Accepted")

    @after("TriggerMessage")
    def tell_statuses(self, requested_message: str, **kwargs: Any) -> None:
        number = kwargs.get("connector_id")
        for told in sorted(self.statuses) if number is None else [number]:
            self.tell(self.status(told))

    async def status(self, number: int, error_code: str = "NoError") -> None:
        await self.call(
            call16.StatusNotification(
                connector_id=number, error_code=error_code, status=self.statuses[number]
            )
        )


class IdleStation201(ChargePoint201, Telling):
    """A 2.0.1 station that tells its connector statuses only when asked.

    With `triggers` False it refuses TriggerMessage (as some firmware does); GetVariables of a
    connector's AvailabilityState is answered either way. `sessions` (EVSE → transaction id and
    charging state) are told as a TransactionEvent when one is asked for.
    """

    # Across connections, as the station's own counter would be.
    seq_nos = itertools.count()

    def __init__(
        self,
        charger_id: str,
        connection: ClientConnection,
        statuses: dict[int, str],
        *,
        triggers: bool = True,
        sessions: dict[int, tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(charger_id, connection, response_timeout=5)
        Telling.__init__(self)
        self.statuses = statuses
        self.triggers = triggers
        self.sessions = sessions or {}
        self.read: list[str] = []

    @on("TriggerMessage")
    def on_trigger_message(self, requested_message: str, **kwargs: Any) -> Any:
        evse = kwargs.get("evse")
        self.triggered.append((requested_message, evse))
        telling = self._telling(requested_message, evse)
        return result201.TriggerMessage(status="Accepted" if telling else "Rejected")

    def _telling(self, requested_message: str, evse: dict[str, int] | None) -> bool:
        if not self.triggers or evse is None:
            return False
        if requested_message == "TransactionEvent":
            return evse["id"] in self.sessions
        return requested_message == "StatusNotification" and "connector_id" in evse

    @after("TriggerMessage")
    def tell_asked(self, requested_message: str, **kwargs: Any) -> None:
        evse = kwargs.get("evse")
        if evse is None or not self._telling(requested_message, evse):
            return
        if requested_message == "TransactionEvent":
            self.tell(self.session_event(evse["id"], "Updated", "Trigger"))
            return
        self.tell(
            self.call(
                call201.StatusNotification(
                    timestamp=datetime.now(UTC).isoformat(),
                    connector_status=self.statuses[evse["id"]],
                    evse_id=evse["id"],
                    connector_id=evse["connector_id"],
                )
            )
        )

    async def session_event(self, evse: int, event_type: str, trigger_reason: str) -> None:
        """A TransactionEvent of the EVSE's session, with its charging state."""
        tx_id, charging_state = self.sessions[evse]
        await self.call(
            call201.TransactionEvent(
                event_type=event_type,
                timestamp=datetime.now(UTC).isoformat(),
                trigger_reason=trigger_reason,
                seq_no=next(self.seq_nos),
                transaction_info={"transaction_id": tx_id, "charging_state": charging_state},
                evse={"id": evse, "connector_id": 1} if event_type == "Started" else None,
            )
        )

    @on("GetVariables")
    def on_get_variables(self, get_variable_data: list[dict[str, Any]], **kwargs: Any) -> Any:
        results = []
        for item in get_variable_data:
            component, variable = item["component"], item["variable"]
            self.read.append(f"{component['name']}/{variable['name']}")
            known = component["name"] == "Connector" and variable["name"] == "AvailabilityState"
            result: dict[str, Any] = {
                "attribute_status": "Accepted" if known else "UnknownVariable",
                "component": component,
                "variable": variable,
            }
            if known:
                result["attribute_value"] = self.statuses[component["evse"]["id"]]
            results.append(result)
        return result201.GetVariables(get_variable_result=results)


type Open = Callable[..., Any]

# The grace in these tests: long, so that only firing its timer ends it.
GRACE_S = 30.0


@pytest.fixture(autouse=True)
def long_grace() -> Generator[None]:
    with patch.object(ProtocolAdapter, "status_grace_s", GRACE_S):
        yield


@pytest.fixture
def open_charger(port: int, connections: Connections) -> Open:
    """Connect a charger of one of the classes above, with its own state, as CP1."""

    async def _open(make: Any, statuses: dict[int, str], version: str, **kwargs: Any) -> Any:
        return await connections.open(
            partial(make, statuses=statuses, **kwargs),
            charger_url(port, "CP1"),
            "CP1",
            [version],
        )

    return _open


def shown(hass: HomeAssistant, entity_id: str) -> str:
    found = hass.states.get(entity_id)
    assert found is not None, entity_id
    return found.state


async def restart(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """Reload the config entry: same store, new central system; the chargers lose us."""
    old = entry.runtime_data
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.runtime_data is not old


def connected(entry: MockConfigEntry) -> bool:
    return bool(entry.runtime_data.sessions.get("CP1"))


def grace_ends(hass: HomeAssistant) -> None:
    """The charger did not boot within the grace: its statuses are asked for now."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=GRACE_S))


async def shows(hass: HomeAssistant, cp: Telling, entity_id: str, status: str) -> None:
    """Wait until the charger was asked and what it told (or what was read) is shown."""
    await cp.told()
    await wait_for(lambda: (found := hass.states.get(entity_id)) and found.state == status)


async def test_idle_16_charger_ends_with_its_real_status_after_a_restart(
    hass: HomeAssistant, central: MockConfigEntry, open_charger: Open
) -> None:
    """Stored status shown at once after the restart; the idle charger, asked, tells the real one."""
    statuses = {0: "Available", 1: "Available"}
    cp = await open_charger(IdleCharger16, statuses, "ocpp1.6")
    await cp.call(boot_notification())
    await cp.status(0)
    await cp.status(1)
    await hass.async_block_till_done()
    assert (shown(hass, STATUS), shown(hass, STATION_STATUS)) == ("available", "available")
    assert cp.triggered == []  # It booted: it tells its statuses itself.

    await restart(hass, central)
    assert shown(hass, STATUS) == STATE_UNAVAILABLE
    # While we were away, a car was plugged in; the charger says nothing when it is back.
    statuses[1] = "Preparing"
    cp = await open_charger(IdleCharger16, statuses, "ocpp1.6")
    await wait_for(lambda: connected(central))
    await hass.async_block_till_done()
    # The stored status, not "unknown"; not acted on before it is confirmed.
    assert (shown(hass, STATUS), shown(hass, STATION_STATUS)) == ("available", "available")
    assert shown(hass, ERROR) == "no_error"
    assert shown(hass, PLUGGED_IN) == STATE_UNKNOWN

    grace_ends(hass)
    await shows(hass, cp, STATUS, "preparing")
    assert cp.triggered == [("StatusNotification", 1)]
    assert shown(hass, PLUGGED_IN) == STATE_ON


async def test_an_idle_charger_shows_no_power_after_a_restart(
    hass: HomeAssistant, central: MockConfigEntry, open_charger: Open
) -> None:
    """Idle before and after: its confirmed Available says 0 W, not unknown until a reading."""
    statuses = {0: "Available", 1: "Available"}
    cp = await open_charger(IdleCharger16, statuses, "ocpp1.6")
    await cp.call(boot_notification())
    await cp.status(1)
    await hass.async_block_till_done()

    await restart(hass, central)
    cp = await open_charger(IdleCharger16, statuses, "ocpp1.6")
    await wait_for(lambda: connected(central))
    await hass.async_block_till_done()
    assert shown(hass, POWER) == STATE_UNKNOWN  # Not confirmed yet.

    grace_ends(hass)
    await shows(hass, cp, STATUS, "available")
    await wait_for(lambda: shown(hass, POWER) == "0.0")


async def test_a_charger_never_heard_from_is_asked_for_every_status(
    hass: HomeAssistant, central: MockConfigEntry, open_charger: Open
) -> None:
    """No connector known yet: one TriggerMessage without connectorId, answered for all."""
    cp = await open_charger(IdleCharger16, {0: "Available", 1: "Charging"}, "ocpp1.6")
    await wait_for(lambda: connected(central))
    grace_ends(hass)
    await shows(hass, cp, STATUS, "charging")
    assert shown(hass, STATION_STATUS) == "available"
    assert cp.triggered == [("StatusNotification", None)]


async def test_a_status_told_since_connecting_is_not_asked_for(
    hass: HomeAssistant, central: MockConfigEntry, open_charger: Open
) -> None:
    """Only connectors the charger did not report since it connected are asked for."""
    statuses = {0: "Available", 1: "Available", 2: "Available"}
    cp = await open_charger(IdleCharger16, statuses, "ocpp1.6")
    await cp.call(boot_notification())
    for number in statuses:
        await cp.status(number)
    await restart(hass, central)
    statuses.update({1: "Faulted", 2: "Preparing"})
    cp = await open_charger(IdleCharger16, statuses, "ocpp1.6")
    await cp.status(1, error_code="GroundFailure")
    grace_ends(hass)
    await shows(hass, cp, "sensor.charger_cp1_connector_2_status", "preparing")
    assert cp.triggered == [("StatusNotification", 2)]
    assert shown(hass, "sensor.charger_cp1_status") == "faulted"
    assert shown(hass, "sensor.charger_cp1_error") == "ground_failure"


async def test_a_booting_charger_is_not_asked(
    hass: HomeAssistant, central: MockConfigEntry, open_charger: Open
) -> None:
    """A charger that boots after connecting reports its statuses itself: nothing is asked.

    Neither when the grace after connecting ends nor when the grace after its boot does.
    """
    cp = await open_charger(IdleCharger16, {0: "Available", 1: "Available"}, "ocpp1.6")
    await cp.call(boot_notification())
    await cp.status(1)
    grace_ends(hass)
    await hass.async_block_till_done()
    grace_ends(hass)
    await hass.async_block_till_done()
    await cp.call(call16.Heartbeat())  # a round trip: a trigger would have come before its answer
    assert cp.triggered == []
    assert shown(hass, STATUS) == "available"


@pytest.mark.parametrize("triggers", [True, False], ids=["triggered", "read"])
async def test_idle_201_station_ends_with_its_real_status_after_a_restart(
    hass: HomeAssistant, central: MockConfigEntry, open_charger: Open, triggers: bool
) -> None:
    """2.0.1: per EVSE and connector; a station that refuses the trigger has its status read."""
    statuses = {1: "Available"}
    cp = await open_charger(IdleStation201, statuses, "ocpp2.0.1", triggers=triggers)
    await wait_for(lambda: connected(central))
    grace_ends(hass)
    await shows(hass, cp, STATUS, "available")

    await restart(hass, central)
    statuses[1] = "Occupied"
    cp = await open_charger(IdleStation201, statuses, "ocpp2.0.1", triggers=triggers)
    await wait_for(lambda: connected(central))
    await hass.async_block_till_done()
    assert shown(hass, STATUS) == "available"

    grace_ends(hass)
    await shows(hass, cp, STATUS, "preparing")
    assert cp.triggered == [("StatusNotification", {"id": 1, "connector_id": 1})]
    assert cp.read == ([] if triggers else ["Connector/AvailabilityState"])


async def test_stored_data_without_a_status_loads_as_unknown(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    open_charger: Open,
) -> None:
    """Data stored before statuses were kept loads; the status is unknown until confirmed."""
    key = f"{DOMAIN}.{config_entry.entry_id}"
    hass_storage[key] = {
        "version": STORAGE_VERSION,
        "key": key,
        "data": {
            "transaction_id_reserved": 3,
            "chargers": {
                "CP1": {
                    "info": {"vendor": "Acme", "model": "Wallbox 1"},
                    "connectors": {"1": {"energy_raw_wh": 500.0, "energy_offset_wh": 0.0}},
                }
            },
        },
    }
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    charger = config_entry.runtime_data.coordinators["CP1"].charger
    assert (charger.status, charger.connectors[1].status) == (None, None)

    cp = await open_charger(IdleCharger16, {0: "Available", 1: "SuspendedEV"}, "ocpp1.6")
    await wait_for(lambda: connected(config_entry))
    await hass.async_block_till_done()
    assert shown(hass, STATUS) == STATE_UNKNOWN
    grace_ends(hass)
    await shows(hass, cp, STATUS, "suspended_ev")
    assert cp.triggered == [("StatusNotification", 1)]
    assert charger.connectors[1].status is ConnectorStatus.SUSPENDED_EV
    assert charger.connectors[1].energy.total_wh == 500.0


async def test_a_201_session_keeps_its_charging_state_across_a_restart(
    hass: HomeAssistant, central: MockConfigEntry, open_charger: Open
) -> None:
    """Charging before the restart: shown as it was, and asked for with the session's event.

    Occupied alone does not tell Charging from Preparing: the stored status stands until the
    TransactionEvent the station is asked for tells the charging state.
    """
    statuses, sessions = {1: "Occupied"}, {1: ("TX-1", "Charging")}
    cp = await open_charger(IdleStation201, statuses, "ocpp2.0.1", sessions=sessions)
    await cp.call(
        call201.BootNotification(
            charging_station={"vendor_name": "Acme", "model": "Box"}, reason="PowerUp"
        )
    )
    await cp.session_event(1, "Started", "Authorized")
    await hass.async_block_till_done()
    assert shown(hass, STATUS) == "charging"

    await restart(hass, central)
    sessions[1] = ("TX-1", "SuspendedEV")  # the car paused meanwhile
    cp = await open_charger(IdleStation201, statuses, "ocpp2.0.1", sessions=sessions)
    await wait_for(lambda: connected(central))
    await hass.async_block_till_done()
    assert (shown(hass, STATUS), shown(hass, PLUGGED_IN)) == ("charging", STATE_UNKNOWN)

    grace_ends(hass)
    await shows(hass, cp, STATUS, "suspended_ev")
    assert cp.triggered == [
        ("StatusNotification", {"id": 1, "connector_id": 1}),
        ("TransactionEvent", {"id": 1}),
    ]
    assert shown(hass, PLUGGED_IN) == STATE_ON


@pytest.mark.parametrize("make", [IdleCharger16, IdleStation201], ids=["1.6", "2.0.1"])
async def test_a_charger_that_boots_without_telling_its_status_is_asked(
    hass: HomeAssistant, central: MockConfigEntry, open_charger: Open, make: Any
) -> None:
    """Firmware that boots but skips its StatusNotifications: asked once the grace has passed."""
    version = "ocpp1.6" if make is IdleCharger16 else "ocpp2.0.1"
    cp = await open_charger(make, {0: "Available", 1: "Available"}, version)
    if make is IdleCharger16:
        await cp.call(boot_notification())
    else:
        await cp.call(
            call201.BootNotification(
                charging_station={"model": "Wallbox 1", "vendor_name": "Acme"}, reason="PowerUp"
            )
        )
    await hass.async_block_till_done()
    assert cp.triggered == []  # Not at once: it may still tell them itself.

    grace_ends(hass)
    await shows(hass, cp, STATUS, "available")
    assert [message for message, _ in cp.triggered] == ["StatusNotification"]
    await wait_for(lambda: shown(hass, POWER) == "0.0")
