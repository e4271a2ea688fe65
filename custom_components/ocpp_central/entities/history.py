"""Session history entities: a calendar of each charger's sessions, and energy per id tag.

The calendar (calendar.py's platform) shows each session as an event from its start to its end
(a running one ends a minute from now), summarised as its energy and who charged ("7.4 kWh ·
Anna"). Its state is on while a session runs. It stays available while the charger is away: the history does not
depend on the charger.

The id tag sensors (sensor platform) belong to a device per id tag managed in the UI, under the
id tag's subentry: the energy charged with the tag this month and last month, across the central
system's chargers, for reimbursement. They are read from the history after every write to it and
at the turn of the month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, override

from homeassistant.components.calendar import (
    CalendarEntity,
    CalendarEntityDescription,
    CalendarEvent,
)
from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform, UnitOfEnergy
from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.event import async_call_later
from homeassistant.util import dt as dt_util

from ..const import CONF_ID_TAG, DOMAIN, LOGGER, SUBENTRY_ID_TAG
from ..control.history import SessionLog
from ..entity import (
    ChargerEntityDescription,
    EntityFamily,
    OcppEntity,
    async_add_families,
    creates,
    kwh,
)
from ..storage.sessions import SessionQuery, SessionRecord

if TYPE_CHECKING:
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from ..config_entry import OcppCentralConfigEntry


def month_start(at: datetime, months_back: int = 0) -> datetime:
    """Return the start of the month (Home Assistant's time zone) of at, months_back earlier."""
    local = dt_util.as_local(at)
    year, month = divmod(local.year * 12 + local.month - 1 - months_back, 12)
    return local.replace(
        year=year, month=month + 1, day=1, hour=0, minute=0, second=0, microsecond=0
    )


def summary(record: SessionRecord) -> str:
    """Return a session's headline: its energy and who charged ("7.4 kWh · Anna")."""
    energy = kwh(record.energy_wh) or 0.0
    who = record.holder or record.id_tag
    return f"{energy:.1f} kWh · {who}" if who else f"{energy:.1f} kWh"


def description(record: SessionRecord) -> str:
    """Return a session's details, one per line."""
    lines = [f"Connector {record.connector_id}, transaction {record.transaction_id}"]
    if record.id_tag:
        lines.append(f"Id tag {record.id_tag}" + (f" ({record.holder})" if record.holder else ""))
    if record.solar_wh is not None and record.grid_wh is not None:
        lines.append(f"Solar {kwh(record.solar_wh)} kWh, grid {kwh(record.grid_wh)} kWh")
    if record.cost is not None:
        lines.append(f"Cost {record.cost:.2f}")
    if record.max_power_w is not None:
        lines.append(f"Peak {kwh(record.max_power_w)} kW")
    if record.stop_reason:
        lines.append(f"Stopped: {record.stop_reason}")
    return "\n".join(lines)


def calendar_event(record: SessionRecord, now: datetime) -> CalendarEvent:
    """Return a session as a calendar event; it lasts a second at least.

    A running one ends a minute from now: the calendar is on while an event is under way.
    """
    end = record.ended_at or now + timedelta(minutes=1)
    end = max(end, record.started_at + timedelta(seconds=1))
    return CalendarEvent(
        start=dt_util.as_local(record.started_at),
        end=dt_util.as_local(end),
        summary=summary(record),
        description=description(record),
        uid=f"{record.charger_id}/{record.transaction_id}",
    )


@dataclass(frozen=True, kw_only=True)
class SessionCalendarDescription(ChargerEntityDescription, CalendarEntityDescription):
    """The charger's session calendar."""


SESSION_CALENDAR = SessionCalendarDescription(key="sessions", translation_key="sessions")


class SessionCalendar(OcppEntity, CalendarEntity):
    """A charger's sessions as calendar events."""

    @property
    def _log(self) -> SessionLog:
        return self.coordinator.config_entry.runtime_data.history

    @property
    @override
    def available(self) -> bool:
        """The history is there while the charger is away, too."""
        return True

    @property
    @override
    def event(self) -> CalendarEvent | None:
        """The running session, or the last one."""
        record = self._log.last(self.coordinator.config.charger_id)
        return None if record is None else calendar_event(record, dt_util.utcnow())

    @override
    def _shown(self) -> tuple[Any, ...]:
        record = self._log.last(self.coordinator.config.charger_id)
        if record is None:
            return (None,)
        # Written when the headline changes (0.1 kWh), not at every reading: each write is a
        # recorder row with new attributes (the running event's end moves with it).
        return (record.transaction_id, record.ended_at, summary(record))

    @override
    async def async_get_events(
        self, hass: HomeAssistant, start_date: datetime, end_date: datetime
    ) -> list[CalendarEvent]:
        """Return the sessions that overlap the period."""
        records = await self._log.async_query(
            SessionQuery(
                start=start_date,
                end=end_date,
                overlapping=True,
                entry_ids=(self.coordinator.config_entry.entry_id,),
                charger_ids=(self.coordinator.config.charger_id,),
            )
        )
        now = dt_util.utcnow()
        return [calendar_event(record, now) for record in records]

    async def async_added_to_hass(self) -> None:
        """Follow the history: a session written is a state to show."""
        await super().async_added_to_hass()
        self.async_on_remove(self._log.async_listen(self._handle_coordinator_update))


CALENDAR_FAMILY = EntityFamily(entity=SessionCalendar, charger=(SESSION_CALENDAR,))


@callback
def async_add_session_calendars(
    entry: OcppCentralConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add every charger's session calendar, now and as chargers are added."""
    async_add_families(entry, async_add_entities, Platform.CALENDAR, CALENDAR_FAMILY)


# --- energy per id tag ---------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class IdTagSensorDescription(SensorEntityDescription):
    """Energy charged with an id tag in a month: this one (0) or the one before (1)."""

    months_back: int


ID_TAG_SENSORS: tuple[IdTagSensorDescription, ...] = (
    IdTagSensorDescription(
        key="energy_this_month",
        translation_key="id_tag_energy_this_month",
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        months_back=0,
    ),
    IdTagSensorDescription(
        key="energy_last_month",
        translation_key="id_tag_energy_last_month",
        device_class=SensorDeviceClass.ENERGY,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        suggested_display_precision=2,
        months_back=1,
    ),
)


@dataclass(frozen=True, slots=True)
class MonthTotals:
    """Sessions of one id tag in one month."""

    energy_wh: float
    sessions: int
    solar_wh: float | None
    cost: float | None


def month_totals(records: list[SessionRecord]) -> MonthTotals:
    """Return the sums of the sessions (solar and cost: of those that know them)."""
    solar = [r.solar_wh for r in records if r.solar_wh is not None]
    cost = [r.cost for r in records if r.cost is not None]
    return MonthTotals(
        energy_wh=sum(r.energy_wh or 0.0 for r in records),
        sessions=len(records),
        solar_wh=sum(solar) if solar else None,
        cost=sum(cost) if cost else None,
    )


class IdTagEnergySensor(SensorEntity):
    """Energy charged with one id tag in a month, across the central system's chargers."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    entity_description: IdTagSensorDescription

    def __init__(
        self, entry: ConfigEntry, subentry_id: str, description: IdTagSensorDescription
    ) -> None:
        """Bind to the id tag's subentry."""
        self.entity_description = description
        self._entry = entry
        self._subentry_id = subentry_id
        self._attr_unique_id = f"id_tag_{subentry_id}_{description.key}"
        subentry = entry.subentries[subentry_id]
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, f"id_tag_{subentry_id}")},
            name=subentry.title,
            entry_type=DeviceEntryType.SERVICE,
        )
        self._unsub_month: CALLBACK_TYPE | None = None
        self._refresh: Debouncer[Any] | None = None
        self._gone = False

    @property
    def _id_tag(self) -> str | None:
        subentry = self._entry.subentries.get(self._subentry_id)
        return None if subentry is None else str(subentry.data[CONF_ID_TAG])

    async def async_added_to_hass(self) -> None:
        """Read the month now, after every write to the history, and at the turn of the month."""
        self._refresh = Debouncer(
            self.hass, LOGGER, cooldown=1.0, immediate=True, function=self._async_read
        )
        log: SessionLog = self._entry.runtime_data.history
        self.async_on_remove(log.async_listen(self._async_history_written))
        self.async_on_remove(self._refresh.async_shutdown)
        self.async_on_remove(self._removed)
        await self._async_read()

    @callback
    def _async_history_written(self) -> None:
        if self._refresh is not None:
            self._refresh.async_schedule_call()

    @callback
    def _removed(self) -> None:
        self._gone = True
        self._cancel_month()

    @callback
    def _cancel_month(self) -> None:
        if self._unsub_month is not None:
            self._unsub_month()
            self._unsub_month = None

    async def _async_read(self) -> None:
        now = dt_util.utcnow()
        start = month_start(now, self.entity_description.months_back)
        end = month_start(now, self.entity_description.months_back - 1)
        id_tag = self._id_tag
        if id_tag is None:
            return
        log: SessionLog = self._entry.runtime_data.history
        records = await log.async_query(
            SessionQuery(start=start, end=end, entry_ids=(self._entry.entry_id,), id_tag=id_tag)
        )
        if self._gone:
            return  # Removed while the history was read (a reload): no timer may outlive it.
        totals = month_totals(records)
        self._attr_native_value = kwh(totals.energy_wh)
        if self.entity_description.state_class is not None:
            self._attr_last_reset = start
        self._attr_extra_state_attributes = {
            "month": f"{start.year:04d}-{start.month:02d}",
            "sessions": totals.sessions,
            "solar_energy_kwh": kwh(totals.solar_wh),
            "cost": None if totals.cost is None else round(totals.cost, 2),
        }
        self._cancel_month()
        # Cancelled with Home Assistant's stop too: the entity is not unloaded then.
        self._unsub_month = async_call_later(
            self.hass,
            (month_start(now, -1) - now).total_seconds(),
            HassJob(self._async_new_month, cancel_on_shutdown=True),
        )
        self.async_write_ha_state()

    async def _async_new_month(self, _now: datetime) -> None:
        self._unsub_month = None
        await self._async_read()


@callback
def async_add_id_tag_sensors(
    entry: OcppCentralConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add the energy sensors of every id tag, now and as id tags are added."""
    added: set[str] = set()

    @callback
    def add() -> None:
        for subentry_id, subentry in entry.subentries.items():
            if subentry.subentry_type != SUBENTRY_ID_TAG or subentry_id in added:
                continue
            added.add(subentry_id)
            async_add_entities(
                [
                    IdTagEnergySensor(entry, subentry_id, d)
                    for d in ID_TAG_SENSORS
                    if creates(entry, Platform.SENSOR, d.key)
                ],
                config_subentry_id=subentry_id,
            )

    async def updated(_hass: HomeAssistant, _entry: ConfigEntry) -> None:
        add()

    add()
    entry.async_on_unload(entry.add_update_listener(updated))
