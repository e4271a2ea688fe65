"""OCPP 2.0.1 charger-initiated messages beyond sessions and meters: events, notifications, certificates.

A mixin of `Ocpp201Adapter`, and of the 2.1 adapter (same message shapes). Every action a charging
station may send has a handler here, in the adapter or in the adapter base (the messages that read
and answer alike in every version), so that a charger never meets NotImplemented for something it
is entitled to send; what a home central system has no use for is acknowledged.
"""

from __future__ import annotations

from datetime import UTC, datetime
import math
from typing import TYPE_CHECKING, Any

from ocpp.v201 import call_result
from ocpp.v201.enums import Action

from ...const import LOGGER
from ..model import EXTERNAL_LIMIT_SEEN, Sample
from ..rating import CURRENT_CEILING_A, VOLTAGE_CEILING_V
from .base import on
from .v201_state import external_limit_201
from .values import number_or_none, number_within, parse_time, shown, text_or_none

if TYPE_CHECKING:
    from ..model import Charger
    from .base import ChargerHost
    from .readings import Readings


# No car's battery holds more (Wh).
EV_ENERGY_CEILING_WH = 1e6
# EvInfo attribute → its key in acChargingParameters or dcChargingParameters, and the most any
# car can mean by it (the car's own word: the station's rating does not bound it).
_EV_NEEDS: dict[str, tuple[str, float]] = {
    "energy_requested_wh": ("energy_amount", EV_ENERGY_CEILING_WH),
    "energy_capacity_wh": ("ev_energy_capacity", EV_ENERGY_CEILING_WH),
    "min_current_a": ("ev_min_current", CURRENT_CEILING_A),
    "max_current_a": ("ev_max_current", CURRENT_CEILING_A),
    "max_power_w": ("ev_max_power", CURRENT_CEILING_A * VOLTAGE_CEILING_V),
    "max_voltage_v": ("ev_max_voltage", VOLTAGE_CEILING_V),
}


def _float(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


class Ocpp201Messages:
    """Handlers for 2.0.1 notifications; short, and never awaiting calls to the charger."""

    id: str
    charger: Charger
    host: ChargerHost
    readings: Readings

    if TYPE_CHECKING:

        def _evse_id(self, value: Any, name: str = "evseId") -> int:
            """Read a strict EVSE (or connector) id (the adapter's)."""

        def set_connector_status(self, evse: int, number: int, status: str) -> None:
            """Take a 2.0.1 connector status (the adapter's)."""

        def _evse_of(self, evse: Any) -> int:
            """Return the EVSE an event names, else the station's only one (the adapter's)."""

    # --- Device model events -------------------------------------------------------

    @on(Action.notify_event)
    def on_notify_event(
        self, event_data: list[dict[str, Any]], **kwargs: Any
    ) -> call_result.NotifyEvent:
        """Connector availability and problems become status and error code; the rest is logged."""
        for event in event_data:
            component = event["component"]
            variable = event["variable"]["name"]
            value = event["actual_value"]
            evse = component.get("evse") or {}
            evse_id = self._evse_id(evse.get("id", 0), "evse.id")
            LOGGER.debug(
                "Charger %s event: %s%s.%s = %s",
                self.id,
                component["name"],
                f"[{evse_id}]" if evse_id else "",
                variable,
                value,
            )
            if variable == "AvailabilityState" and component["name"] in ("Connector", "EVSE"):
                number = self._evse_id(evse.get("connector_id", 1), "evse.connectorId")
                self.set_connector_status(evse_id, number, value)
            elif variable == "Temperature" and (celsius := _float(value)) is not None:
                # Not a 2.0.1 measurand: a monitor on a Temperature variable reports it.
                connector = self.charger.connector(self._evse_of(evse))
                samples = self.readings.plausible([Sample("Temperature", celsius)])
                connector.apply_samples(samples, None, self.charger.rating)
                self.host.changed(self.charger)
            elif variable == "Problem":
                problem = value.lower() == "true" and not event.get("cleared")
                code = text_or_none(event.get("tech_code")) or component["name"]
                target = self.charger.connector(evse_id) if evse_id else self.charger
                target.error_code = code if problem else None
                target.vendor_error = text_or_none(event.get("tech_info")) if problem else None
                self.host.changed(self.charger)
        return call_result.NotifyEvent()

    @on(Action.notify_monitoring_report)
    def on_notify_monitoring_report(
        self, request_id: int, seq_no: int, **kwargs: Any
    ) -> call_result.NotifyMonitoringReport:
        """Acknowledge a monitoring report (we set no monitors)."""
        return call_result.NotifyMonitoringReport()

    @on(Action.notify_customer_information)
    def on_notify_customer_information(
        self, request_id: int, seq_no: int, **kwargs: Any
    ) -> call_result.NotifyCustomerInformation:
        """Acknowledge a customer information report."""
        return call_result.NotifyCustomerInformation()

    @on(Action.notify_display_messages)
    def on_notify_display_messages(
        self, request_id: int, **kwargs: Any
    ) -> call_result.NotifyDisplayMessages:
        """Acknowledge a display message report."""
        return call_result.NotifyDisplayMessages()

    # --- Firmware, logs and reservations -------------------------------------------

    @on(Action.publish_firmware_status_notification)
    def on_publish_firmware_status_notification(
        self, status: str, **kwargs: Any
    ) -> call_result.PublishFirmwareStatusNotification:
        """Acknowledge (we publish no firmware to local controllers)."""
        return call_result.PublishFirmwareStatusNotification()

    @on(Action.reservation_status_update)
    def on_reservation_status_update(
        self, reservation_id: int, reservation_update_status: str, **kwargs: Any
    ) -> call_result.ReservationStatusUpdate:
        """Note that a reservation expired or was removed."""
        LOGGER.info(
            "Charger %s reservation %s: %s", self.id, reservation_id, reservation_update_status
        )
        return call_result.ReservationStatusUpdate()

    # --- Smart charging notifications ----------------------------------------------

    @on(Action.notify_charging_limit)
    def on_notify_charging_limit(
        self,
        charging_limit: dict[str, Any],
        charging_schedule: Any = None,
        evse_id: int = 0,
        **kwargs: Any,
    ) -> call_result.NotifyChargingLimit:
        """Keep another party's limit (an energy manager, the grid operator); EVSE 0: the station.

        Each message is that source's whole limit. CSO is us: our own profiles are no outside limit.
        """
        source = charging_limit.get("charging_limit_source")
        evse_id = self._evse_id(evse_id)
        LOGGER.info("Charger %s is limited by %s on EVSE %s", self.id, source, evse_id)
        if not isinstance(source, str) or source == "CSO":
            return call_result.NotifyChargingLimit()
        limit = external_limit_201(source, charging_schedule, datetime.now(UTC))
        self.charger.connector(evse_id).external_limits[source] = limit
        evses = [evse_id] if evse_id > 0 else [n for n in self.charger.connectors if n > 0]
        for number in evses or [self._evse_of(None)]:
            self.charger.connector(number).seen_measurands.add(EXTERNAL_LIMIT_SEEN)
        self.host.changed(self.charger, durable=True)
        return call_result.NotifyChargingLimit()

    @on(Action.cleared_charging_limit)
    def on_cleared_charging_limit(
        self, charging_limit_source: str, evse_id: int | None = None, **kwargs: Any
    ) -> call_result.ClearedChargingLimit:
        """Forget that source's limit on the EVSE (0: the station's), or everywhere (no EVSE)."""
        LOGGER.info("Charger %s is no longer limited by %s", self.id, charging_limit_source)
        for number, connector in self.charger.connectors.items():
            if evse_id in (None, number):
                connector.external_limits.pop(charging_limit_source, None)
        self.host.changed(self.charger, durable=True)
        return call_result.ClearedChargingLimit()

    @on(Action.notify_ev_charging_needs)
    def on_notify_ev_charging_needs(
        self, evse_id: int, charging_needs: dict[str, Any], **kwargs: Any
    ) -> call_result.NotifyEVChargingNeeds:
        """Keep what the car needs; we offer no schedule of our own (the charger's limits apply).

        Each message is the car's whole word: what it no longer says is forgotten. It asks for
        energy from now on, so the session's energy so far is kept beside it.
        """
        if evse_id <= 0:
            LOGGER.info("Charger %s sent a car's charging needs for EVSE %s", self.id, evse_id)
            return call_result.NotifyEVChargingNeeds(status="Rejected")
        evse_id = self._evse_id(evse_id)
        connector = self.charger.connector(evse_id)
        ac = charging_needs.get("ac_charging_parameters")
        dc = charging_needs.get("dc_charging_parameters")
        params: dict[str, Any] = {
            **(dc if isinstance(dc, dict) else {}),
            **(ac if isinstance(ac, dict) else {}),
        }
        ev = connector.ev
        ev.departure_time = parse_time(charging_needs.get("departure_time"))
        for attribute, (key, ceiling) in _EV_NEEDS.items():
            told = params.get(key)
            value = number_within(told, 0, ceiling)
            if value is None and told is not None:
                self.readings.doubt(f"the car's {key} {shown(told)}")
            setattr(ev, attribute, value)
        session = connector.session_energy_wh if connector.transaction is not None else None
        ev.requested_at_session_wh = session or 0.0
        connector.note_ev()
        if (soc := number_or_none(params.get("state_of_charge"))) is not None:
            samples = self.readings.plausible([Sample("SoC", soc)])
            connector.apply_samples(samples, None, self.charger.rating)
        self.host.changed(self.charger, durable=True)
        return call_result.NotifyEVChargingNeeds(status="Rejected")

    @on(Action.notify_ev_charging_schedule)
    def on_notify_ev_charging_schedule(
        self, evse_id: int, **kwargs: Any
    ) -> call_result.NotifyEVChargingSchedule:
        """Accept the car's own plan (ISO 15118)."""
        return call_result.NotifyEVChargingSchedule(status="Accepted")

    # --- Certificates: we run no certificate authority and no OCSP responder ------

    @on(Action.get_15118_ev_certificate)
    def on_get_15118_ev_certificate(self, **kwargs: Any) -> call_result.Get15118EVCertificate:
        """Decline: no contract certificates (Plug & Charge) here."""
        return call_result.Get15118EVCertificate(status="Failed", exi_response="")

    @on(Action.get_certificate_status)
    def on_get_certificate_status(self, **kwargs: Any) -> call_result.GetCertificateStatus:
        """Decline: no OCSP lookups here."""
        return call_result.GetCertificateStatus(status="Failed")
