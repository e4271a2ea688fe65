"""OCPP 1.6 Local Auth List Management: Send Local List (Full, Differential), Get Local List Version.

The charger side plays the sequence diagrams of OCPP 1.6 edition 2, Local Auth List Management
profile (sections 5.10 Get Local List Version, 5.15 Send Local List, 3.5 Local Authorization List):
the central system asks the version, then sends the list; every frame it sends is checked against
the official schemas and asserted field by field. The list is built from the id tags managed in
Home Assistant (status, expiry date, parent id tag), or given by an installer.

Use cases and the tests that cover them:

- Get Local List Version: test_local_list_get_version
- Send Local List, Full update from the managed tags: test_local_list_full_update
- Send Local List, Differential update (changed, added and removed tags only, version + 1):
  test_local_list_differential_update
- Send Local List, Differential without an acknowledged list (sent as Full):
  test_local_list_differential_without_baseline_sends_full
- Send Local List, a given list and version (installer): test_local_list_given_list_and_version
- Send Local List answered VersionMismatch / Failed: retried as Full, and nothing kept when
  that is refused too: test_local_list_refused_keeps_baseline; a Differential update refused,
  the Full retry accepted: test_local_list_differential_refused_then_full
- Send Local List with a tag twice (refused before sending): test_local_list_given_list_and_version
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.storage.local_lists import LocalLists
from tests.conformance.conftest import ConnectConformance
from tests.conformance.test_tokens_v16 import FUTURE, token_subentry
from tests.helpers.conformance import Conformance16
from tests.helpers.connections import Connections, charger_url
from tests.helpers.services_common import act, device_of
from tests.helpers.subentries import charger_subentry

ANNA = {
    "idTag": "TAG-ANNA",
    "idTagInfo": {
        "status": "Accepted",
        "expiryDate": "2030-01-01T00:00:00Z",
        "parentIdTag": "FAMILY",
    },
}
BO = {"idTag": "TAG-BO", "idTagInfo": {"status": "Accepted", "parentIdTag": "FAMILY"}}
BLOCKED = {"idTag": "TAG-BLOCKED", "idTagInfo": {"status": "Blocked"}}


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


async def _booted(hass: HomeAssistant, connect16: ConnectConformance) -> Conformance16:
    cp: Conformance16 = await connect16()
    await cp.boot()
    await cp.status(0, "Available")
    await cp.status(1, "Available")
    await hass.async_block_till_done()
    cp.script.answers["GetLocalListVersion"] = {"listVersion": 0}
    return cp


def _calls(cp: Conformance16) -> list[tuple[str, dict[str, Any]]]:
    """Every CALL the central system sent, with its payload, in order."""
    return [(f.action, f.payload) for f in cp.sent_by_central if f.kind == "call"]


async def _send(hass: HomeAssistant, central: MockConfigEntry, **data: Any) -> Any:
    return await act(
        hass, "send_local_list", {"device_id": device_of(central), **data}, response=True
    )


async def test_local_list_get_version(
    hass: HomeAssistant, central: MockConfigEntry, connect16: ConnectConformance
) -> None:
    cp = await _booted(hass, connect16)
    cp.script.answers["GetLocalListVersion"] = {"listVersion": 7}
    response = await act(
        hass, "get_local_list_version", {"device_id": device_of(central)}, response=True
    )
    assert response == {"list_version": 7}
    assert _calls(cp) == [("GetLocalListVersion", {})]


async def test_local_list_full_update(
    hass: HomeAssistant, central: MockConfigEntry, connect16: ConnectConformance
) -> None:
    """GetLocalListVersion, then SendLocalList Full (version + 1) with every managed tag's info."""
    cp = await _booted(hass, connect16)
    response = await _send(hass, central)
    assert _calls(cp) == [
        ("GetLocalListVersion", {}),
        (
            "SendLocalList",
            {"listVersion": 1, "updateType": "Full", "localAuthorizationList": [ANNA, BO, BLOCKED]},
        ),
    ]
    assert response == {
        "list_version": 1,
        "update_type": "Full",
        "id_tags": ["TAG-ANNA", "TAG-BO", "TAG-BLOCKED"],
        "removed": [],
    }
    # What the charger acknowledged is on disk: a restart still knows the list and its version.
    stored = await LocalLists(hass, central.entry_id).async_get("CP1")
    assert stored is not None
    assert stored.version == 1
    assert [entry.id_tag for entry in stored.entries.values()] == [
        "TAG-ANNA",
        "TAG-BO",
        "TAG-BLOCKED",
    ]
    assert stored.entries["tag-anna"].expiry == FUTURE


async def test_local_list_differential_update(
    hass: HomeAssistant, central: MockConfigEntry, connect16: ConnectConformance
) -> None:
    """After a Full list (version 1), only the changes: Bo blocked, a new card, one removed."""
    cp = await _booted(hass, connect16)
    await _send(hass, central)
    cp.script.answers["GetLocalListVersion"] = {"listVersion": 1}
    cp.calls.clear()
    cp.sent_by_central.clear()
    await act(hass, "set_id_tag", {"id_tag": "tag-bo", "status": "Blocked"})
    await act(hass, "set_id_tag", {"id_tag": "TAG-NEW", "name": "Guest"})
    await act(hass, "remove_id_tag", {"id_tag": "TAG-BLOCKED"})
    response = await _send(hass, central, update_type="differential")
    assert _calls(cp) == [
        ("GetLocalListVersion", {}),
        (
            "SendLocalList",
            {
                "listVersion": 2,
                "updateType": "Differential",
                "localAuthorizationList": [
                    {
                        "idTag": "TAG-BO",
                        "idTagInfo": {"status": "Blocked", "parentIdTag": "FAMILY"},
                    },
                    {"idTag": "TAG-NEW", "idTagInfo": {"status": "Accepted"}},
                    {"idTag": "TAG-BLOCKED"},
                ],
            },
        ),
    ]
    assert response == {
        "list_version": 2,
        "update_type": "Differential",
        "id_tags": ["TAG-BO", "TAG-NEW"],
        "removed": ["TAG-BLOCKED"],
    }
    # Nothing changed since: the next differential update is empty, one version up.
    cp.script.answers["GetLocalListVersion"] = {"listVersion": 2}
    await _send(hass, central, update_type="differential")
    assert cp.received("SendLocalList")[-1] == {
        "listVersion": 3,
        "updateType": "Differential",
        "localAuthorizationList": [],
    }


async def test_local_list_differential_without_baseline_sends_full(
    hass: HomeAssistant, central: MockConfigEntry, connect16: ConnectConformance
) -> None:
    """No list acknowledged yet, or the charger's version moved on: the whole list, as Full."""
    cp = await _booted(hass, connect16)
    response = await _send(hass, central, update_type="differential")
    assert response["update_type"] == "Full"
    assert cp.received("SendLocalList")[-1]["updateType"] == "Full"
    cp.script.answers["GetLocalListVersion"] = {"listVersion": 5}  # someone else sent one
    response = await _send(hass, central, update_type="differential")
    assert response["update_type"] == "Full"
    assert cp.received("SendLocalList")[-1] == {
        "listVersion": 6,
        "updateType": "Full",
        "localAuthorizationList": [ANNA, BO, BLOCKED],
    }


async def test_local_list_given_list_and_version(
    hass: HomeAssistant, central: MockConfigEntry, connect16: ConnectConformance
) -> None:
    """An installer's list and version go out as given; no status: removed (Differential)."""
    cp = await _booted(hass, connect16)
    await _send(
        hass,
        central,
        list_version=40,
        entries=[
            {"id_tag": "CARD-1", "status": "Accepted", "expiry_date": "2031-05-01T12:00:00+02:00"},
            {"id_tag": "CARD-2", "group": "CREW"},
            {"id_tag": "C" * 21},  # longer than 1.6's CiString20: no 1.6 charger can present it
        ],
    )
    assert cp.received("SendLocalList")[-1] == {
        "listVersion": 40,
        "updateType": "Full",
        "localAuthorizationList": [
            {
                "idTag": "CARD-1",
                "idTagInfo": {"status": "Accepted", "expiryDate": "2031-05-01T10:00:00Z"},
            },
            {"idTag": "CARD-2", "idTagInfo": {"status": "Accepted", "parentIdTag": "CREW"}},
        ],
    }
    response = await _send(
        hass,
        central,
        update_type="differential",
        list_version=41,
        entries=[{"id_tag": "CARD-1"}, {"id_tag": "CARD-3", "status": "Blocked"}],
    )
    assert cp.received("SendLocalList")[-1] == {
        "listVersion": 41,
        "updateType": "Differential",
        "localAuthorizationList": [
            {"idTag": "CARD-1"},
            {"idTag": "CARD-3", "idTagInfo": {"status": "Blocked"}},
        ],
    }
    assert response["removed"] == ["CARD-1"]
    with pytest.raises(ServiceValidationError):
        await _send(hass, central, entries=[{"id_tag": "CARD-1"}, {"id_tag": "card-1"}])


@pytest.mark.parametrize("answer", ["VersionMismatch", "Failed"])
async def test_local_list_refused_keeps_baseline(
    hass: HomeAssistant, central: MockConfigEntry, connect16: ConnectConformance, answer: str
) -> None:
    """A refused update is an error and changes nothing: the next differential one still
    builds on the list the charger last accepted."""
    cp = await _booted(hass, connect16)
    await _send(hass, central)
    cp.script.answers["GetLocalListVersion"] = {"listVersion": 1}
    await act(hass, "remove_id_tag", {"id_tag": "TAG-BO"})
    cp.script.answers["SendLocalList"] = answer
    cp.sent_by_central.clear()
    with pytest.raises(HomeAssistantError):
        await _send(hass, central, update_type="differential")
    # The refused Differential update is retried as the full list (section 5.15), refused too.
    assert _calls(cp) == [
        ("GetLocalListVersion", {}),
        (
            "SendLocalList",
            {
                "listVersion": 2,
                "updateType": "Differential",
                "localAuthorizationList": [{"idTag": "TAG-BO"}],
            },
        ),
        (
            "SendLocalList",
            {"listVersion": 2, "updateType": "Full", "localAuthorizationList": [ANNA, BLOCKED]},
        ),
    ]
    cp.script.answers["SendLocalList"] = "Accepted"
    await _send(hass, central, update_type="differential")
    assert cp.received("SendLocalList")[-1] == {
        "listVersion": 2,
        "updateType": "Differential",
        "localAuthorizationList": [{"idTag": "TAG-BO"}],
    }


async def test_local_list_forgotten_with_the_entry(
    hass: HomeAssistant, central: MockConfigEntry, connect16: ConnectConformance
) -> None:
    """Removing the central system removes what it kept of the chargers' local lists."""
    await _booted(hass, connect16)
    await _send(hass, central)
    assert await LocalLists(hass, central.entry_id).async_get("CP1") is not None
    assert await hass.config_entries.async_remove(central.entry_id)
    assert await LocalLists(hass, central.entry_id).async_get("CP1") is None


class _RefusesDifferential(Conformance16):
    """A charger that refuses every Differential update (its list got lost, say)."""

    def _answer_payload(self, action: str, payload: dict[str, Any], word: str) -> dict[str, Any]:
        if action == "SendLocalList" and payload.get("updateType") == "Differential":
            return {"status": "Failed"}
        return super()._answer_payload(action, payload, word)


async def test_local_list_differential_refused_then_full(
    hass: HomeAssistant,
    central: MockConfigEntry,
    port: int,
    connections: Connections,
    checked_chargers: list[Any],
) -> None:
    """Differential answered Failed: the full list goes out with the same version, accepted."""
    cp = await connections.open(_RefusesDifferential, charger_url(port, "CP1"), "CP1", ["ocpp1.6"])
    checked_chargers.append(cp)
    await cp.boot()
    await cp.status(1, "Available")
    await hass.async_block_till_done()
    cp.script.answers["GetLocalListVersion"] = {"listVersion": 0}
    await _send(hass, central)
    cp.script.answers["GetLocalListVersion"] = {"listVersion": 1}
    await act(hass, "set_id_tag", {"id_tag": "TAG-BO", "status": "Blocked"})
    response = await _send(hass, central, update_type="differential")
    assert [(p["listVersion"], p["updateType"]) for p in cp.received("SendLocalList")] == [
        (1, "Full"),
        (2, "Differential"),
        (2, "Full"),
    ]
    assert response["update_type"] == "Full"
    stored = await LocalLists(hass, central.entry_id).async_get("CP1")
    assert stored is not None
    assert stored.version == 2
    assert stored.entries["tag-bo"].status == "Blocked"
