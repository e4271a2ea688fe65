"""The integration's files on disk, read and put back: what a crash at some moment leaves behind."""

from __future__ import annotations

import contextlib
import copy
from dataclasses import dataclass
import json
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ocpp_central.const import DOMAIN


def storage_key(entry: MockConfigEntry) -> str:
    return f"{DOMAIN}.{entry.entry_id}"


@dataclass(frozen=True, slots=True)
class OnDisk:
    """The integration's files as they were at one moment: the Store snapshot and the journal."""

    snapshot: dict[str, Any] | None
    journal: bytes | None


def journal_path(hass: HomeAssistant, entry: MockConfigEntry) -> Path:
    return Path(hass.config.path(".storage", f"{storage_key(entry)}.journal"))


async def read_disk(
    hass: HomeAssistant, entry: MockConfigEntry, hass_storage: dict[str, Any]
) -> OnDisk:
    """What a crash at this moment would leave behind."""
    path = journal_path(hass, entry)
    journal = await hass.async_add_executor_job(
        lambda: path.read_bytes() if path.exists() else None
    )
    return OnDisk(copy.deepcopy(hass_storage.get(storage_key(entry))), journal)


def journal_records(on_disk: OnDisk) -> list[dict[str, Any]]:
    """The journal's readable lines."""
    records = []
    for line in (on_disk.journal or b"").splitlines():
        with contextlib.suppress(ValueError):
            records.append(json.loads(line))
    return records


def stored_connector(on_disk: OnDisk, connector: str = "1", charger: str = "CP1") -> Any:
    """A connector as the files on disk have it: the last journal record, else the snapshot."""
    for record in reversed(journal_records(on_disk)):
        if record.get("charger") == charger and record.get("part") == connector:
            return record["state"]
    assert on_disk.snapshot is not None
    return on_disk.snapshot["data"]["chargers"][charger]["connectors"][connector]


async def crash_to(
    hass: HomeAssistant, entry: MockConfigEntry, hass_storage: dict[str, Any], on_disk: OnDisk
) -> None:
    """Start again from these files, as after a crash that left them (nothing saved on the way out)."""
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    if on_disk.snapshot is None:
        hass_storage.pop(storage_key(entry), None)
    else:
        hass_storage[storage_key(entry)] = copy.deepcopy(on_disk.snapshot)
    path = journal_path(hass, entry)

    def restore() -> None:
        if on_disk.journal is None:
            path.unlink(missing_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(on_disk.journal)

    await hass.async_add_executor_job(restore)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
