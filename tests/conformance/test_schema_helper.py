"""The schema-checking helper itself: it must catch what it promises to catch."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from tests.helpers.conformance import Conformance16, assert_valid, validate


def test_validate_finds_violations() -> None:
    assert validate("1.6", "Authorize", {"idTag": "A"}) == []
    assert validate("1.6", "AuthorizeResponse", {}) != []  # no such schema
    assert validate("1.6", "Authorize", {"idTag": "A" * 21})  # idTag is CiString20
    assert validate("1.6", "Authorize", {"idTag": "A", "extra": 1})  # additionalProperties
    bad_time = {"idTagInfo": {"status": "Accepted", "expiryDate": "2026-12-01T10:00:00"}}
    assert validate("1.6", "Authorize", bad_time, "response")
    good_time = {"idTagInfo": {"status": "Accepted", "expiryDate": "2026-12-01T10:00:00Z"}}
    assert validate("1.6", "Authorize", good_time, "response") == []
    assert validate("2.0.1", "Authorize", {"idTokenInfo": {"status": "Nope"}}, "response")
    assert validate("9.9", "Authorize", {}) == ["no schemas for OCPP 9.9"]
    assert_valid("2.0.1", "GetLocalListVersion", {})


async def test_frames_recorded_and_checked(
    hass: HomeAssistant, central: MockConfigEntry, connect16: object
) -> None:
    cp: Conformance16 = await connect16()  # type: ignore[operator]
    await cp.boot()
    assert await cp.authorize("TAG-1") == "Accepted"
    assert cp.results_for("BootNotification")[0]["status"] == "Accepted"
    assert cp.results_for("Authorize") == [{"idTagInfo": {"status": "Accepted"}}]
    cp.assert_conformant()
    # A broken frame is reported, not swallowed.
    cp._check_frame('[3, "nobody-asked", {}]')
    cp._check_frame("not json")
    assert len(cp.violations) == 2
    cp.violations.clear()


async def test_frames_recorded_and_checked_201(
    hass: HomeAssistant, central: MockConfigEntry, connect201: object
) -> None:
    cp = await connect201()  # type: ignore[operator]
    await cp.boot()
    assert cp.results_for("BootNotification")[0]["status"] == "Accepted"
    cp._check_frame('[2, "x", "Authorize", {"idToken": {"idToken": "A"}}]')
    assert cp.violations == ["Authorize request: idToken: 'type' is a required property"]
    cp.violations.clear()
