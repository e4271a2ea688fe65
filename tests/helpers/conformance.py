"""Every frame the central system sends, checked against the official OCPP JSON schemas.

The conformance-style tests (tests/conformance/) play the charger exactly as a specification's
sequence diagram does and assert every message the central system sends. This helper adds the
schema check: each CALL the central system sends and each CALLRESULT it answers the charger's
calls with is validated against the official JSON schema of its action, as the `ocpp` package
ships them (ocpp/v16/schemas, ocpp/v201/schemas, ocpp/v21/schemas), with jsonschema's own
validator for the schema's draft (not the `ocpp` package's validation code) and a strict RFC 3339
`date-time` format check (a timestamp without a time zone fails).

Use:

    # 1. a charger class: mix SchemaChecked in front of a scripted charger
    class MyCharger(SchemaChecked, ScriptedCharger): ...      # or Conformance16 / Conformance201

    # 2. connect it (tests/conformance/conftest.py has `connect16` / `connect201` fixtures that
    #    do this and call `assert_conformant()` when the test ends)
    cp = await connections.open(Conformance16, charger_url(port, "CP1"), "CP1", ["ocpp1.6"])

    # 3. after (or during) the test
    cp.assert_conformant()            # AssertionError listing every frame that broke its schema
    cp.sent_by_central                # every frame from the central system, in order (Frame)
    cp.results_for("Authorize")       # payloads the central system answered Authorize with

Standalone: `validate(version, action, payload, kind="request" | "response")` returns the list of
violations (empty when valid), `assert_valid(...)` raises on any.

Frames that cannot be checked (a CALLRESULT whose CALL we never sent, an action without a schema)
count as violations too: a test that cannot check a frame must not pass silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
import json
from pathlib import Path
import re
from typing import TYPE_CHECKING, Any, Literal

import jsonschema
from jsonschema.validators import validator_for
import ocpp

from tests.helpers.charger_v201 import Charger201
from tests.helpers.scripted_charger import ScriptedCharger

Kind = Literal["request", "response"]

_SCHEMA_DIRS = {
    "1.6": Path(ocpp.__file__).parent / "v16" / "schemas",
    "2.0.1": Path(ocpp.__file__).parent / "v201" / "schemas",
    "2.1": Path(ocpp.__file__).parent / "v21" / "schemas",
}
# RFC 3339 date-time: date, "T", time, optional fraction, and a zone (Z or ±hh:mm).
_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$",
)
_FORMATS = jsonschema.FormatChecker(formats=())


@_FORMATS.checks("date-time")
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True  # the type keyword judges non-strings
    if not _RFC3339.match(value):
        return False
    try:
        datetime.fromisoformat(value.replace("z", "Z").replace("t", "T"))
    except ValueError:
        return False
    return True


def schema_path(version: str, action: str, kind: Kind) -> Path:
    """The official schema file of `action`'s request or response in `version`."""
    if version == "1.6":
        name = action if kind == "request" else f"{action}Response"
    else:
        name = f"{action}{'Request' if kind == 'request' else 'Response'}"
    return _SCHEMA_DIRS[version] / f"{name}.json"


@cache
def _validator(version: str, action: str, kind: Kind) -> Any:
    path = schema_path(version, action, kind)
    schema = json.loads(path.read_text(encoding="utf-8"))
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=_FORMATS)


def validate(version: str, action: str, payload: Any, kind: Kind = "request") -> list[str]:
    """Every way `payload` breaks the official schema of `action` (empty: valid)."""
    if version not in _SCHEMA_DIRS:
        return [f"no schemas for OCPP {version}"]
    if not schema_path(version, action, kind).is_file():
        return [f"{action} {kind}: no official schema in OCPP {version}"]
    return [
        f"{action} {kind}: {'/'.join(map(str, error.absolute_path)) or '(payload)'}: "
        f"{error.message}"
        for error in _validator(version, action, kind).iter_errors(payload)
    ]


def assert_valid(version: str, action: str, payload: Any, kind: Kind = "request") -> None:
    """Raise AssertionError when `payload` breaks the official schema of `action`."""
    errors = validate(version, action, payload, kind)
    assert not errors, "\n".join(errors)


@dataclass(frozen=True)
class Frame:
    """One frame the central system sent: a CALL, a CALLRESULT or a CALLERROR."""

    kind: Literal["call", "result", "error"]
    action: str
    payload: dict[str, Any]
    unique_id: str


@dataclass
class _Checks:
    frames: list[Frame] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    # Our CALLs still waiting for the central system's answer: unique id → action.
    pending: dict[str, str] = field(default_factory=dict)


class SchemaChecked:
    """Mixed in front of a scripted charger: checks every frame the central system sends it.

    The charger class must have a `version` ("1.6", "2.0.1", "2.1") and the ocpp ChargePoint's
    `route_message` / `_send`. Checking never disturbs the charger: violations are collected and
    reported by `assert_conformant()`.
    """

    version: str

    if TYPE_CHECKING:

        async def _send(self, message: str) -> None: ...

        async def route_message(self, raw_msg: str | bytes) -> None: ...

    @property
    def _checks(self) -> _Checks:
        checks: _Checks | None = self.__dict__.get("_schema_checks")
        if checks is None:
            checks = self.__dict__["_schema_checks"] = _Checks()
        return checks

    @property
    def sent_by_central(self) -> list[Frame]:
        """Every frame the central system sent this charger, in order."""
        return self._checks.frames

    @property
    def violations(self) -> list[str]:
        """Every schema violation seen so far."""
        return self._checks.violations

    def results_for(self, action: str) -> list[dict[str, Any]]:
        """The central system's answers to the charger's calls of `action`, in order."""
        return [f.payload for f in self._checks.frames if f.kind == "result" and f.action == action]

    def assert_conformant(self) -> None:
        """Raise AssertionError listing every frame that broke its official schema."""
        assert not self.violations, "central system sent invalid frames:\n" + "\n".join(
            self.violations
        )

    async def _send(self, message: str) -> None:
        frame = json.loads(message)
        if frame[0] == 2:
            self._checks.pending[frame[1]] = frame[2]
        await super()._send(message)  # type: ignore[misc]

    async def route_message(self, raw_msg: str | bytes) -> None:
        self._check_frame(raw_msg)
        await super().route_message(raw_msg)  # type: ignore[misc]

    def _check_frame(self, raw_msg: str | bytes) -> None:
        checks = self._checks
        try:
            frame = json.loads(raw_msg)
            type_id, unique_id = frame[0], frame[1]
        except ValueError, TypeError, IndexError, KeyError:
            checks.violations.append(f"not an OCPP-J frame: {raw_msg!r}")
            return
        if type_id == 2:
            action, payload = frame[2], frame[3]
            checks.frames.append(Frame("call", action, payload, unique_id))
            checks.violations.extend(validate(self.version, action, payload, "request"))
            return
        action = checks.pending.pop(unique_id, None)
        if action is None:
            checks.violations.append(f"answer to a call we never sent: {frame!r}")
            return
        if type_id == 3:
            checks.frames.append(Frame("result", action, frame[2], unique_id))
            checks.violations.extend(validate(self.version, action, frame[2], "response"))
        elif type_id == 4:
            checks.frames.append(Frame("error", action, {"code": frame[2]}, unique_id))
        else:
            checks.violations.append(f"unknown message type {type_id}: {frame!r}")


class Conformance16(SchemaChecked, ScriptedCharger):
    """The 1.6 ScriptedCharger with every frame of the central system schema-checked."""


class Conformance201(SchemaChecked, Charger201):
    """The 2.0.1 Charger201 with every frame of the central system schema-checked."""
