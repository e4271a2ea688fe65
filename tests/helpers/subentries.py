"""Chargers and id tags as the central system's config entry holds them (its subentries)."""

from __future__ import annotations

from homeassistant.config_entries import ConfigSubentryData

from custom_components.ocpp_central.const import (
    CONF_CHARGER_ID,
    CONF_ID_TAG,
    CONF_MAX_CURRENT,
    SUBENTRY_CHARGER,
    SUBENTRY_ID_TAG,
)


def charger_subentry(
    charger_id: str = "CP1", *, password: str = "", name: str | None = None
) -> ConfigSubentryData:
    """A configured charger."""
    return ConfigSubentryData(
        data={CONF_CHARGER_ID: charger_id, "password": password, CONF_MAX_CURRENT: 32.0},
        subentry_type=SUBENTRY_CHARGER,
        title=name or f"Charger {charger_id}",
        unique_id=charger_id,
    )


def id_tag_subentry(id_tag: str, name: str | None = None) -> ConfigSubentryData:
    """An id tag on the allow list."""
    return ConfigSubentryData(
        data={CONF_ID_TAG: id_tag},
        subentry_type=SUBENTRY_ID_TAG,
        title=name or id_tag,
        unique_id=id_tag.casefold(),
    )
