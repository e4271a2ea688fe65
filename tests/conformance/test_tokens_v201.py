"""OCPP 2.0.1 id tokens as the specification defines them: block C (Authorization), E05.

The station side plays the sequence diagrams of OCPP 2.0.1 Part 2 (C01 EV Driver Authorization
using RFID, C02 Authorization using a start button, C09 Authorization by GroupId, E05 Start
Transaction - Id not Accepted) with the `ocpp` package; every frame the central system sends is
checked against the official schemas (tests/conformance/conftest.py) and each idTokenInfo is
asserted field by field. The central system accepts only its allow list here.

Use cases and the tests that cover them:

- C01, Authorize Accepted with cacheExpiryDateTime and groupIdToken: test_c01_authorize_accepted
- C01, Authorize Blocked: test_c01_authorize_blocked
- C01, Authorize Expired (status set; an Accepted token past its expiry date):
  test_c01_authorize_expired
- C01, Authorize Invalid (status set; a token not on the allow list): test_c01_authorize_invalid
- C01, the token's expiry date reached during the session: the next TransactionEvent carrying
  it is answered Expired: test_c01_expiry_reached_mid_session
- C02, start button (idToken type NoAuthorization): test_c02_start_button_accepted
- C09, a token of the same group stops the session another one started:
  test_c09_stop_by_group_id
- E05, TransactionEvent Started with a Blocked token: test_e05_start_id_not_accepted
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.const import (
    CONF_AUTHORIZATION,
    CONF_HEARTBEAT_INTERVAL,
    CONF_UNKNOWN_CHARGERS,
)
from tests.conformance.conftest import ConnectConformance
from tests.conformance.test_tokens_v16 import TOKENS
from tests.helpers.charger_v201_data import now
from tests.helpers.conformance import Conformance201
from tests.helpers.subentries import charger_subentry

FAMILY = {"idToken": "FAMILY", "type": "Central"}


@pytest.fixture
def subentries() -> list[ConfigSubentryData]:
    return [charger_subentry("CP1"), *TOKENS]


@pytest.fixture
def options() -> dict[str, Any]:
    return {
        CONF_UNKNOWN_CHARGERS: "ask",
        CONF_HEARTBEAT_INTERVAL: 300,
        CONF_AUTHORIZATION: "allow_list",
    }


@pytest.fixture(autouse=True)
def quiet() -> Generator[None]:
    """No entity platforms; the engine's boot-time reads stay out of the sequences."""
    with (
        patch("custom_components.ocpp_central.PLATFORMS", []),
        patch("custom_components.ocpp_central.charging.engine.SmartCharging.settle_s", 3600),
    ):
        yield


async def _booted(hass: HomeAssistant, connect201: ConnectConformance) -> Conformance201:
    cp: Conformance201 = await connect201()
    assert (await cp.boot()).status == "Accepted"
    await cp.status(1, "Available")
    await hass.async_block_till_done()
    return cp


def _rfid(tag: str) -> dict[str, str]:
    return {"id_token": tag, "type": "ISO14443"}


async def _authorize(cp: Conformance201, tag: str) -> dict[str, Any]:
    """AuthorizeRequest with an RFID token; the idTokenInfo the central system sent."""
    await cp.call(cp.call_module.Authorize(id_token=_rfid(tag)))
    return dict(cp.results_for("Authorize")[-1]["idTokenInfo"])


def _tx_answers(cp: Conformance201) -> list[dict[str, Any]]:
    return cp.results_for("TransactionEvent")


async def test_c01_authorize_accepted(
    hass: HomeAssistant, central: MockConfigEntry, connect201: ConnectConformance
) -> None:
    cp = await _booted(hass, connect201)
    assert await _authorize(cp, "tag-anna") == {
        "status": "Accepted",
        "cacheExpiryDateTime": "2030-01-01T00:00:00Z",
        "groupIdToken": FAMILY,
    }


async def test_c01_authorize_blocked(
    hass: HomeAssistant, central: MockConfigEntry, connect201: ConnectConformance
) -> None:
    cp = await _booted(hass, connect201)
    assert await _authorize(cp, "TAG-BLOCKED") == {"status": "Blocked"}


async def test_c01_authorize_expired(
    hass: HomeAssistant, central: MockConfigEntry, connect201: ConnectConformance
) -> None:
    cp = await _booted(hass, connect201)
    assert await _authorize(cp, "TAG-EXPIRED") == {"status": "Expired"}
    assert await _authorize(cp, "TAG-OLD") == {
        "status": "Expired",
        "cacheExpiryDateTime": "2020-01-01T00:00:00Z",
    }


async def test_c01_authorize_invalid(
    hass: HomeAssistant, central: MockConfigEntry, connect201: ConnectConformance
) -> None:
    cp = await _booted(hass, connect201)
    assert await _authorize(cp, "TAG-INVALID") == {"status": "Invalid"}
    assert await _authorize(cp, "STRANGER") == {"status": "Invalid"}
    assert [f.kind for f in cp.sent_by_central] == ["result"] * len(cp.sent_by_central)


async def test_c01_expiry_reached_mid_session(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect201: ConnectConformance,
    freezer: FrozenDateTimeFactory,
    hooked: None,
) -> None:
    """Accepted when the session starts; after the expiry date the next TransactionEvent that
    carries the token is answered Expired (the station then ends or suspends the session)."""
    freezer.move_to("2026-11-25T08:00:00+00:00")
    cp = await _booted(hass, connect201)
    await hass.services.async_call(
        "ocpp_central",
        "set_id_tag",
        {"id_tag": "TAG-BO", "expiry_date": "2026-11-25T09:00:00+00:00"},
        blocking=True,
    )
    tx = await cp.start_transaction(1, "TAG-BO", 0, now())
    info = {"status": "Accepted", "cacheExpiryDateTime": "2026-11-25T09:00:00Z"}
    assert _tx_answers(cp) == [{"idTokenInfo": info | {"groupIdToken": FAMILY}}]
    # An event without the token gets no idTokenInfo.
    await cp.transaction_event("Updated", 1, "MeterValuePeriodic")
    assert _tx_answers(cp)[-1] == {}
    freezer.move_to("2026-11-25T09:30:00+00:00")
    await cp.transaction_event("Updated", 1, "ChargingStateChanged", id_token=_rfid("TAG-BO"))
    assert _tx_answers(cp)[-1] == {
        "idTokenInfo": info | {"status": "Expired", "groupIdToken": FAMILY}
    }
    await cp.stop_transaction(tx, 4000, now(), id_tag="TAG-BO")
    assert _tx_answers(cp)[-1]["idTokenInfo"]["status"] == "Expired"


async def test_c02_start_button_accepted(
    hass: HomeAssistant, central: MockConfigEntry, connect201: ConnectConformance
) -> None:
    """A start button: idToken type NoAuthorization is accepted for a confirmed station."""
    cp = await _booted(hass, connect201)
    cp.transactions[1] = "TX-BUTTON"
    await cp.transaction_event(
        "Started",
        1,
        "Authorized",
        id_token={"id_token": "", "type": "NoAuthorization"},
        charging_state="EVConnected",
    )
    assert _tx_answers(cp) == [{"idTokenInfo": {"status": "Accepted"}}]


async def test_c09_stop_by_group_id(
    hass: HomeAssistant, central: MockConfigEntry, connect201: ConnectConformance
) -> None:
    """Anna starts, Bo (same GroupId) stops: every answer names the group FAMILY; a neighbour's
    token names its own group, so the station does not let it stop the session."""
    cp = await _booted(hass, connect201)
    tx = await cp.start_transaction(1, "TAG-ANNA", 100, now())
    assert _tx_answers(cp) == [
        {
            "idTokenInfo": {
                "status": "Accepted",
                "cacheExpiryDateTime": "2030-01-01T00:00:00Z",
                "groupIdToken": FAMILY,
            }
        }
    ]
    assert await _authorize(cp, "TAG-NEIGHBOUR") == {
        "status": "Accepted",
        "groupIdToken": {"idToken": "NEIGHBOURS", "type": "Central"},
    }
    assert await _authorize(cp, "TAG-BO") == {"status": "Accepted", "groupIdToken": FAMILY}
    await cp.stop_transaction(tx, 2100, now(), id_tag="TAG-BO")
    assert _tx_answers(cp)[-1] == {"idTokenInfo": {"status": "Accepted", "groupIdToken": FAMILY}}
    await hass.async_block_till_done()
    connector = central.runtime_data.coordinators["CP1"].charger.connectors[1]
    assert connector.transaction is None


async def test_e05_start_id_not_accepted(
    hass: HomeAssistant, central: MockConfigEntry, connect201: ConnectConformance
) -> None:
    """TransactionEventRequest Started with a Blocked token: idTokenInfo Blocked; the station
    ends the transaction (Deauthorized) and the central system closes it."""
    cp = await _booted(hass, connect201)
    tx = await cp.start_transaction(1, "TAG-BLOCKED", 100, now())
    assert _tx_answers(cp) == [{"idTokenInfo": {"status": "Blocked"}}]
    await cp.transaction_event(
        "Ended", 1, "Deauthorized", stopped_reason="DeAuthorized", charging_state="EVConnected"
    )
    assert _tx_answers(cp)[-1] == {}
    await hass.async_block_till_done()
    assert central.runtime_data.coordinators["CP1"].charger.find_transaction(tx) is None
