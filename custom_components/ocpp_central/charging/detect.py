"""What is known of a charger's quirks, and how it is found out after each boot."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
import logging
from typing import Any

from ..const import LOGGER
from ..csms.commands import ChargerCommands, ChargerOfflineError, ChargerTimeoutError, CommandError
from .link import bounded
from .quirks import (
    DETECTION_KEYS,
    DetectedQuirks,
    QuirkOverrides,
    Quirks,
    apply_reported,
    effective_quirks,
    quirk_sources,
    reported_values,
)


def _shown(value: Any) -> str:
    """Return a quirk's value as a homeowner reads it in the log."""
    if isinstance(value, list | tuple):
        return "/".join(map(str, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


class KnownQuirks:
    """What the charger reported and the ladder learned, under the homeowner's overrides."""

    def __init__(
        self,
        charger_id: str,
        detected: DetectedQuirks,
        overrides: Callable[[], QuirkOverrides],
    ) -> None:
        """Start from what was persisted; overrides are read anew each time (reconfigure)."""
        self.charger_id = charger_id
        self.detected = detected
        self._overrides = overrides
        # The last answer and what it was worked out from: read many times per meter reading.
        self._basis: tuple[DetectedQuirks, QuirkOverrides] | None = None
        self._effective: Quirks | None = None

    @property
    def effective(self) -> Quirks:
        """The quirks the engine follows: overrides over learned over reported over defaults."""
        basis = (self.detected, self._overrides())
        if self._effective is None or basis != self._basis:
            self._basis, self._effective = basis, effective_quirks(*basis)
        return self._effective

    def update(self, detected: DetectedQuirks) -> None:
        """Take what detection or the ladder found (logged when it changes anything)."""
        if detected != self.detected:
            old, new = self.detected.as_dict(), detected.as_dict()
            changed = ", ".join(
                f"{name.replace('_', ' ')} {_shown(value)}"
                for name, value in new.items()
                if name != "firmware" and value != old.get(name) and value is not None
            )
            # One readable line of what was found (a new firmware alone, forgetting: debug).
            LOGGER.log(
                logging.INFO if changed else logging.DEBUG,
                "Charger %s (firmware %s) smart charging: %s",
                self.charger_id,
                detected.firmware,
                changed or "read anew",
            )
            self.detected = detected

    def learn(self, **learned: Any) -> None:
        """Remember what a refusal taught, unless the homeowner configured that quirk."""
        overrides = self._overrides()
        defaults = type(overrides)()
        kept = {
            name: value
            for name, value in learned.items()
            if getattr(overrides, name) == getattr(defaults, name)
        }
        if kept:
            self.update(replace(self.detected, **kept))

    def diagnostics(self) -> dict[str, Any]:
        """Return the effective quirks and where each came from."""
        quirks = self.effective
        return {
            "quirks": {
                "stack_level": quirks.stack_level,
                "profile_kind": quirks.profile_kind.value,
                "rate_unit": quirks.rate_unit.value,
                "tx_profile": quirks.tx_profile,
                "pause_method": quirks.pause_method.value,
                "whole_amps": quirks.whole_amps,
                "max_periods": quirks.max_periods,
                "phase_switching": quirks.phase_switching,
            },
            "quirk_sources": quirk_sources(self.detected, self._overrides()),
        }


async def detect_quirks(
    known: KnownQuirks, commands: ChargerCommands, firmware: str | None
) -> bool:
    """One GetConfiguration for the smart-charging keys, once per firmware; True when sent.

    Keys the answer leaves out (neither reported nor unknown) are asked one per call only when the charger's GetConfigurationMaxKeys
    is below their number. A new firmware forgets what the old one taught and is read anew; a
    charger that stops answering ends detection with what was found so far, and is read again
    at its next boot.
    """
    charger_id = known.charger_id
    if known.detected.firmware != firmware:
        known.update(known.detected.without_learned(firmware))
    elif known.detected.configuration_read:
        return False
    keys = list(DETECTION_KEYS)
    values: dict[str, str] = {}
    unknown: set[str] = set()
    complete = False
    try:
        try:
            report = await bounded(charger_id, commands.get_configuration(keys))
            values, unknown = reported_values(report), set(report.unknown_keys)
        except ChargerOfflineError, ChargerTimeoutError:
            raise
        except CommandError as err:
            LOGGER.debug("Charger %s refused GetConfiguration: %s", charger_id, err)
        # A key the charger called unknown is answered, unless it called every key unknown
        # (a charger that takes fewer keys per call does so): only the others are asked alone.
        answered = unknown if values else set()
        missing = [key for key in keys if key not in values and key not in answered]
        max_keys = values.get("GetConfigurationMaxKeys", "")
        if missing and not (max_keys.isdigit() and int(max_keys) >= len(keys)):
            for key in missing:
                try:
                    values |= reported_values(
                        await bounded(charger_id, commands.get_configuration([key]))
                    )
                except ChargerOfflineError, ChargerTimeoutError:
                    raise
                except CommandError:
                    continue
            if any(key in values for key in missing):
                known.update(replace(known.detected, one_key_per_call=True))
        complete = True
    except CommandError as err:
        LOGGER.info("Charger %s: quirk detection stopped: %s", charger_id, err)
    detected = apply_reported(known.detected, values)
    known.update(replace(detected, configuration_read=True) if complete else detected)
    return True
