"""The last OCPP frames of a charger, both ways, for the diagnostics download.

Kept in memory only, in a bounded ring: appending costs a clock reading and a deque append,
nothing is parsed or written until someone downloads the diagnostics. Secrets are taken out
then (redact_frame): passwords, the AuthorizationKey and BasicAuthPassword settings, id tags,
and the serial numbers that the rest of the diagnostics leave out too.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
import json
import time
from typing import Any

NORMAL_FRAMES = 200
DETAILED_FRAMES = 2000
RECEIVED = "received"
SENT = "sent"
REDACTED = "**REDACTED**"

# Fields that carry an id tag (1.6) or id token (2.0.1), or that identify the hardware (its
# serial numbers, the modem's SIM), anywhere in a payload; and any key naming a password or serial.
_ID_FIELDS = frozenset({"idtag", "parentidtag", "idtoken", "groupidtoken", "iccid", "imsi"})
_SECRET_PARTS = ("password", "serialnumber")
# Settings whose value is a secret: 1.6 {"key": ..., "value": ...}, 2.0.1 variable name.
_SECRET_SETTINGS = frozenset({"authorizationkey", "basicauthpassword"})
_SETTING_VALUES = frozenset({"value", "attributevalue"})


@dataclass(frozen=True, slots=True)
class TracedFrame:
    """One frame as it went over the wire, with when (Unix time) and which way."""

    at: float
    direction: str
    frame: str

    def as_dict(self) -> dict[str, Any]:
        """Return the frame for the diagnostics: time, direction, message id, redacted content."""
        content = redact_frame(self.frame)
        return {
            "at": datetime.fromtimestamp(self.at, UTC).isoformat(),
            "direction": self.direction,
            "message_id": content[1] if isinstance(content, list) and len(content) > 1 else None,
            "frame": content,
        }


class FrameTrace:
    """A ring of a charger's last frames; a detailed trace keeps more of them for a while."""

    __slots__ = ("_detailed_until", "_frames")

    def __init__(self) -> None:
        """Start with the normal size."""
        # (Unix time, direction, frame): a plain tuple, the cheapest thing to append.
        self._frames: deque[tuple[float, str, str | bytes]] = deque(maxlen=NORMAL_FRAMES)
        self._detailed_until = 0.0

    def received(self, frame: str | bytes) -> None:
        """Note a frame the charger sent."""
        self._add(RECEIVED, frame)

    def sent(self, frame: str) -> None:
        """Note a frame sent to the charger."""
        self._add(SENT, frame)

    def _add(self, direction: str, frame: str | bytes) -> None:
        now = time.time()
        if self._detailed_until and now > self._detailed_until:
            self.stop_detailed()
        self._frames.append((now, direction, frame))

    def start_detailed(self, seconds: float, size: int = DETAILED_FRAMES) -> None:
        """Keep the last `size` frames for the next `seconds` (then the normal size again)."""
        self._frames = deque(self._frames, maxlen=size)
        self._detailed_until = time.time() + seconds

    def stop_detailed(self) -> None:
        """Return to the normal size, keeping the newest frames."""
        self._frames = deque(self._frames, maxlen=NORMAL_FRAMES)
        self._detailed_until = 0.0

    @property
    def detailed_until(self) -> datetime | None:
        """When the detailed trace ends; None: none is running."""
        if not self._detailed_until or time.time() > self._detailed_until:
            return None
        return datetime.fromtimestamp(self._detailed_until, UTC)

    def frames(self) -> list[TracedFrame]:
        """Return the kept frames, oldest first."""
        return [
            TracedFrame(
                at, direction, frame if isinstance(frame, str) else frame.decode("utf-8", "replace")
            )
            for at, direction, frame in self._frames
        ]


def redact_frame(frame: str) -> Any:
    """Return the frame parsed, its secrets replaced; a frame that is no JSON, replaced whole."""
    try:
        content = json.loads(frame)
    except ValueError:
        return REDACTED
    return redact(content)


def redact(value: Any) -> Any:
    """Replace id tags, serials, anything named like a password and the secret settings' values."""
    if isinstance(value, list):
        return [redact(item) for item in value]
    if not isinstance(value, dict):
        return value
    setting = _setting_name(value)
    secret_setting = setting is not None and (setting in _SECRET_SETTINGS or "password" in setting)
    redacted: dict[str, Any] = {}
    for key, item in value.items():
        name = str(key).lower()
        if (
            name in _ID_FIELDS
            or any(part in name for part in _SECRET_PARTS)
            or (secret_setting and name in _SETTING_VALUES)
        ):
            redacted[key] = REDACTED
        else:
            redacted[key] = redact(item)
    return redacted


def _setting_name(value: dict[str, Any]) -> str | None:
    """Return the setting an object holds the value of (1.6 key, 2.0.1 variable), lowercased."""
    key = value.get("key")
    if isinstance(key, str):
        return key.lower()
    variable = value.get("variable")
    if isinstance(variable, dict) and isinstance(name := variable.get("name"), str):
        return name.lower()
    return None
