"""A structure-aware fuzzer of what chargers send, and the bounds no entity may leave.

FrameFuzzer(version, seed) yields frames of every charger-initiated action of OCPP 1.6 or 2.0.1:
a realistic payload (a register that counts up, clocks that move on), then a few mutations of it
(wrong types, huge integers, NaN and infinity, negatives, deep nesting, missing and extra fields,
wrong shapes, odd Unicode) and now and then of the frame itself. Seeded: the same seed gives the
same frames. Used by tests/csms/test_fuzz.py (a few hundred frames) and bench/faults.py (100,000).

bogus_state() tells whether an entity's state is one no charger may cause (power below zero, a
state of charge outside 0-100 %, a number that is not finite, a lifetime energy that went down).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
import copy
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import json
import math
import random
from typing import Any

import websockets
from websockets.typing import Subprotocol

type Json = Any
type Template = Callable[[], dict[str, Json]]

# Raw JSON text put in place of a marker string after json.dumps (what json.dumps cannot write).
_RAW_TOKENS = {
    "digits": "9" * 5000,  # beyond Python's int-from-text digit limit
    "overflow": "1" + "0" * 400,  # an int no float holds
    "nan": "NaN",
    "infinity": "Infinity",
    "minus_infinity": "-Infinity",
    "float_overflow": "1e400",
    "surrogate": '"\\ud800 lone"',
    "deep_list": "[" * 10_000 + "]" * 10_000,
    "deep_object": '{"a":' * 10_000 + "1" + "}" * 10_000,
}
_WRONG_TYPES: tuple[Json, ...] = (True, None, 0, -1, 1.5, "x", "", [], {}, [1, 2], {"a": 1})
_NON_FINITE_TEXT = ("NaN", "nan", "inf", "-inf", "Infinity", "-Infinity", "1e999", "-1e999")
_NUMBERS: tuple[Json, ...] = (
    -1,
    -1e9,
    -0.0,
    2**31,
    2**63 - 1,
    2**64,
    10**30,
    1e308,
    5e-324,
    -(2**63),
    0,
)
_TEXTS: tuple[str, ...] = (
    "😀🔌⚡",
    "\u202eRTL text",
    "zero\u200bwidth",
    "e\u0301\u0301\u0301",
    "nul\x00byte",
    "Ω" * 300,
    "x" * 10_000,
    "-5000",
    "250",
    "1e9",
    " 42 ",
)
_EXTRA_KEYS = ("self", "", "__class__", "extra", "ключ", "kwargs", "timestamp", "connectorId")
_MEASURANDS = (
    "Energy.Active.Import.Register",
    "Power.Active.Import",
    "Current.Import",
    "Current.Offered",
    "Power.Offered",
    "Voltage",
    "SoC",
    "Temperature",
    "Frequency",
)


@dataclass(frozen=True, slots=True)
class Frame:
    """One frame as sent, what was done to it, and the message id its answer must carry."""

    text: str | bytes
    action: str
    mutations: tuple[str, ...]
    # The CALL's message id when its head is intact (an answer must come), else None.
    answer_id: str | None


class FrameFuzzer:
    """Frames of one OCPP version, mutated, from one seed."""

    def __init__(self, version: str, seed: int, *, started: datetime | None = None) -> None:
        """version: "1.6" or "2.0.1"."""
        self.version = version
        self.random = random.Random(f"{version}/{seed}")
        self.clock = started or datetime.now(UTC) - timedelta(days=1)
        self.register_wh = 1000.0
        self.count = 0
        self._raw: dict[str, str] = {}
        templates = _Templates16(self) if version == "1.6" else _Templates201(self)
        self.templates: dict[str, Template] = templates.all()

    def frames(self, count: int) -> Iterator[Frame]:
        """Yield count frames."""
        for _ in range(count):
            yield self.frame()

    def frame(self) -> Frame:
        """Return the next frame."""
        self.count += 1
        self._raw = {}
        rnd = self.random
        action = rnd.choice(sorted(self.templates))
        payload: Json = self.templates[action]()
        mutations: list[str] = []
        for _ in range(rnd.choice((0, 1, 1, 1, 2, 2, 3))):
            payload, what = self._mutate(payload)
            mutations.append(what)
        unique_id = f"f{self.count}"
        message: list[Json] = [2, unique_id, action, payload]
        answer_id: str | None = unique_id
        if rnd.random() < 0.06:
            message, answer_id, what = self._mutate_frame(message)
            mutations.append(what)
        text = json.dumps(message, ensure_ascii=rnd.random() < 0.5)
        for marker, raw in self._raw.items():
            text = text.replace(json.dumps(marker), raw)
        head = len(f'[2, "{unique_id}", ')
        if answer_id is not None and len(text) > head + 1 and rnd.random() < 0.02:
            text = text[: rnd.randrange(head, len(text))]
            mutations.append("truncated")
        if rnd.random() < 0.02:
            return Frame(text.encode(), action, (*mutations, "binary"), answer_id)
        return Frame(text, action, tuple(mutations), answer_id)

    # --- what realistic payloads are made of ------------------------------------------

    def tick(self) -> str:
        """Return the next timestamp (ten seconds on) as OCPP writes it."""
        self.clock += timedelta(seconds=10)
        return self.clock.isoformat(timespec="seconds").replace("+00:00", "Z")

    def energy(self) -> float:
        """Return the register's next reading (Wh): it counts up, as a charging car's does."""
        self.register_wh += self.random.choice((0.0, 5.0, 20.0, 60.0))
        return self.register_wh

    def measurand(self) -> tuple[str, float, str]:
        """Return a measurand, a plausible value and its unit."""
        name = self.random.choice(_MEASURANDS)
        value, unit = {
            "Energy.Active.Import.Register": (self.energy(), "Wh"),
            "Power.Active.Import": (self.random.uniform(0, 11000), "W"),
            "Current.Import": (self.random.uniform(0, 16), "A"),
            "Current.Offered": (16.0, "A"),
            "Power.Offered": (11000.0, "W"),
            "Voltage": (self.random.uniform(220, 240), "V"),
            "SoC": (self.random.uniform(0, 100), "Percent"),
            "Temperature": (self.random.uniform(10, 40), "Celsius"),
            "Frequency": (50.0, "Hz"),
        }[name]
        return name, round(value, 2), unit

    def pick(self, *choices: Json) -> Json:
        """Return one of the choices."""
        return self.random.choice(choices)

    # --- mutations ----------------------------------------------------------------

    def _raw_marker(self, token: str) -> str:
        marker = f"@@raw{len(self._raw)}-{token}@@"
        self._raw[marker] = _RAW_TOKENS[token]
        return marker

    def _wrong_type(self) -> Json:
        """Return a value of some JSON type, never one shared with another frame."""
        return copy.deepcopy(self.random.choice(_WRONG_TYPES))

    def _mutate(self, payload: Json) -> tuple[Json, str]:
        """Apply one mutation somewhere in the payload; return it and what was done."""
        rnd = self.random
        paths = list(_paths(payload))
        path = rnd.choice(paths)
        kind = rnd.choice(
            (
                "type",
                "huge",
                "non_finite",
                "negative",
                "deep",
                "missing",
                "extra",
                "shape",
                "text",
                "number",
            )
        )
        old = _get(payload, path)
        new: Json
        if kind == "type":
            new = self._wrong_type()
        elif kind == "huge":
            new = self._raw_marker(rnd.choice(("digits", "overflow")))
        elif kind == "non_finite":
            if rnd.random() < 0.5:
                new = rnd.choice(_NON_FINITE_TEXT)
            else:
                new = self._raw_marker(
                    rnd.choice(("nan", "infinity", "minus_infinity", "float_overflow"))
                )
        elif kind == "negative":
            new = -abs(old) - 1 if isinstance(old, int | float) else rnd.choice((-1, "-5", -1e6))
        elif kind == "deep":
            if rnd.random() < 0.5:
                new = self._raw_marker(rnd.choice(("deep_list", "deep_object")))
            else:
                new = 1
                for _ in range(40):
                    new = {"a": new} if rnd.random() < 0.5 else [new]
        elif kind == "missing":
            if path and isinstance(parent := _get(payload, path[:-1]), dict):
                del parent[path[-1]]
                return payload, f"missing {_shown_path(path)}"
            kind, new = "type", None
        elif kind == "extra":
            target = old if isinstance(old, dict) else payload
            if isinstance(target, dict):
                target[rnd.choice(_EXTRA_KEYS)] = copy.deepcopy(
                    rnd.choice((*_WRONG_TYPES, *_NUMBERS))
                )
                return payload, f"extra field in {_shown_path(path)}"
            new = self._wrong_type()
        elif kind == "shape":
            if isinstance(old, dict):
                new = [old]
            elif isinstance(old, list):
                new = old[0] if old and rnd.random() < 0.5 else {"0": old}
            else:
                new = [old]
        elif kind == "text":
            if rnd.random() < 0.2:
                new = self._raw_marker("surrogate")
            else:
                new = rnd.choice(_TEXTS)
        else:
            new = rnd.choice(_NUMBERS)
        return _set(payload, path, new), f"{kind} at {_shown_path(path)}"

    def _mutate_frame(self, message: list[Json]) -> tuple[list[Json], str | None, str]:
        """Break the frame itself; return it, the id an answer must carry (or None) and what."""
        rnd = self.random
        kind = rnd.choice(
            ("type_id", "id_type", "action", "payload", "short", "long", "answer", "error")
        )
        unique_id = message[1]
        if kind == "type_id":
            message[0] = rnd.choice((7, 0, "2", None, 2.5, -2))
            return message, None, "message type"
        if kind == "id_type":
            message[1] = rnd.choice((None, ["x"], {"id": 1}, True, 1.5))
            return message, None, "message id"
        if kind == "action":
            message[2] = rnd.choice((None, 5, ["Heartbeat"], "FooBar", "", "ClearCache"))
            return message, unique_id, "action"
        if kind == "payload":
            message[3] = self._wrong_type()
            return message, unique_id, "payload"
        if kind == "short":
            kept = rnd.choice((1, 2, 3))
            return message[:kept], unique_id if kept > 1 else None, "short"
        if kind == "long":
            return [*message, {}, "x"], unique_id, "long"
        if kind == "answer":
            return [3, unique_id, message[3]], None, "stray CALLRESULT"
        return [4, unique_id, "GenericError", "x", {}], None, "stray CALLERROR"


class _Templates16:
    """Realistic OCPP 1.6 payloads of every charger-initiated action."""

    def __init__(self, fuzzer: FrameFuzzer) -> None:
        self.f = fuzzer

    def all(self) -> dict[str, Template]:
        f = self.f
        return {
            "Authorize": lambda: {"idTag": f.pick("TAG-1", "04A2B3C4", "UNKNOWN")},
            "BootNotification": lambda: {
                "chargePointVendor": "Fuzz",
                "chargePointModel": "Box",
                "chargePointSerialNumber": "SN-1",
                "firmwareVersion": "1.0",
                "meterType": "M1",
            },
            "DataTransfer": lambda: {"vendorId": "com.fuzz", "messageId": "m", "data": "{}"},
            "DiagnosticsStatusNotification": lambda: {"status": f.pick("Idle", "Uploaded")},
            "FirmwareStatusNotification": lambda: {"status": f.pick("Idle", "Installed")},
            "Heartbeat": dict,
            "MeterValues": lambda: {
                "connectorId": f.pick(0, 1, 1, 2),
                "transactionId": f.pick(1, 2, 3),
                "meterValue": [self.meter_value() for _ in range(f.pick(1, 1, 2))],
            },
            "StartTransaction": lambda: {
                "connectorId": f.pick(1, 2),
                "idTag": "TAG-1",
                "meterStart": int(f.energy()),
                "timestamp": f.tick(),
            },
            "StatusNotification": lambda: {
                "connectorId": f.pick(0, 1, 2),
                "errorCode": f.pick("NoError", "GroundFailure"),
                "status": f.pick("Available", "Preparing", "Charging", "SuspendedEV", "Finishing"),
                "timestamp": f.tick(),
            },
            "StopTransaction": lambda: {
                "transactionId": f.pick(1, 2, 3, 4),
                "meterStop": int(f.energy()),
                "timestamp": f.tick(),
                "reason": "EVDisconnected",
                "transactionData": [self.meter_value()],
            },
            "SecurityEventNotification": lambda: {"type": "FirmwareUpdated", "timestamp": f.tick()},
        }

    def meter_value(self) -> dict[str, Json]:
        sampled = []
        for _ in range(self.f.pick(1, 3, 6)):
            name, value, unit = self.f.measurand()
            sample: dict[str, Json] = {"value": str(value), "measurand": name, "unit": unit}
            if name in ("Current.Import", "Voltage") and self.f.pick(True, False):
                sample["phase"] = self.f.pick("L1", "L2", "L3", "L1-N")
            sampled.append(sample)
        return {"timestamp": self.f.tick(), "sampledValue": sampled}


class _Templates201:
    """Realistic OCPP 2.0.1 payloads of every charger-initiated action."""

    def __init__(self, fuzzer: FrameFuzzer) -> None:
        self.f = fuzzer

    def all(self) -> dict[str, Template]:
        f = self.f
        return {
            "Authorize": lambda: {"idToken": self.id_token()},
            "BootNotification": lambda: {
                "reason": "PowerUp",
                "chargingStation": {"model": "Box", "vendorName": "Fuzz", "serialNumber": "SN"},
            },
            "ClearedChargingLimit": lambda: {"chargingLimitSource": "EMS", "evseId": 1},
            "DataTransfer": lambda: {"vendorId": "com.fuzz", "messageId": "m", "data": {"a": 1}},
            "FirmwareStatusNotification": lambda: {"status": f.pick("Idle", "Installed")},
            "Heartbeat": dict,
            "LogStatusNotification": lambda: {"status": "Idle"},
            "MeterValues": lambda: {"evseId": f.pick(0, 1, 2), "meterValue": [self.meter_value()]},
            "NotifyChargingLimit": lambda: {
                "chargingLimit": {"chargingLimitSource": f.pick("EMS", "SO", "CSO")},
                "evseId": f.pick(0, 1),
                "chargingSchedule": [
                    {
                        "id": 1,
                        "chargingRateUnit": f.pick("A", "W"),
                        "duration": 3600,
                        "startSchedule": f.tick(),
                        "chargingSchedulePeriod": [
                            {"startPeriod": 0, "limit": 16.0, "numberPhases": 3},
                            {"startPeriod": 600, "limit": 8.0},
                        ],
                    }
                ],
            },
            "NotifyEVChargingNeeds": lambda: {
                "evseId": f.pick(1, 2),
                "chargingNeeds": {
                    "requestedEnergyTransfer": "AC_three_phase",
                    "departureTime": f.tick(),
                    "acChargingParameters": {
                        "energyAmount": 20000,
                        "evMinCurrent": 6,
                        "evMaxCurrent": 32,
                        "evMaxVoltage": 400,
                    },
                    "dcChargingParameters": {"evMaxCurrent": 100, "stateOfCharge": 40},
                },
            },
            "NotifyEvent": lambda: {
                "generatedAt": f.tick(),
                "seqNo": 0,
                "eventData": [
                    {
                        "eventId": 1,
                        "timestamp": f.tick(),
                        "trigger": "Delta",
                        "actualValue": f.pick("Available", "Occupied", "true", "31.5"),
                        "component": {"name": f.pick("Connector", "EVSE"), "evse": {"id": 1}},
                        "variable": {"name": f.pick("AvailabilityState", "Problem", "Temperature")},
                        "eventNotificationType": "HardWiredNotification",
                    }
                ],
            },
            "SecurityEventNotification": lambda: {"type": "FirmwareUpdated", "timestamp": f.tick()},
            "StatusNotification": lambda: {
                "timestamp": f.tick(),
                "connectorStatus": f.pick("Available", "Occupied", "Faulted"),
                "evseId": f.pick(0, 1, 2),
                "connectorId": 1,
            },
            "TransactionEvent": lambda: {
                "eventType": f.pick("Started", "Updated", "Updated", "Ended"),
                "timestamp": f.tick(),
                "triggerReason": "MeterValuePeriodic",
                "seqNo": f.random.randrange(0, 50),
                "transactionInfo": {
                    "transactionId": f.pick("TX-1", "TX-2", "TX-3"),
                    "chargingState": f.pick("Charging", "SuspendedEV", "EVConnected"),
                },
                "evse": {"id": f.pick(1, 2), "connectorId": 1},
                "idToken": self.id_token(),
                "meterValue": [self.meter_value()],
                "numberOfPhasesUsed": 3,
                "cableMaxCurrent": 32,
            },
        }

    def id_token(self) -> dict[str, Json]:
        return {"idToken": self.f.pick("TAG-1", "04A2B3C4"), "type": "ISO14443"}

    def meter_value(self) -> dict[str, Json]:
        sampled = []
        for _ in range(self.f.pick(1, 3, 6)):
            name, value, unit = self.f.measurand()
            sample: dict[str, Json] = {"value": value, "measurand": name}
            sample["unitOfMeasure"] = {"unit": unit, "multiplier": 0}
            sampled.append(sample)
        return {"timestamp": self.f.tick(), "sampledValue": sampled}


# --- paths into a payload ------------------------------------------------------------------

type Path = tuple[str | int, ...]


def _paths(value: Json, path: Path = ()) -> Iterator[Path]:
    """Every place in a payload: the root, each key's value, each list item."""
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def _get(value: Json, path: Path) -> Json:
    for step in path:
        value = value[step]
    return value


def _set(root: Json, path: Path, new: Json) -> Json:
    if not path:
        return new
    _get(root, path[:-1])[path[-1]] = new
    return root


def _shown_path(path: Path) -> str:
    return "/".join(str(step) for step in path) or "payload"


# --- the bounds no entity may leave ----------------------------------------------------------


def bogus_state(
    entity_id: str, state: str, attributes: dict[str, Any], before: float | None
) -> str | None:
    """Return why an entity's state cannot be true (None: it can). before: its last number.

    Numbers must be finite; power and current not below zero; a percentage within 0-100; a
    lifetime energy never lower than before. A sensor of text (no unit, device or state class:
    a transaction id, say) may read anything.
    """
    if not {"unit_of_measurement", "device_class", "state_class"} & attributes.keys():
        return None
    try:
        number = float(state)
    except ValueError:
        return "not finite" if state.lower().lstrip("+-") in ("nan", "inf", "infinity") else None
    if not math.isfinite(number):
        return "not finite"
    kind = attributes.get("device_class")
    unit = attributes.get("unit_of_measurement")
    if kind in ("power", "current") and number < 0:
        return f"{kind} below zero"
    if (kind == "battery" or unit == "%") and not 0 <= number <= 100:
        return "a percentage outside 0-100"
    if entity_id.endswith("lifetime_energy") and before is not None and number < before:
        return f"lifetime energy fell from {before} to {number}"
    return None


class StateJudge:
    """Judges the states entities take, one after another (bogus_state, each one's last number)."""

    def __init__(self) -> None:
        self.judged = 0
        self.bogus: list[str] = []
        self.last: dict[str, float] = {}

    def judge(self, entity_id: str, state: str, attributes: dict[str, Any]) -> None:
        """Judge one state an entity took; a bogus one is kept (entity, state, why)."""
        self.judged += 1
        why = bogus_state(entity_id, state, attributes, self.last.get(entity_id))
        if why is not None:
            self.bogus.append(f"{entity_id} = {state!r}: {why}")
        try:
            self.last[entity_id] = float(state)
        except ValueError:
            pass


# --- a raw charger that sends them ---------------------------------------------------------


@dataclass(slots=True)
class Outcome:
    """A frame sent and the answers that carried its message id."""

    frame: Frame
    answers: list[list[Json]]


class FuzzClient:
    """Sends frames over a raw WebSocket and collects their answers; refuses the server's CALLs.

    Frames are handled in order, so a Heartbeat sent after them is answered after all of theirs:
    its answer ends the wait, with no timing involved.
    """

    def __init__(self, websocket: Any) -> None:
        """websocket: a websockets ClientConnection to the central system."""
        self.websocket = websocket
        self.sentinels = 0
        # Answers to no frame that expected one (an id nobody should have read).
        self.stray: list[list[Json]] = []

    async def send(self, frames: list[Frame], timeout_s: float = 120.0) -> list[Outcome]:
        """Send frames and a Heartbeat; return each frame's answers, read until the Heartbeat's."""
        self.sentinels += 1
        sentinel = f"sentinel-{self.sentinels}"
        for frame in frames:
            await self.websocket.send(frame.text)
        await self.websocket.send(json.dumps([2, sentinel, "Heartbeat", {}]))
        # By the id's JSON text: a server could echo an id that is no valid key (a list, say).
        answers: dict[str, list[list[Json]]] = {}
        async with asyncio.timeout(timeout_s):
            while True:
                message = json.loads(await self.websocket.recv())
                if message[0] == 2:
                    await self.websocket.send(json.dumps([4, message[1], "NotImplemented", "", {}]))
                elif message[1] == sentinel:
                    break
                else:
                    answers.setdefault(json.dumps(message[1]), []).append(message)
        outcomes = [
            Outcome(frame, answers.pop(json.dumps(frame.answer_id), []) if frame.answer_id else [])
            for frame in frames
        ]
        self.stray.extend(answer for found in answers.values() for answer in found)
        return outcomes

    async def call(self, action: str, payload: Json, unique_id: str = "c1") -> list[Json]:
        """Send one CALL and return its one answer (a CALLRESULT or a CALLERROR)."""
        text = json.dumps([2, unique_id, action, payload])
        return await self.raw(text, unique_id)

    async def raw(self, text: str | bytes, unique_id: str | None) -> list[Json]:
        """Send one frame as it is; return the one answer carrying unique_id ([] for None)."""
        [outcome] = await self.send([Frame(text, "", (), unique_id)])
        if unique_id is None:
            assert outcome.answers == []
            return []
        [answer] = outcome.answers
        return answer


async def connect_raw(port: int, charger_id: str, subprotocol: str) -> FuzzClient:
    """A raw charger on a real WebSocket to the central system on 127.0.0.1:port."""
    websocket = await websockets.connect(
        f"ws://127.0.0.1:{port}/ocpp/{charger_id}",
        subprotocols=[Subprotocol(subprotocol)],
        open_timeout=10,
        ping_interval=None,
        max_size=None,
    )
    return FuzzClient(websocket)
