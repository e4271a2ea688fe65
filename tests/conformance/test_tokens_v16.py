"""OCPP 1.6 id tags as the specification defines them: Core Authorize, Start and Stop Transaction.

The charger side plays the sequence diagrams of OCPP 1.6 edition 2 (Core profile: Authorize,
Start Transaction, Stop Transaction; sections 4.1, 4.8, 4.10, 5.x idTagInfo / 7.28-7.30) with the
`ocpp` package; every frame the central system sends is checked against the official schemas
(tests/conformance/conftest.py) and each answer is asserted field by field. The central system
accepts only its allow list here (authorization "allow_list").

Use cases and the tests that cover them:

- Core, Authorize, Accepted with expiryDate and parentIdTag: test_core_authorize_accepted
- Core, Authorize, Blocked: test_core_authorize_blocked
- Core, Authorize, Expired (status set, and an Accepted tag past its expiry date):
  test_core_authorize_expired
- Core, Authorize, Invalid (status set, and a tag not on the allow list): test_core_authorize_invalid
- Core, Start Transaction with a Blocked tag, the charger stops it (DeAuthorized):
  test_core_start_transaction_blocked_then_deauthorized
- Core, Stop Transaction by another card of the same group (parentIdTag):
  test_core_stop_transaction_by_group_member
- Core, Stop Transaction after the tag's expiry date was reached mid-session:
  test_core_stop_transaction_expired_mid_session
- Core, Authorize, a group longer than 1.6's CiString20 (left out):
  test_core_authorize_group_longer_than_1_6_allows
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import UTC, datetime
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
from ocpp.v16 import call
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.const import (
    CONF_AUTHORIZATION,
    CONF_HEARTBEAT_INTERVAL,
    CONF_UNKNOWN_CHARGERS,
    SUBENTRY_ID_TAG,
)
from custom_components.ocpp_central.security.id_tags import token_data
from tests.conformance.conftest import ConnectConformance
from tests.helpers.conformance import Conformance16
from tests.helpers.subentries import charger_subentry

FUTURE = datetime(2030, 1, 1, tzinfo=UTC)
PAST = datetime(2020, 1, 1, tzinfo=UTC)


def token_subentry(
    id_tag: str,
    status: str = "Accepted",
    expiry: datetime | None = None,
    group: str | None = None,
    name: str | None = None,
) -> ConfigSubentryData:
    """An id tag subentry as the UI or set_id_tag stores it."""
    return ConfigSubentryData(
        data=token_data(id_tag, status, expiry, group),
        subentry_type=SUBENTRY_ID_TAG,
        title=name or id_tag,
        unique_id=id_tag.casefold(),
    )


TOKENS = [
    token_subentry("TAG-ANNA", expiry=FUTURE, group="FAMILY", name="Anna"),
    token_subentry("TAG-BO", group="FAMILY", name="Bo"),
    token_subentry("TAG-NEIGHBOUR", group="NEIGHBOURS"),
    token_subentry("TAG-BLOCKED", "Blocked"),
    token_subentry("TAG-EXPIRED", "Expired"),
    token_subentry("TAG-OLD", expiry=PAST),
    token_subentry("TAG-INVALID", "Invalid"),
]


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


async def _booted(hass: HomeAssistant, connect16: ConnectConformance) -> Conformance16:
    cp: Conformance16 = await connect16()
    assert (await cp.boot()).status == "Accepted"
    await cp.status(0, "Available")
    await cp.status(1, "Available")
    await hass.async_block_till_done()
    return cp


async def _authorize(cp: Conformance16, id_tag: str) -> dict[str, Any]:
    """Authorize.req, and the idTagInfo of the Authorize.conf as the central system sent it."""
    await cp.call(call.Authorize(id_tag=id_tag))
    return dict(cp.results_for("Authorize")[-1]["idTagInfo"])


async def test_core_authorize_accepted(
    hass: HomeAssistant, central: MockConfigEntry, connect16: ConnectConformance
) -> None:
    """Accepted, with the tag's expiry date and parent id tag (case-insensitive match)."""
    cp = await _booted(hass, connect16)
    assert await _authorize(cp, "tag-anna") == {
        "status": "Accepted",
        "expiryDate": "2030-01-01T00:00:00Z",
        "parentIdTag": "FAMILY",
    }
    assert await _authorize(cp, "TAG-BO") == {"status": "Accepted", "parentIdTag": "FAMILY"}


async def test_core_authorize_blocked(
    hass: HomeAssistant, central: MockConfigEntry, connect16: ConnectConformance
) -> None:
    cp = await _booted(hass, connect16)
    assert await _authorize(cp, "TAG-BLOCKED") == {"status": "Blocked"}


async def test_core_authorize_expired(
    hass: HomeAssistant, central: MockConfigEntry, connect16: ConnectConformance
) -> None:
    """Expired as set, and Expired (with the date) for an Accepted tag past its expiry date."""
    cp = await _booted(hass, connect16)
    assert await _authorize(cp, "TAG-EXPIRED") == {"status": "Expired"}
    assert await _authorize(cp, "TAG-OLD") == {
        "status": "Expired",
        "expiryDate": "2020-01-01T00:00:00Z",
    }


async def test_core_authorize_invalid(
    hass: HomeAssistant, central: MockConfigEntry, connect16: ConnectConformance
) -> None:
    """Invalid as set, and Invalid for a tag that is not on the allow list."""
    cp = await _booted(hass, connect16)
    assert await _authorize(cp, "TAG-INVALID") == {"status": "Invalid"}
    assert await _authorize(cp, "STRANGER") == {"status": "Invalid"}
    # Nothing but the answers: the central system started no command of its own.
    assert [f.kind for f in cp.sent_by_central] == ["result"] * len(cp.sent_by_central)


async def test_core_start_transaction_blocked_then_deauthorized(
    hass: HomeAssistant, central: MockConfigEntry, connect16: ConnectConformance
) -> None:
    """StartTransaction.conf: a transaction id and Blocked; the charger stops it (DeAuthorized)."""
    cp = await _booted(hass, connect16)
    await cp.status(1, "Preparing")
    await cp.call(
        call.StartTransaction(
            connector_id=1, id_tag="TAG-BLOCKED", meter_start=100, timestamp=_now()
        )
    )
    (started,) = cp.results_for("StartTransaction")
    assert started["idTagInfo"] == {"status": "Blocked"}
    assert isinstance(started["transactionId"], int)
    await cp.call(
        call.StopTransaction(
            transaction_id=started["transactionId"],
            meter_stop=100,
            timestamp=_now(),
            reason="DeAuthorized",
        )
    )
    # No idTag in the request: no idTagInfo in the answer.
    assert cp.results_for("StopTransaction") == [{}]
    await hass.async_block_till_done()
    assert central.runtime_data.coordinators["CP1"].charger.connectors[1].transaction is None


async def test_core_stop_transaction_by_group_member(
    hass: HomeAssistant, central: MockConfigEntry, connect16: ConnectConformance
) -> None:
    """Bo may stop Anna's session: the same parentIdTag (FAMILY) in every answer; a neighbour's
    card gets its own group, so the charger refuses it."""
    cp = await _booted(hass, connect16)
    await cp.status(1, "Preparing")
    await cp.call(
        call.StartTransaction(connector_id=1, id_tag="TAG-ANNA", meter_start=100, timestamp=_now())
    )
    (started,) = cp.results_for("StartTransaction")
    assert started["idTagInfo"] == {
        "status": "Accepted",
        "expiryDate": "2030-01-01T00:00:00Z",
        "parentIdTag": "FAMILY",
    }
    await cp.status(1, "Charging")
    # A different card is presented: the charger asks, and compares parentIdTag with the start's.
    assert await _authorize(cp, "TAG-NEIGHBOUR") == {
        "status": "Accepted",
        "parentIdTag": "NEIGHBOURS",
    }
    assert await _authorize(cp, "TAG-BO") == {"status": "Accepted", "parentIdTag": "FAMILY"}
    await cp.call(
        call.StopTransaction(
            transaction_id=started["transactionId"],
            meter_stop=2100,
            timestamp=_now(),
            id_tag="TAG-BO",
        )
    )
    assert cp.results_for("StopTransaction") == [
        {"idTagInfo": {"status": "Accepted", "parentIdTag": "FAMILY"}}
    ]
    await hass.async_block_till_done()
    connector = central.runtime_data.coordinators["CP1"].charger.connectors[1]
    assert connector.transaction is None
    assert connector.last_session_energy_wh == 2000


async def test_core_stop_transaction_expired_mid_session(
    hass: HomeAssistant,
    central: MockConfigEntry,
    connect16: ConnectConformance,
    freezer: FrozenDateTimeFactory,
    hooked: None,
) -> None:
    """Accepted at the start; the expiry date passes during the session; the stop says Expired."""
    freezer.move_to("2026-11-25T08:00:00+00:00")
    cp = await _booted(hass, connect16)
    await hass.services.async_call(
        "ocpp_central",
        "set_id_tag",
        {"id_tag": "TAG-BO", "expiry_date": "2026-11-25T09:00:00+00:00"},
        blocking=True,
    )
    await cp.call(
        call.StartTransaction(connector_id=1, id_tag="TAG-BO", meter_start=0, timestamp=_now())
    )
    (started,) = cp.results_for("StartTransaction")
    assert started["idTagInfo"] == {
        "status": "Accepted",
        "expiryDate": "2026-11-25T09:00:00Z",
        "parentIdTag": "FAMILY",
    }
    freezer.move_to("2026-11-25T09:30:00+00:00")
    await cp.call(
        call.StopTransaction(
            transaction_id=started["transactionId"],
            meter_stop=5000,
            timestamp=_now(),
            id_tag="TAG-BO",
        )
    )
    assert cp.results_for("StopTransaction") == [
        {
            "idTagInfo": {
                "status": "Expired",
                "expiryDate": "2026-11-25T09:00:00Z",
                "parentIdTag": "FAMILY",
            }
        }
    ]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


async def test_core_authorize_group_longer_than_1_6_allows(
    hass: HomeAssistant, central: MockConfigEntry, connect16: ConnectConformance
) -> None:
    """parentIdTag is CiString20: a longer group (fine for 2.0.1) is left out, not sent invalid."""
    cp = await _booted(hass, connect16)
    await hass.services.async_call(
        "ocpp_central", "set_id_tag", {"id_tag": "TAG-BO", "group": "G" * 21}, blocking=True
    )
    assert await _authorize(cp, "TAG-BO") == {"status": "Accepted"}
