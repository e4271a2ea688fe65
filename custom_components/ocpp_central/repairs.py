"""Repair flows: a charger that connects from a new address; a mode chosen without its input.

The first accepts the new address of a charger without a password. The second is for a charge mode
chosen without the input it needs (Solar and Min+Solar the grid meter, Cheapest a price): it shows
the fields of the options' inputs step where that input is chosen, checks them as the options flow
does and saves them into the entry's options; the controller reloads its inputs and the issue goes
away on its next pass.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow, RepairsFlowResult
from homeassistant.core import HomeAssistant

from .central import CONF_BOUND_ADDRESS, ISSUE_NEW_ADDRESS
from .const import CONF_CHARGER_ID
from .control.config import (
    CONF_GRID_POWER,
    CONF_GRID_SIGN,
    CONF_GRID_SOURCE,
    CONF_PRICE,
    GridSource,
)
from .control.controller import ISSUE_CONTROL_SETUP
from .flows.migration import ISSUE_IMPORT, ImportIncumbentFlow
from .flows.options import inputs_errors, inputs_schema

# The options a setup repair asks for, per missing input.
SETUP_FIELDS: dict[str, tuple[str, ...]] = {
    "grid": (CONF_GRID_SOURCE, CONF_GRID_POWER, CONF_GRID_SIGN),
    "price": (CONF_PRICE,),
}


class NewAddressRepairFlow(RepairsFlow):
    """Accept the new address a password-less charger connects from (it moved, or DHCP)."""

    def __init__(self, data: dict[str, Any]) -> None:
        """Remember which charger and which address the issue is about."""
        self._entry_id = str(data["entry_id"])
        self._subentry_id = str(data["subentry_id"])
        self._address = str(data["address"])

    async def async_step_init(self, user_input: dict[str, str] | None = None) -> RepairsFlowResult:
        """Show what accepting means."""
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Bind the charger to the new address once the homeowner confirms."""
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        subentry = entry.subentries.get(self._subentry_id) if entry is not None else None
        if entry is None or subentry is None:
            return self.async_abort(reason="charger_gone")
        if user_input is not None:
            self.hass.config_entries.async_update_subentry(
                entry, subentry, data={**subentry.data, CONF_BOUND_ADDRESS: self._address}
            )
            return self.async_create_entry(data={})
        return self.async_show_form(
            step_id="confirm",
            description_placeholders={
                "charger": subentry.title,
                "charger_id": str(subentry.data.get(CONF_CHARGER_ID, "")),
                "bound": str(subentry.data.get(CONF_BOUND_ADDRESS, "")),
                "address": self._address,
            },
        )


class ControlSetupRepairFlow(RepairsFlow):
    """Choose the grid meter (or price entity) that a chosen charge mode needs."""

    def __init__(self, data: dict[str, Any]) -> None:
        """Remember the entry and the missing input ("grid" or "price")."""
        self._entry_id = str(data["entry_id"])
        self._role = str(data["role"])

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        """Show the input's fields; save them into the options once they are usable."""
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        if entry is None:
            return self.async_abort(reason="entry_gone")
        keys = SETUP_FIELDS.get(self._role, SETUP_FIELDS["grid"])
        errors: dict[str, str] = {}
        if user_input is not None:
            options = {key: value for key, value in entry.options.items() if key not in keys}
            options.update({k: v for k, v in user_input.items() if v not in (None, "")})
            errors = _still_missing(self._role, options) or await inputs_errors(self.hass, options)
            if not errors:
                self.hass.config_entries.async_update_entry(entry, options=options)
                return self.async_create_entry(data={})
        defaults = {**entry.options, **(user_input or {})}
        return self.async_show_form(
            step_id="init", data_schema=inputs_schema(defaults, keys), errors=errors
        )


def _still_missing(role: str, options: dict[str, Any]) -> dict[str, str]:
    """Return the error for the input the repair is about, if the answers still lack it."""
    if role == "price" and not options.get(CONF_PRICE):
        return {CONF_PRICE: "price_required"}
    grid_from_entity = options.get(CONF_GRID_SOURCE, GridSource.ENTITY) == GridSource.ENTITY
    if role == "grid" and grid_from_entity and not options.get(CONF_GRID_POWER):
        return {CONF_GRID_POWER: "grid_power_required"}
    return {}


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, Any] | None
) -> RepairsFlow:
    """Create the fix flow of a fixable issue."""
    if issue_id.startswith(ISSUE_NEW_ADDRESS) and data is not None:
        return NewAddressRepairFlow(data)
    if issue_id.startswith(ISSUE_CONTROL_SETUP) and data is not None:
        return ControlSetupRepairFlow(data)
    if issue_id.startswith(ISSUE_IMPORT) and data is not None:
        return ImportIncumbentFlow(data)
    return ConfirmRepairFlow()
