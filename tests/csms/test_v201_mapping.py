"""OCPP 2.0.1 payload mapping, checked with the library's own validators: profiles and variable keys."""

from __future__ import annotations

from ocpp.charge_point import snake_to_camel_case
from ocpp.messages import Call, _validate_payload
import pytest

from custom_components.ocpp_central.csms.commands import ConfigurationEntry, SchedulePeriod
from custom_components.ocpp_central.csms.protocol.v201_commands import charging_profile_201
from custom_components.ocpp_central.csms.protocol.v201_variables import (
    VariableAddress,
    parse_key,
    report_entries,
)
from tests.csms.commands_v201_cases import TX_PROFILE, profile


@pytest.mark.parametrize("version", ["2.0.1", "2.1"])
def test_profile_mapping_is_schema_valid(version: str) -> None:
    """Every purpose and kind, limits at 0.01 resolution: one schedule whose id is the profile's."""
    for case in (
        profile(),
        TX_PROFILE,
        profile(start=None),
        profile(periods=(SchedulePeriod(0, 6.25),)),
    ):
        mapped = charging_profile_201(case)
        assert [s["id"] for s in mapped["charging_schedule"]] == [case.profile_id]
        payload = snake_to_camel_case({"evse_id": case.connector_id, "charging_profile": mapped})
        _validate_payload(Call("1", "SetChargingProfile", payload), version)
    assert (
        charging_profile_201(profile(periods=(SchedulePeriod(0, 6.25),)))["charging_schedule"][0][
            "charging_schedule_period"
        ][0]["limit"]
        == 6.2
    )
    assert "transaction_id" not in charging_profile_201(TX_PROFILE, with_transaction=False)


def test_variable_keys_round_trip() -> None:
    """Keys parse to addresses and back."""
    for key in (
        "A/B",
        "A[i]/B",
        "A@1/B",
        "A[i]@1.2/B[j]",
        "SmartChargingCtrlr/Entries[ChargingProfiles]",
    ):
        address = parse_key(key)
        assert address is not None
        assert address.key == key
    assert parse_key("HeartbeatInterval").key == "OCPPCommCtrlr/HeartbeatInterval"  # type: ignore[union-attr]
    assert parse_key("NumberOfConnectors") is None
    for bad in ("A/", "/B", "A@x/B", "A[/B"):
        with pytest.raises(ValueError, match=r"no 2\.0\.1 variable"):
            parse_key(bad)


def test_report_entries_skip_garbage() -> None:
    """Unreadable report items and attributes other than Actual are left out."""

    good = {"component": {"name": "C"}, "variable": {"name": "V"}}
    entries = report_entries(
        [
            "junk",
            {"component": "C", "variable": {"name": "V"}, "variable_attribute": []},
            {**good, "variable_attribute": "junk"},
            {
                **good,
                "variable_attribute": ["junk", {"type": "Target", "value": "1"}, {"value": "2"}],
            },
        ]
    )
    assert entries == [ConfigurationEntry("C/V", "2", False)]
    assert VariableAddress.from_message({"name": 1}, {"name": "V"}) is None
