"""OCPP 2.0.1 block D, Local Authorization List Management: D01 Send, D02 Get Local List Version.

The station side plays the sequence diagrams of OCPP 2.0.1 Part 2 (D01 Send Local Authorization
List, Full and Differential; D02 Get Local List Version); every frame the central system sends
is checked against the official schemas and asserted field by field. Tokens carry their type as
the station showed them (ISO14443 after an Authorize), else Central; groupIdToken likewise.

Use cases and the tests that cover them:

- D01, SendLocalListRequest updateType Full from the managed tokens: test_d01_send_full_list
- D01, SendLocalListRequest updateType Differential (changed, added, removed without
  idTokenInfo, versionNumber + 1): test_d01_send_differential_list
- D01, a given list and version (installer), Differential removal: test_d01_send_given_list
- D01, answered VersionMismatch: test_d01_version_mismatch
- D02, GetLocalListVersionRequest: test_d02_get_local_list_version
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.conformance.conftest import ConnectConformance
from tests.conformance.test_tokens_v16 import FUTURE, token_subentry
from tests.helpers.conformance import Conformance201
from tests.helpers.services_common import act, device_of
from tests.helpers.subentries import charger_subentry

FAMILY = {"idToken": "FAMILY", "type": "Central"}
ANNA = {
    "idToken": {"idToken": "TAG-ANNA", "type": "ISO14443"},
    "idTokenInfo": {
        "status": "Accepted",
        "cacheExpiryDateTime": "2030-01-01T00:00:00Z",
        "groupIdToken": FAMILY,
    },
}
BO = {
    "idToken": {"idToken": "TAG-BO", "type": "Central"},
    "idTokenInfo": {"status": "Accepted", "groupIdToken": FAMILY},
}
BLOCKED = {
    "idToken": {"idToken": "TAG-BLOCKED", "type": "Central"},
    "idTokenInfo": {"status": "Blocked"},
}


@pytest.fixture
def subentries() -> list[ConfigSubentryData]:
    return [
        charger_subentry("CP1"),
        token_subentry("TAG-ANNA", expiry=FUTURE, group="FAMILY", name="Anna"),
        token_subentry("TAG-BO", group="FAMILY", name="Bo"),
        token_subentry("TAG-BLOCKED", "Blocked"),
    ]


@pytest.fixture(autouse=True)
def quiet() -> Generator[None]:
    """No entity platforms; the engine's boot-time reads stay out of the sequences."""
    with (
        patch("custom_components.ocpp_central.PLATFORMS", []),
        patch("custom_components.ocpp_central.charging.engine.SmartCharging.settle_s", 3600),
    ):
        yield


async def _booted(hass: HomeAssistant, connect201: ConnectConformance) -> Conformance201:
    """A booted station that has shown Anna's card (so it is known as an ISO14443 token)."""
    cp: Conformance201 = await connect201()
    await cp.boot()
    await cp.status(1, "Available")
    assert await cp.authorize("TAG-ANNA") == "Accepted"
    await hass.async_block_till_done()
    cp.script.answers["GetLocalListVersion"] = {"versionNumber": 0}
    return cp


def _calls(cp: Conformance201) -> list[tuple[str, dict[str, Any]]]:
    return [(f.action, f.payload) for f in cp.sent_by_central if f.kind == "call"]


async def _send(hass: HomeAssistant, central: MockConfigEntry, **data: Any) -> Any:
    return await act(
        hass, "send_local_list", {"device_id": device_of(central), **data}, response=True
    )


async def test_d02_get_local_list_version(
    hass: HomeAssistant, central: MockConfigEntry, connect201: ConnectConformance
) -> None:
    cp = await _booted(hass, connect201)
    cp.script.answers["GetLocalListVersion"] = {"versionNumber": 12}
    response = await act(
        hass, "get_local_list_version", {"device_id": device_of(central)}, response=True
    )
    assert response == {"list_version": 12}
    assert _calls(cp) == [("GetLocalListVersion", {})]


async def test_d01_send_full_list(
    hass: HomeAssistant, central: MockConfigEntry, connect201: ConnectConformance
) -> None:
    cp = await _booted(hass, connect201)
    response = await _send(hass, central)
    assert _calls(cp) == [
        ("GetLocalListVersion", {}),
        (
            "SendLocalList",
            {
                "versionNumber": 1,
                "updateType": "Full",
                "localAuthorizationList": [ANNA, BO, BLOCKED],
            },
        ),
    ]
    assert response["list_version"] == 1


async def test_d01_send_differential_list(
    hass: HomeAssistant, central: MockConfigEntry, connect201: ConnectConformance
) -> None:
    cp = await _booted(hass, connect201)
    await _send(hass, central)
    cp.script.answers["GetLocalListVersion"] = {"versionNumber": 1}
    cp.sent_by_central.clear()
    await act(
        hass,
        "set_id_tag",
        {"id_tag": "TAG-ANNA", "expiry_date": None, "group": "", "status": "Expired"},
    )
    await act(hass, "remove_id_tag", {"id_tag": "tag-blocked"})
    response = await _send(hass, central, update_type="differential")
    assert _calls(cp) == [
        ("GetLocalListVersion", {}),
        (
            "SendLocalList",
            {
                "versionNumber": 2,
                "updateType": "Differential",
                "localAuthorizationList": [
                    {"idToken": ANNA["idToken"], "idTokenInfo": {"status": "Expired"}},
                    {"idToken": BLOCKED["idToken"]},
                ],
            },
        ),
    ]
    assert response == {
        "list_version": 2,
        "update_type": "Differential",
        "id_tags": ["TAG-ANNA"],
        "removed": ["TAG-BLOCKED"],
    }


async def test_d01_send_given_list(
    hass: HomeAssistant, central: MockConfigEntry, connect201: ConnectConformance
) -> None:
    cp = await _booted(hass, connect201)
    await _send(
        hass,
        central,
        update_type="differential",
        list_version=9,
        entries=[{"id_tag": "TAG-ANNA"}, {"id_tag": "CARD-9", "status": "Invalid"}],
    )
    assert cp.received("SendLocalList")[-1] == {
        "versionNumber": 9,
        "updateType": "Differential",
        "localAuthorizationList": [
            {"idToken": ANNA["idToken"]},
            {
                "idToken": {"idToken": "CARD-9", "type": "Central"},
                "idTokenInfo": {"status": "Invalid"},
            },
        ],
    }


async def test_d01_version_mismatch(
    hass: HomeAssistant, central: MockConfigEntry, connect201: ConnectConformance
) -> None:
    cp = await _booted(hass, connect201)
    cp.script.answers["SendLocalList"] = "VersionMismatch"
    with pytest.raises(HomeAssistantError) as excinfo:
        await _send(hass, central)
    assert excinfo.value.translation_placeholders["detail"] == "VersionMismatch"
    # Nothing was acknowledged: a differential update is sent as Full.
    cp.script.answers["SendLocalList"] = "Accepted"
    assert (await _send(hass, central, update_type="differential"))["update_type"] == "Full"
