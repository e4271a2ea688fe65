"""The integration's typed config entry: `entry.runtime_data` is the central system.

A bottom module on purpose: platforms, entities and the controller name the entry type without
importing the central system, which sits above them. The alias is evaluated lazily, so the import
of `CentralSystem` is for type checkers only (the one such import the layering contracts allow).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry

if TYPE_CHECKING:
    from .central import CentralSystem

type OcppCentralConfigEntry = ConfigEntry[CentralSystem]
