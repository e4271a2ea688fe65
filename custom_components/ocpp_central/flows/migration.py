"""Moving over from the OCPP integration (lbbrhzn/ocpp, domain `ocpp`): its chargers in one step.

When a central system is set up while a config entry of domain `ocpp` holds chargers this one has
not configured, a fixable repair issue offers to import them. Its fix flow lists them and, once
confirmed, adds each as a charger (a config subentry: no restart, no charger disconnected) and,
if asked (the default), disables the `ocpp` entry so that its server frees the port and the
chargers connect here.

The incumbent's entry layout (since its 0.8): `data["cpids"]` is a list of one-key mappings,
`{<OCPP id the charger connects with>: {"cpid": <its name in Home Assistant>, "max_current":
<A>, ...}}`. Before 0.8 one charger per entry: `data["cpid"]` and `data["max_current"]` at the top,
and the OCPP id was not kept (any charger was taken): the name is then the charger id too. The
incumbent keeps no charger passwords; an imported charger has none and is bound to the address it
first connects from (README, "Security: who may connect").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from homeassistant.components.repairs import RepairsFlow, RepairsFlowResult
from homeassistant.config_entries import ConfigEntry, ConfigEntryDisabler, ConfigSubentry
from homeassistant.const import CONF_PASSWORD
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from ..const import (
    CONF_CHARGER_ID,
    CONF_MAX_CURRENT,
    DEFAULT_MAX_CURRENT,
    DOMAIN,
    SUBENTRY_CHARGER,
)

if TYPE_CHECKING:
    import probatio as vol
else:
    import voluptuous as vol

INCUMBENT_DOMAIN = "ocpp"
ISSUE_IMPORT = "import_incumbent"
CONF_DISABLE_INCUMBENT = "disable_incumbent"
# Our charger ids: what a WebSocket URL path segment and OCPP's identity allow.
MAX_CHARGER_ID = 48


@dataclass(frozen=True, slots=True)
class IncumbentCharger:
    """A charger as the incumbent configured it."""

    charger_id: str
    name: str
    max_current: float


def _current(value: Any) -> float:
    try:
        current = float(value)
    except TypeError, ValueError:
        return float(DEFAULT_MAX_CURRENT)
    return current if 0 < current <= 1000 else float(DEFAULT_MAX_CURRENT)


def incumbent_chargers(data: Mapping[str, Any]) -> list[IncumbentCharger]:
    """Return the chargers of an incumbent entry's data (either layout); unusable ones left out."""
    found: dict[str, IncumbentCharger] = {}
    cpids = data.get("cpids")
    if isinstance(cpids, list):
        for item in cpids:
            if not isinstance(item, Mapping):
                continue
            for charger_id, given in item.items():
                settings = given if isinstance(given, Mapping) else {}
                _add(found, charger_id, settings.get("cpid"), settings.get(CONF_MAX_CURRENT))
    elif isinstance(cpid := data.get("cpid"), str):
        _add(found, cpid, cpid, data.get(CONF_MAX_CURRENT))
    return list(found.values())


def _add(found: dict[str, IncumbentCharger], charger_id: Any, name: Any, current: Any) -> None:
    if not isinstance(charger_id, str):
        return
    charger_id = charger_id.strip().strip("/")
    if not charger_id or "/" in charger_id or len(charger_id) > MAX_CHARGER_ID:
        return
    found.setdefault(
        charger_id,
        IncumbentCharger(
            charger_id=charger_id,
            name=name.strip() if isinstance(name, str) and name.strip() else charger_id,
            max_current=_current(current),
        ),
    )


def _configured(entry: ConfigEntry) -> set[str]:
    return {
        str(subentry.data.get(CONF_CHARGER_ID, "")).casefold()
        for subentry in entry.subentries.values()
        if subentry.subentry_type == SUBENTRY_CHARGER
    }


def to_import(
    hass: HomeAssistant, entry: ConfigEntry
) -> list[tuple[ConfigEntry, IncumbentCharger]]:
    """Return every incumbent charger this central system has not configured, with its entry."""
    configured = _configured(entry)
    return [
        (incumbent, charger)
        for incumbent in hass.config_entries.async_entries(INCUMBENT_DOMAIN)
        for charger in incumbent_chargers(incumbent.data)
        if charger.charger_id.casefold() not in configured
    ]


def issue_id(entry: ConfigEntry) -> str:
    """Return the id of the central system's import issue."""
    return f"{ISSUE_IMPORT}_{entry.entry_id}"


@callback
def async_offer_import(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Raise the import issue while incumbent chargers wait to be imported; drop it otherwise."""
    pending = to_import(hass, entry)
    if not pending:
        ir.async_delete_issue(hass, DOMAIN, issue_id(entry))
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(entry),
        is_fixable=True,
        is_persistent=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key=ISSUE_IMPORT,
        translation_placeholders={
            "count": str(len(pending)),
            "chargers": ", ".join(charger.name for _, charger in pending),
        },
        data={"entry_id": entry.entry_id},
    )


class ImportIncumbentFlow(RepairsFlow):
    """Import the OCPP integration's chargers as this central system's chargers."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        """Remember which central system the chargers go to."""
        self._entry_id = str(data["entry_id"])

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> RepairsFlowResult:
        """Show what will be imported."""
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> RepairsFlowResult:
        """Add the chargers (and disable the incumbent) once the homeowner confirms."""
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        if entry is None:
            return self.async_abort(reason="central_gone")
        pending = to_import(self.hass, entry)
        if not pending:
            return self.async_abort(reason="nothing_to_import")
        if user_input is not None:
            async_import(self.hass, entry, pending)
            if user_input.get(CONF_DISABLE_INCUMBENT, True):
                for incumbent in {id(e): e for e, _ in pending}.values():
                    await self.hass.config_entries.async_set_disabled_by(
                        incumbent.entry_id, ConfigEntryDisabler.USER
                    )
            return self.async_create_entry(data={})
        return self.async_show_form(
            step_id="confirm",
            data_schema=vol.Schema({vol.Required(CONF_DISABLE_INCUMBENT, default=True): bool}),
            description_placeholders={
                "chargers": "; ".join(
                    f"{charger.name} (id {charger.charger_id}, {charger.max_current:g} A)"
                    for _, charger in pending
                ),
            },
        )


@callback
def async_import(
    hass: HomeAssistant, entry: ConfigEntry, pending: list[tuple[ConfigEntry, IncumbentCharger]]
) -> None:
    """Add each charger as a subentry (the central system picks them up without a restart)."""
    done: set[str] = set()
    for _, charger in pending:
        if charger.charger_id.casefold() in done:
            continue
        done.add(charger.charger_id.casefold())
        hass.config_entries.async_add_subentry(
            entry,
            ConfigSubentry(
                data=MappingProxyType(
                    {
                        CONF_CHARGER_ID: charger.charger_id,
                        CONF_PASSWORD: "",
                        CONF_MAX_CURRENT: charger.max_current,
                    }
                ),
                subentry_type=SUBENTRY_CHARGER,
                title=charger.name,
                unique_id=charger.charger_id,
            ),
        )
