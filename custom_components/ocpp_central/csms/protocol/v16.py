"""OCPP 1.6J adapter: answers every charger-initiated message and updates the charger model."""

from __future__ import annotations

from typing import Any

from ocpp.exceptions import ProtocolError, TypeConstraintViolationError
from ocpp.v16 import ChargePoint as ChargePoint16, call_result
from ocpp.v16.enums import Action

from ...const import LOGGER
from ..meter import plausible, to_sample
from ..model import ENERGY_REGISTER, MAX_CONNECTORS, ConnectorStatus, Sample
from .base import ProtocolAdapter, on
from .certificates import Ocpp16Certificates
from .token_info import id_tag_info
from .v16_commands import Ocpp16Commands
from .values import (
    MAX_TEXT,
    nonneg_int,
    number_or_none,
    reading_time,
    register_wh,
    shown,
    text_or_none as _text,
)

_STATUS: dict[str, ConnectorStatus] = {
    "Available": ConnectorStatus.AVAILABLE,
    "Preparing": ConnectorStatus.PREPARING,
    "Charging": ConnectorStatus.CHARGING,
    "SuspendedEV": ConnectorStatus.SUSPENDED_EV,
    "SuspendedEVSE": ConnectorStatus.SUSPENDED_EVSE,
    "Finishing": ConnectorStatus.FINISHING,
    "Reserved": ConnectorStatus.RESERVED,
    "Unavailable": ConnectorStatus.UNAVAILABLE,
    "Faulted": ConnectorStatus.FAULTED,
}


# Statuses in which a 1.6 connector runs no session: one still open here is stale.
_NO_SESSION = frozenset({ConnectorStatus.AVAILABLE, ConnectorStatus.PREPARING})

# 1.6 idTag: CiString20Type.
ID_TAG_LENGTH = 20


def _id_tag(value: Any) -> str:
    """Return a required idTag; ProtocolError when absent, TypeConstraintViolation when no idTag."""
    if value is None:
        raise ProtocolError(details={"cause": "idTag is required"})
    if not isinstance(value, str) or len(value) > ID_TAG_LENGTH:
        raise TypeConstraintViolationError(
            details={"cause": f"idTag must be text of at most {ID_TAG_LENGTH}, got {shown(value)}"}
        )
    return value


def _sample(raw: dict[str, Any]) -> Sample | None:
    """Read a 1.6 sampledValue; signed data (OCMF blobs) is no reading."""
    if raw.get("format") == "SignedData":
        return None
    return to_sample(raw.get("measurand"), raw.get("value"), raw.get("unit"), raw.get("phase"))


class Ocpp16Adapter(ProtocolAdapter, ChargePoint16, Ocpp16Commands, Ocpp16Certificates):  # type: ignore[misc]
    """One OCPP 1.6J session. Handlers are short and never await calls to the charger."""

    @staticmethod
    def _check_action_known(action: str) -> None:
        Action(action)

    def _connector_id(self, value: Any) -> int:
        """Read a strict connectorId: 0 (the station) up to MAX_CONNECTORS."""
        return nonneg_int(value, "connectorId", MAX_CONNECTORS)

    # --- Core profile ---------------------------------------------------------------

    @on(Action.boot_notification, skip_schema_validation=True)
    def on_boot_notification(
        self,
        charge_point_vendor: Any = None,
        charge_point_model: Any = None,
        **kwargs: Any,
    ) -> call_result.BootNotification:
        """Record who the charger is; Pending while the homeowner has not confirmed it."""
        if not isinstance(charge_point_vendor, str) or not isinstance(charge_point_model, str):
            raise ProtocolError(
                details={"cause": "chargePointVendor and chargePointModel are required"}
            )
        if max(len(charge_point_vendor), len(charge_point_model)) > MAX_TEXT:
            raise TypeConstraintViolationError(
                details={"cause": f"chargePointVendor and chargePointModel are at most {MAX_TEXT}"}
            )
        info = self.charger.info
        info.vendor = charge_point_vendor
        info.model = charge_point_model
        info.serial_number = _text(kwargs.get("charge_point_serial_number")) or _text(
            kwargs.get("charge_box_serial_number")
        )
        info.firmware_version = _text(kwargs.get("firmware_version"))
        info.meter_type = _text(kwargs.get("meter_type"))
        info.meter_serial_number = _text(kwargs.get("meter_serial_number"))
        return self.answer_boot()

    @on(Action.status_notification, skip_schema_validation=True)
    def on_status_notification(
        self,
        connector_id: Any = None,
        status: Any = None,
        error_code: Any = None,
        **kwargs: Any,
    ) -> call_result.StatusNotification:
        """Connector 0 is the station itself."""
        number = nonneg_int(connector_id, "connectorId")
        if self.readings.beyond_station(number):
            return call_result.StatusNotification()
        mapped = _STATUS.get(status) if isinstance(status, str) else None
        if mapped is None:
            LOGGER.info("Charger %s reported unknown status %r", self.id, status)
        error = _text(error_code)
        if error == "NoError":
            error = None
        target = self.charger if number == 0 else self.charger.connector(number)
        # Stored, so that a restart shows it until the charger confirms it (or tells another).
        durable = (target.status, target.error_code) != (mapped, error)
        if number == 0:
            self.charger.status = mapped
        else:
            connector = self.charger.connector(number)
            connector.take_status(mapped)
            if mapped in _NO_SESSION and connector.transaction is not None:
                # Available or Preparing: the charger runs no session on this connector.
                self.close_stale(connector, f"status {status}")
        target.error_code = error
        said = (_text(kwargs.get("vendor_error_code")), _text(kwargs.get("info")))
        target.vendor_error = ": ".join(part for part in said if part) or None
        self.status_reported(number)
        self.host.changed(self.charger, durable=durable)
        return call_result.StatusNotification()

    @on(Action.meter_values, skip_schema_validation=True)
    def on_meter_values(
        self, connector_id: Any = None, meter_value: Any = None, **kwargs: Any
    ) -> call_result.MeterValues:
        """Connector 0 is the main meter; single-connector stations count it as connector 1."""
        number = self._connector_id(connector_id)
        batches = self.readings.batches(meter_value, _sample)
        self.readings.apply(self.meter_connector(number), batches)
        self.host.changed(self.charger, durable=True)
        return call_result.MeterValues()

    @on(Action.authorize)
    def on_authorize(self, id_tag: str, **kwargs: Any) -> call_result.Authorize:
        """Judge an id tag."""
        return call_result.Authorize(id_tag_info=self._authorize(id_tag, None))

    def _authorize(self, id_tag: str, connector_id: int | None) -> dict[str, Any]:
        """Judge a presented tag, report the presentation; IdTagInfo with expiry and parent."""
        result = self.judge_tag(id_tag, connector_id)
        return id_tag_info(result.status.value, result.expiry, result.group)

    @on(Action.start_transaction, skip_schema_validation=True)
    def on_start_transaction(
        self,
        connector_id: Any = None,
        id_tag: Any = None,
        meter_start: Any = None,
        timestamp: Any = None,
        **kwargs: Any,
    ) -> call_result.StartTransaction:
        """Open a session with a fresh transaction id; without meterStart, at the latest reading."""
        number = self._connector_id(connector_id)
        id_tag = _id_tag(id_tag)
        start_wh = register_wh(meter_start, "meterStart")
        connector = self.charger.connector(number or 1)
        stamped_at = reading_time(timestamp)
        tag_info = self._authorize(id_tag, connector.connector_id)
        running = connector.transaction
        if (
            running is not None
            and stamped_at is not None
            and running.started_at == stamped_at
            and running.id_tag == id_tag
            and isinstance(running.transaction_id, int)
        ):
            # A retry of a StartTransaction whose answer got lost: same session, same id.
            transaction_id = running.transaction_id
        else:
            transaction_id = self.host.next_transaction_id()
            self.open_transaction(
                connector,
                transaction_id,
                id_tag,
                start_wh=start_wh,
                read_at=stamped_at,
                started_at=stamped_at,
            )
            self.host.changed(self.charger, durable=True)
        return call_result.StartTransaction(transaction_id=transaction_id, id_tag_info=tag_info)

    @on(Action.stop_transaction, skip_schema_validation=True)
    def on_stop_transaction(
        self,
        transaction_id: Any = None,
        meter_stop: Any = None,
        timestamp: Any = None,
        **kwargs: Any,
    ) -> call_result.StopTransaction:
        """Close the session; acknowledge unknown transactions too (queued offline stops).

        Any transactionId is taken: one that is none of ours (Alfen's 2^63 - 1 for "none", an
        offline session's -1, a wrong type) is acknowledged and changes nothing. An implausible
        meterStop is dropped: the session closes at the latest reading.
        """
        id_tag = _text(kwargs.get("id_tag"), ID_TAG_LENGTH)
        connector = (
            self.charger.find_transaction(transaction_id)
            if isinstance(transaction_id, int) and not isinstance(transaction_id, bool)
            else None
        )
        stale = next(
            (
                c
                for c in self.charger.connectors.values()
                if c.stale_transaction is not None
                and c.stale_transaction.transaction_id == transaction_id
            ),
            None,
        )
        if connector is None and stale is not None:
            # The stop of a session closed as stale: its reading still counts.
            stale.late_stop(transaction_id, self._stop_reading(meter_stop), reading_time(timestamp))
            self.host.changed(self.charger, durable=True)
        elif connector is None:
            LOGGER.info(
                "Charger %s stopped unknown transaction %r; acknowledged",
                self.id,
                transaction_id,
            )
        else:
            data = kwargs.get("transaction_data")
            if isinstance(data, list):
                self.readings.apply(connector, self.readings.batches(data, _sample))
            reason = kwargs.get("reason")
            self.close_transaction(
                connector,
                stop_wh=self._stop_reading(meter_stop),
                read_at=reading_time(timestamp),
                # OCPP 1.6 section 6.50: no reason given means Local.
                reason=_text(reason, 40) if reason is not None else "Local",
            )
            self.host.changed(self.charger, durable=True)
        if not id_tag:
            return call_result.StopTransaction()
        stop_connector = connector.connector_id if connector is not None else None
        return call_result.StopTransaction(id_tag_info=self._authorize(id_tag, stop_connector))

    # --- After a reconnect ------------------------------------------------------------

    async def confirm_statuses(self) -> None:
        """TriggerMessage(StatusNotification) per connector not heard from since connecting.

        Without a known connector, once without connectorId: chargers answer that with the
        station's status, most with every connector's.
        """
        known = sorted(number for number in self.charger.connectors if number > 0)
        if not known:
            await self.trigger_message("StatusNotification")
        for number in known:
            if self.status_heard(number):
                continue
            if not (await self.trigger_message("StatusNotification", number)).accepted:
                return
        # A session open here: its readings say whether it still runs (its status, whether it
        # is stale: Available or Preparing close it).
        for number in known:
            if self.charger.connectors[number].transaction is not None:
                await self.trigger_message("MeterValues", number)

    def _stop_reading(self, meter_stop: Any) -> float | None:
        """Read a StopTransaction's meterStop in Wh when it can be true, else None (doubted)."""
        stop_wh = number_or_none(meter_stop)
        if stop_wh is not None and plausible(Sample(ENERGY_REGISTER, stop_wh), self.charger.rating):
            return stop_wh
        if meter_stop is not None:
            self.readings.doubt(f"meterStop {shown(meter_stop)}")
        return None

    # --- Firmware management and security extension -------------------------------

    @on(Action.diagnostics_status_notification)
    def on_diagnostics_status(
        self, status: str, **kwargs: Any
    ) -> call_result.DiagnosticsStatusNotification:
        """Acknowledge a diagnostics upload status."""
        LOGGER.debug("Charger %s diagnostics upload: %s", self.id, status)
        return call_result.DiagnosticsStatusNotification()

    @on(Action.signed_firmware_status_notification)
    def on_signed_firmware_status(
        self, status: str, **kwargs: Any
    ) -> call_result.SignedFirmwareStatusNotification:
        """Signed firmware updates report like plain ones."""
        self.charger.firmware_status = status
        self.host.changed(self.charger)
        return call_result.SignedFirmwareStatusNotification()
