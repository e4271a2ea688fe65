"""The upstream core on its own: the queue file, the policy rules, profile limits, the link's choices."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
import json
from pathlib import Path
from typing import Any

import pytest

from custom_components.ocpp_central.csms.upstream import (
    Policy,
    ProfilePolicy,
    UpstreamConfig,
    UpstreamLink,
    queue as queue_module,
    url_problem,
)
from custom_components.ocpp_central.csms.upstream.policy import (
    decide,
    local_answer,
    profile_cap,
    protected_name,
    refusal,
)
from custom_components.ocpp_central.csms.upstream.queue import JsonLinesFile, UpstreamQueue


class MemoryFile:
    """A QueueWriter in memory, for the queue's own rules."""

    def __init__(self, lines: list[str] | None = None) -> None:
        self.lines = list(lines or [])

    async def append(self, lines: list[str]) -> None:
        self.lines.extend(lines)

    async def read(self) -> list[str]:
        return list(self.lines)

    async def replace(self, lines: list[str]) -> None:
        self.lines = list(lines)


async def test_the_queue_reads_back_only_what_was_not_answered() -> None:
    """Answered messages, a line cut short and junk are skipped; order and id mappings kept."""
    file = MemoryFile(
        [
            json.dumps({"n": 1, "action": "StatusNotification", "payload": {"a": 1}}),
            json.dumps(
                {
                    "n": 2,
                    "action": "StartTransaction",
                    "payload": {"b": 2},
                    "answer": {"transactionId": 5},
                }
            ),
            json.dumps({"ack": 1}),
            json.dumps({"map": [4, 9004]}),
            "[1, 2]",
            '{"n": 3, "action": "Stop',
        ]
    )
    queue = UpstreamQueue(file, limit=10)
    await queue.async_load()
    assert [(item.number, item.action) for item in queue.items] == [(2, "StartTransaction")]
    assert queue.transaction_ids == {"4": 9004}
    item = await queue.put("StopTransaction", {"transactionId": 5}, {}, durable=True)
    assert item.number == 3
    await queue.done(queue.items[0], mapping=(5, 9005))
    await queue.done(item)
    await queue.save_caps([[1, 77, 10.0]])
    reread = UpstreamQueue(file, limit=10)
    await reread.async_load()
    assert len(reread) == 0
    assert reread.transaction_ids == {"4": 9004, "5": 9005}
    assert reread.caps == [[1, 77, 10.0]]


async def test_the_queue_file_is_rewritten_once_all_is_answered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(queue_module, "REWRITE_AFTER", 3)
    file = MemoryFile()
    queue = UpstreamQueue(file, limit=2)
    queue.caps = [[0, 1, 6.0]]
    for n in range(3):
        item = await queue.put("StatusNotification", {"n": n}, {}, durable=True)
        assert not queue.full()
        await queue.done(item, mapping=(n, 100 + n) if n == 0 else None)
    assert file.lines == [
        json.dumps({"map": ["0", 100]}, separators=(",", ":")),
        json.dumps({"caps": [[0, 1, 6.0]]}, separators=(",", ":")),
    ]
    volatile = await queue.put("Heartbeat", {}, {}, durable=False)
    await queue.put("StatusNotification", {}, {}, durable=True)
    await queue.put("StatusNotification", {}, {}, durable=True)
    assert queue.full()
    assert queue.drop_volatile() == 1
    await queue.done(volatile)  # already gone: nothing happens
    assert len(queue) == 2


async def test_the_queue_file_on_disk(tmp_path: Path) -> None:
    """Appended and synced, read back, replaced whole; a missing file reads as empty."""
    path = tmp_path / "sub" / "CP1.jsonl"
    file = JsonLinesFile(path)
    assert await file.read() == []
    await file.append(["a", "b"])
    await file.replace(["c"])
    assert path.read_text() == "c\n"

    async def run(fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, fn, *args)

    assert await JsonLinesFile(path, run).read() == ["c"]


def test_urls_and_identities() -> None:
    assert url_problem("wss://backend.example/ocpp/") is None
    assert url_problem("https://backend.example/") == "invalid_upstream_url"
    assert url_problem("ws://") == "invalid_upstream_url"
    assert url_problem("ws://[::1") == "invalid_upstream_url"
    config = UpstreamConfig(url="ws://b/ocpp/", identity="CP 1/x", actions={"Reset": Policy.REFUSE})
    assert config.endpoint == "ws://b/ocpp/CP%201%2Fx"
    assert (config.policy("Reset"), config.policy("UnlockConnector")) == (
        Policy.REFUSE,
        Policy.ALLOW,
    )


@pytest.mark.parametrize(
    ("name", "protected"),
    [
        ("AuthorizationKey", True),
        ("BasicAuthPassword", True),
        ("SecurityProfile", True),
        ("CentralSystemURL", True),
        ("ocpp_server_url", True),
        ("HeartbeatInterval", False),
        ("MeterValueSampleInterval", False),
        (None, False),
    ],
)
def test_protected_names(name: Any, protected: bool) -> None:
    assert protected_name(name) is protected


def test_local_answers_and_refusals() -> None:
    """Answers shaped as the charger's would be: without a status word, a CALLERROR refuses."""
    assert local_answer("GetConfiguration", {"key": ["A"]}) == {
        "configurationKey": [],
        "unknownKey": ["A"],
    }
    assert local_answer("UnlockConnector", {}) == {"status": "Unlocked"}
    variables = {"getVariableData": [{"component": {"name": "C"}, "variable": {"name": "V"}}, 1]}
    assert local_answer("GetVariables", variables)["getVariableResult"] == [
        {
            "attributeStatus": "UnknownVariable",
            "component": {"name": "C"},
            "variable": {"name": "V"},
        }
    ]
    assert refusal("GetConfiguration", {}).error == "SecurityError"
    assert refusal("GetVariables", {}).error == "SecurityError"
    config = UpstreamConfig(url="ws://b/", identity="CP1", commands=Policy.LOCAL)
    assert decide(config, "Reset", {}).answer == {"status": "Accepted"}
    assert decide(config, "InstallCertificate", {}).answer == {"status": "Rejected"}
    odd = {"setVariableData": ["junk", {"component": {"name": "SecurityCtrlr"}, "variable": {}}]}
    assert decide(config, "SetVariables", odd).answer == {
        "setVariableResult": [
            {"attributeStatus": "Rejected", "component": {"name": "SecurityCtrlr"}, "variable": {}}
        ]
    }


def test_profile_limits_in_force() -> None:
    """The period in force now; watts per phase at 230 V; a bad connector is the station."""
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    schedule = {
        "chargingRateUnit": "W",
        "startSchedule": (now - timedelta(hours=1)).isoformat(),
        "chargingSchedulePeriod": [
            {"startPeriod": 0, "limit": 11040},
            {"startPeriod": 1800, "limit": 6900, "numberPhases": 1},
            {"startPeriod": 7200, "limit": 0},
            {"startPeriod": "x", "limit": 1},
        ],
    }
    cap = profile_cap(
        {"connectorId": -1, "csChargingProfiles": {"chargingSchedule": schedule}}, now
    )
    assert cap == (0, 30.0)
    naive = {**schedule, "startSchedule": "2026-12-01T13:00:00"}  # not begun: its first period
    assert profile_cap({"evseId": 2, "chargingProfile": {"chargingSchedule": [naive]}}, now) == (
        2,
        16.0,
    )
    garbled = {**schedule, "startSchedule": "noon"}
    assert profile_cap({"connectorId": 1, "csChargingProfiles": {"chargingSchedule": garbled}}, now)
    assert profile_cap({"connectorId": 1, "csChargingProfiles": {}}, now) is None
    empty = {"chargingSchedulePeriod": []}
    assert profile_cap({"evseId": 1, "chargingProfile": {"chargingSchedule": [empty]}}, now) is None


async def test_the_link_without_a_connection() -> None:
    """Nothing connected: volatile messages dropped, a full queue reported, other versions dropped."""
    full: list[bool] = []
    version = "ocpp2.0.1"
    link = UpstreamLink(
        UpstreamConfig(url="ws://b/", identity="CP1", queue_limit=1),
        on_full=lambda: full.append(True),
        charger_version=lambda: version,
    )
    await link.forward("StatusNotification", {}, {})
    assert link.dropped == 1  # the charger speaks 2.0.1, the upstream 1.6
    version = "ocpp1.6"
    await link.forward("Heartbeat", {}, {})
    await link.forward("StatusNotification", {}, {})
    await link.forward("StatusNotification", {}, {})
    assert (link.dropped, len(link.queue), link.refused_full, full) == (2, 1, 1, [True])
    assert link.verdict("TAG") is None
    await link.before("Authorize", {"idTag": "TAG"})  # local mode: nothing asked
    assert len(link.queue) == 1


async def test_the_links_answers_to_profile_requests() -> None:
    caps: list[tuple[int, float | None]] = []
    link = UpstreamLink(
        UpstreamConfig(url="ws://b/", identity="CP1"), on_cap=lambda n, a: caps.append((n, a))
    )
    reply = await link._reply("1", "GetChargingProfiles", {})
    assert reply == [3, "1", {"status": "NoProfiles"}]
    assert (await link._reply("2", "GetCompositeSchedule", {}))[2] == {"status": "Rejected"}
    assert (await link._reply("3", "ClearChargingProfile", {"id": 5}))[2] == {"status": "Unknown"}
    assert (await link._reply("4", "SetChargingProfile", {"connectorId": 1}))[2] == {
        "status": "Rejected"
    }
    assert (await link._reply("5", "Reset", {"type": "Soft"}))[:3] == [4, "5", "GenericError"]
    refusing = UpstreamLink(
        UpstreamConfig(url="ws://b/", identity="CP1", profiles=ProfilePolicy.REFUSE)
    )
    assert (await refusing._reply("6", "ClearChargingProfile", {}))[2] == {"status": "Unknown"}
    assert caps == []
