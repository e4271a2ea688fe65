"""Repair flows: a charger without a password that now connects from a new address."""

from __future__ import annotations

from typing import Any

from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow, RepairsFlowResult
from homeassistant.core import HomeAssistant

from .central import CONF_BOUND_ADDRESS, ISSUE_NEW_ADDRESS
from .const import CONF_CHARGER_ID
from .flows.migration import ISSUE_IMPORT, ImportIncumbentFlow


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


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, Any] | None
) -> RepairsFlow:
    """Create the fix flow of a fixable issue."""
    if issue_id.startswith(ISSUE_NEW_ADDRESS) and data is not None:
        return NewAddressRepairFlow(data)
    if issue_id.startswith(ISSUE_IMPORT) and data is not None:
        return ImportIncumbentFlow(data)
    return ConfirmRepairFlow()
