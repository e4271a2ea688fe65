"""The frame trace: a bounded ring, a detailed trace for a while, secrets and serials redacted."""

from __future__ import annotations

import json
from unittest.mock import patch

from custom_components.ocpp_central.csms.trace import (
    NORMAL_FRAMES,
    RECEIVED,
    REDACTED,
    SENT,
    FrameTrace,
    redact,
    redact_frame,
)


def test_ring_keeps_the_last_frames() -> None:
    """Only the newest NORMAL_FRAMES frames stay, oldest first, with their direction."""
    trace = FrameTrace()
    for number in range(NORMAL_FRAMES + 5):
        trace.received(f'[2,"{number}","Heartbeat",{{}}]')
    trace.sent('[3,"x",{}]')
    frames = trace.frames()
    assert len(frames) == NORMAL_FRAMES
    assert frames[0].frame == '[2,"6","Heartbeat",{}]'
    assert (frames[-1].direction, frames[-2].direction) == (SENT, RECEIVED)
    assert frames[-1].as_dict()["message_id"] == "x"


def test_detailed_trace_for_a_while() -> None:
    """A detailed trace keeps more frames until its time is up, then the newest 200 again."""
    trace = FrameTrace()
    with patch("custom_components.ocpp_central.csms.trace.time.time", return_value=1000.0):
        trace.start_detailed(60, 500)
        for number in range(400):
            trace.received(f'[2,"{number}","Heartbeat",{{}}]')
        assert len(trace.frames()) == 400
        assert trace.detailed_until is not None
    with patch("custom_components.ocpp_central.csms.trace.time.time", return_value=1061.0):
        trace.received('[2,"late","Heartbeat",{}]')
        assert trace.detailed_until is None
    frames = trace.frames()
    assert len(frames) == NORMAL_FRAMES
    assert frames[-1].frame == '[2,"late","Heartbeat",{}]'


def test_bytes_frames_are_shown_as_text() -> None:
    trace = FrameTrace()
    trace.received(b'[2,"1","Heartbeat",{}]')
    assert trace.frames()[0].as_dict()["frame"] == [2, "1", "Heartbeat", {}]


def test_redacts_passwords_settings_and_id_tags() -> None:
    """1.6 and 2.0.1 secrets, wherever they sit; everything else stays as sent."""
    frames = [
        [2, "a", "ChangeConfiguration", {"key": "AuthorizationKey", "value": "0011aabb"}],
        [2, "b", "ChangeConfiguration", {"key": "HeartbeatInterval", "value": "300"}],
        [
            3,
            "c",
            {
                "configurationKey": [
                    {"key": "AuthorizationKey", "readonly": False, "value": "0011aabb"},
                    {"key": "SecurityCtrlr/BasicAuthPassword", "value": "pw-1"},
                    {"key": "MeterValueSampleInterval", "value": "60"},
                ]
            },
        ],
        [
            2,
            "d",
            "SetVariables",
            {
                "setVariableData": [
                    {
                        "attributeValue": "pw-2",
                        "component": {"name": "SecurityCtrlr"},
                        "variable": {"name": "BasicAuthPassword"},
                    }
                ]
            },
        ],
        [2, "e", "Authorize", {"idTag": "TAG-1"}],
        [2, "f", "Authorize", {"idToken": {"idToken": "TAG-2", "type": "ISO14443"}}],
        [3, "g", {"idTagInfo": {"status": "Accepted", "parentIdTag": "TAG-3"}}],
        [2, "h", "DataTransfer", {"vendorId": "x", "data": {"wifiPassword": "pw-3"}}],
        [
            2,
            "i",
            "BootNotification",
            {"chargePointSerialNumber": "SN-1", "meterSerialNumber": "SN-2", "iccid": "8946"},
        ],
    ]
    redacted = [redact_frame(json.dumps(frame)) for frame in frames]
    text = json.dumps(redacted)
    secrets = ("0011aabb", "pw-1", "pw-2", "pw-3", "TAG-1", "TAG-2", "TAG-3", "SN-", "8946")
    for secret in secrets:
        assert secret not in text
    assert redacted[1] == frames[1]
    assert redacted[2][2]["configurationKey"][2] == {
        "key": "MeterValueSampleInterval",
        "value": "60",
    }
    assert redacted[3][3]["setVariableData"][0]["variable"] == {"name": "BasicAuthPassword"}
    assert redacted[6][2]["idTagInfo"]["status"] == "Accepted"


def test_a_frame_that_is_no_json_is_redacted_whole() -> None:
    assert redact_frame('[2,"1","Authorize",{"idTag":"TAG-1"') == REDACTED
    assert redact([1, "x", None]) == [1, "x", None]
