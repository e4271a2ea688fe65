"""Requests from the upstream: passed to the charger, answered by us, or refused, per the policy.

Whatever the policy, nothing that would cut Home Assistant off the charger (its central system URL,
security profile, AuthorizationKey / BasicAuthPassword, network profiles) reaches the charger.
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.upstreams import CONF_UPSTREAM_COMMANDS
from tests.helpers.connections import ConnectAnyFn
from tests.helpers.upstream_csms import UpstreamCsms
from tests.helpers.waiting import wait_for
from tests.upstream.conftest import linked

VERSIONS = pytest.mark.parametrize("charger_version", ["1.6", "2.0.1"])
# Per version: a remote start, a reset, and a change that would cut us off.
REMOTE_START = {
    "1.6": ("RemoteStartTransaction", {"connectorId": 1, "idTag": "EMPLOYER"}),
    "2.0.1": (
        "RequestStartTransaction",
        {"evseId": 1, "remoteStartId": 7, "idToken": {"idToken": "EMPLOYER", "type": "Central"}},
    ),
}
RESET = {"1.6": ("Reset", {"type": "Soft"}), "2.0.1": ("Reset", {"type": "OnIdle"})}


async def ready(central: MockConfigEntry, upstream: UpstreamCsms, connect: ConnectAnyFn) -> Any:
    """The charger connected and booted, its link up and known to the upstream."""
    await linked(central)
    cp = await connect("CP1")
    await cp.boot()
    await wait_for(lambda: "CP1" in upstream.stations)
    cp.calls.clear()
    return cp


@VERSIONS
async def test_allowed_requests_reach_the_charger(
    hass: HomeAssistant,
    central: MockConfigEntry,
    upstream: UpstreamCsms,
    connect_charger: ConnectAnyFn,
    charger_version: str,
) -> None:
    """Allow: the charger gets the request as sent, the upstream the charger's own answer."""
    cp = await ready(central, upstream, connect_charger)
    cp.script.answers["Reset"] = "Rejected"
    for action, payload in (REMOTE_START[charger_version], RESET[charger_version]):
        frame = await upstream.send("CP1", action, payload)
        assert cp.received(action) == [payload]
        assert frame[0] == 3
    assert frame[2] == {"status": "Rejected"}  # the charger's word, not ours


@VERSIONS
@pytest.mark.parametrize(
    ("policy", "answer"), [("local", {"status": "Accepted"}), ("refuse", {"status": "Rejected"})]
)
async def test_local_and_refused_requests_leave_the_charger_alone(
    hass: HomeAssistant,
    central: MockConfigEntry,
    upstream: UpstreamCsms,
    connect_charger: ConnectAnyFn,
    charger_version: str,
    policy: str,
    answer: dict[str, Any],
) -> None:
    """Answer locally (as if accepted) or refuse: either way the charger hears nothing."""
    subentry = next(iter(central.subentries.values()))
    hass.config_entries.async_update_subentry(
        central, subentry, data={**subentry.data, CONF_UPSTREAM_COMMANDS: policy}
    )
    await hass.async_block_till_done()  # the link restarts with the new policy
    cp = await ready(central, upstream, connect_charger)
    action, payload = REMOTE_START[charger_version]
    frame = await upstream.send("CP1", action, payload)
    assert frame[2] == answer
    assert cp.received(action) == []


CUT_OFF_16 = [
    ("ChangeConfiguration", {"key": "AuthorizationKey", "value": "0123456789abcdef"}),
    ("ChangeConfiguration", {"key": "SecurityProfile", "value": "0"}),
    ("ChangeConfiguration", {"key": "CentralSystemURL", "value": "ws://elsewhere/"}),
]
CUT_OFF_201 = [
    (
        "SetVariables",
        {
            "setVariableData": [
                {
                    "attributeValue": "0123456789abcdef",
                    "component": {"name": "SecurityCtrlr"},
                    "variable": {"name": "BasicAuthPassword"},
                }
            ]
        },
    ),
    (
        "SetVariables",
        {
            "setVariableData": [
                {
                    "attributeValue": "1",
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "NetworkConfigurationPriority"},
                }
            ]
        },
    ),
    (
        "SetNetworkProfile",
        {
            "configurationSlot": 1,
            "connectionData": {
                "ocppVersion": "OCPP20",
                "ocppTransport": "JSON",
                "ocppCsmsUrl": "wss://elsewhere/",
                "messageTimeout": 30,
                "securityProfile": 1,
                "ocppInterface": "Wired0",
            },
        },
    ),
]


@VERSIONS
async def test_changes_that_would_cut_us_off_are_always_refused(
    hass: HomeAssistant,
    central: MockConfigEntry,
    upstream: UpstreamCsms,
    connect_charger: ConnectAnyFn,
    charger_version: str,
) -> None:
    """Even with every request allowed: the URL, security profile and passwords stay ours."""
    cp = await ready(central, upstream, connect_charger)
    for action, payload in CUT_OFF_16 if charger_version == "1.6" else CUT_OFF_201:
        frame = await upstream.send("CP1", action, payload)
        assert frame[0] == 3
        status = (frame[2].get("setVariableResult") or [frame[2]])[0]
        assert status.get("status", status.get("attributeStatus")) == "Rejected"
    assert [c for c in cp.calls if c.action in {a for a, _ in CUT_OFF_16 + CUT_OFF_201}] == []
    # Harmless changes still go through.
    harmless = (
        ("ChangeConfiguration", {"key": "MeterValueSampleInterval", "value": "60"})
        if charger_version == "1.6"
        else (
            "SetVariables",
            {
                "setVariableData": [
                    {
                        "attributeValue": "60",
                        "component": {"name": "SampledDataCtrlr"},
                        "variable": {"name": "TxUpdatedInterval"},
                    }
                ]
            },
        )
    )
    await upstream.send("CP1", *harmless)
    assert cp.received(harmless[0]) == [harmless[1]]


async def test_the_upstreams_transaction_id_reaches_the_charger_as_ours(
    hass: HomeAssistant,
    central: MockConfigEntry,
    upstream: UpstreamCsms,
    connect_charger: ConnectAnyFn,
) -> None:
    """1.6 RemoteStopTransaction of the upstream's id 9001 stops our transaction."""
    cp = await ready(central, upstream, connect_charger)
    ours = await cp.start_transaction(1, "TAG", 0, "2026-12-01T08:00:00Z")
    link = central.runtime_data.upstreams.link("CP1")
    await wait_for(lambda: link.queue.transaction_ids)
    await upstream.send("CP1", "RemoteStopTransaction", {"transactionId": 9001})
    assert cp.received("RemoteStopTransaction") == [{"transactionId": ours}]


async def test_a_request_for_an_offline_charger_gets_an_error(
    hass: HomeAssistant,
    central: MockConfigEntry,
    upstream: UpstreamCsms,
    connect_charger: ConnectAnyFn,
) -> None:
    """The charger went away: the upstream hears so (CALLERROR), nothing hangs."""
    await linked(central)
    await wait_for(lambda: "CP1" in upstream.stations)
    frame = await upstream.send("CP1", "Reset", {"type": "Soft"})
    assert frame[0] == 4
    assert frame[2] == "GenericError"


@VERSIONS
@pytest.mark.parametrize(
    "upstream_extra",
    [{"upstream_local_actions": ["unlock"], "upstream_refused_actions": ["reset"]}],
)
async def test_a_policy_per_kind_of_request(
    hass: HomeAssistant,
    central: MockConfigEntry,
    upstream: UpstreamCsms,
    connect_charger: ConnectAnyFn,
    charger_version: str,
) -> None:
    """Remote start passes, unlock is answered by us, reset refused: each kind its own policy."""
    cp = await ready(central, upstream, connect_charger)
    unlock = {"connectorId": 1} if charger_version == "1.6" else {"evseId": 1, "connectorId": 1}
    assert (await upstream.send("CP1", "UnlockConnector", unlock))[2] == {"status": "Unlocked"}
    assert (await upstream.send("CP1", *RESET[charger_version]))[2] == {"status": "Rejected"}
    await upstream.send("CP1", *REMOTE_START[charger_version])
    assert [c.action for c in cp.calls if c.action in {"UnlockConnector", "Reset"}] == []
    assert cp.received(REMOTE_START[charger_version][0]) == [REMOTE_START[charger_version][1]]
