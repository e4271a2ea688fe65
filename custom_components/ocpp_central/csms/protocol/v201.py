"""OCPP 2.0.1 adapter: answers every charger-initiated message and updates the charger model.

EVSEs are the model's connectors (EVSE 0 is the station). A connector's status combines the coarse
2.0.1 connector status (StatusNotification) with the charging state of its transaction
(TransactionEvent), so that entities see the same statuses as for 1.6. Transactions carry the
charger's own string ids; TransactionEvents are de-duplicated by (transactionId, seqNo), and late
`offline` events are applied in order without moving the lifetime energy back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ocpp.exceptions import ProtocolError, TypeConstraintViolationError
from ocpp.v201 import ChargePoint as ChargePoint201, call, call_result
from ocpp.v201.enums import Action

from ...const import LOGGER
from ..commands import ChargerCallError
from ..model import MAX_CONNECTORS, Connector, ConnectorStatus, EvInfo, Sample, Transaction
from .base import ProtocolAdapter, on
from .certificates import Ocpp201Certificates
from .token_info import CENTRAL, id_token_info
from .v201_commands import Ocpp201Commands
from .v201_messages import Ocpp201Messages
from .v201_state import EVENT_TYPES, Ledger, energy_reading, ledger_for, sample_201
from .values import MAX_TEXT, nonneg_int, number_within, reading_time, text_or_none

# 2.0.1 identifierString: transaction ids and id tokens.
IDENTIFIER_LENGTH = 36

# Connector statuses by precedence: an EVSE with several connectors shows its busiest one.
_CONNECTOR_STATUS: dict[str, ConnectorStatus] = {
    "Occupied": ConnectorStatus.PREPARING,
    "Reserved": ConnectorStatus.RESERVED,
    "Available": ConnectorStatus.AVAILABLE,
    "Unavailable": ConnectorStatus.UNAVAILABLE,
    "Faulted": ConnectorStatus.FAULTED,
}
_CHARGING_STATE: dict[str, ConnectorStatus] = {
    "Charging": ConnectorStatus.CHARGING,
    "SuspendedEV": ConnectorStatus.SUSPENDED_EV,
    "SuspendedEVSE": ConnectorStatus.SUSPENDED_EVSE,
    "EVConnected": ConnectorStatus.PREPARING,
}
# Statuses only a transaction's charging state tells.
_TOLD_BY_CHARGING_STATE = frozenset(
    {ConnectorStatus.CHARGING, ConnectorStatus.SUSPENDED_EV, ConnectorStatus.SUSPENDED_EVSE}
)


class Ocpp201Adapter(
    Ocpp201Messages,
    Ocpp201Commands,
    ProtocolAdapter,
    ChargePoint201,  # type: ignore[misc]
    Ocpp201Certificates,
):
    """One OCPP 2.0.1 session. Handlers are short and never await calls to the charger."""

    @property
    def ledger(self) -> Ledger:
        """The charger's 2.0.1 bookkeeping."""
        return ledger_for(self.charger)

    @staticmethod
    def _check_action_known(action: str) -> None:
        Action(action)

    def _evse_id(self, value: Any, name: str = "evseId") -> int:
        """Read a strict EVSE (or connector) id: 0 (the station) up to MAX_CONNECTORS."""
        return nonneg_int(value, name, MAX_CONNECTORS)

    # --- Provisioning and availability -------------------------------------------------

    @on(Action.boot_notification, skip_schema_validation=True)
    def on_boot_notification(
        self, charging_station: Any = None, reason: Any = None, **kwargs: Any
    ) -> call_result.BootNotification:
        """Record who the charger is; Pending while the homeowner has not confirmed it."""
        station = charging_station if isinstance(charging_station, dict) else {}
        if not isinstance(station.get("vendor_name"), str) or not isinstance(
            station.get("model"), str
        ):
            raise ProtocolError(
                details={"cause": "chargingStation vendorName and model are required"}
            )
        if max(len(station["vendor_name"]), len(station["model"])) > MAX_TEXT:
            raise TypeConstraintViolationError(
                details={"cause": f"vendorName and model are at most {MAX_TEXT} characters"}
            )
        info = self.charger.info
        info.vendor = station["vendor_name"]
        info.model = station["model"]
        info.serial_number = text_or_none(station.get("serial_number"))
        info.firmware_version = text_or_none(station.get("firmware_version"))
        info.meter_type = info.meter_serial_number = None
        for connector in self.charger.connectors.values():
            connector.external_limits.clear()  # others' limits went with the reboot
        LOGGER.debug("Charger %s booted (%s)", self.id, reason)
        return self.answer_boot()

    @on(Action.status_notification, skip_schema_validation=True)
    def on_status_notification(
        self,
        connector_status: Any = None,
        evse_id: Any = None,
        connector_id: Any = None,
        **kwargs: Any,
    ) -> call_result.StatusNotification:
        """EVSE 0 is the station itself; an EVSE's connectors make up the model connector."""
        evse = nonneg_int(evse_id, "evseId")
        number = nonneg_int(connector_id, "connectorId")
        if self.readings.beyond_station(evse) or self.readings.beyond_station(number):
            return call_result.StatusNotification()
        if not isinstance(connector_status, str):
            raise ProtocolError(details={"cause": "connectorStatus is required"})
        self.set_connector_status(evse, number, connector_status)
        return call_result.StatusNotification()

    def set_connector_status(self, evse: int, number: int, status: str) -> None:
        """Take a 2.0.1 connector status (StatusNotification or an AvailabilityState event)."""
        if status not in _CONNECTOR_STATUS:
            LOGGER.info("Charger %s reported unknown connector status %r", self.id, status)
        self.status_reported(evse, number)
        before = self._stored_status(evse)
        forgot = False
        if evse == 0:
            self.charger.status = _CONNECTOR_STATUS.get(status)
        else:
            state = self.ledger.evse(evse)
            state.statuses[number] = status
            if status != "Occupied":
                state.finished = False
            if status == "Available" and "Occupied" not in state.statuses.values():
                # The car left: its word goes with it (stored, so that no restart brings it back).
                connector = self.charger.connector(evse)
                forgot = connector.ev != EvInfo()
                connector.ev = EvInfo()
            self._refresh_status(evse)
        # Stored when it changed, so that a restart shows it until the charger confirms it.
        self.host.changed(self.charger, durable=forgot or before != self._stored_status(evse))

    def _stored_status(self, evse: int) -> tuple[ConnectorStatus | None, ...]:
        """Return the statuses a connector status can change: the station's, and its EVSE's."""
        connector = self.charger.connectors.get(evse) if evse else None
        return (self.charger.status, connector.status if connector is not None else None)

    def _refresh_status(self, evse: int) -> None:
        """Combine connector statuses and the charging state into the model's status."""
        state = self.ledger.evse(evse)
        connector = self.charger.connector(evse)
        known = [s for s in state.statuses.values() if s in _CONNECTOR_STATUS]
        raw = min(known, key=list(_CONNECTOR_STATUS).index) if known else None
        charging = state.charging_state if connector.transaction is not None else None
        if raw in ("Faulted", "Unavailable", "Reserved"):
            connector.take_status(_CONNECTOR_STATUS[raw])
        elif charging in _CHARGING_STATE:
            connector.take_status(_CHARGING_STATE[charging])
        elif (
            charging is None
            and connector.transaction is not None
            and connector.status in _TOLD_BY_CHARGING_STATE
        ):
            pass  # Told before a restart of ours (stored): it stands until the charger tells again.
        elif raw == "Occupied" or connector.transaction is not None:
            finishing = state.finished and connector.transaction is None
            connector.take_status(
                ConnectorStatus.FINISHING if finishing else ConnectorStatus.PREPARING
            )
        elif raw == "Available":
            connector.take_status(ConnectorStatus.AVAILABLE)
        self._refresh_station()

    def _refresh_station(self) -> None:
        """2.0.1 has no station status of its own: available unless no EVSE is."""
        raws = {s for state in self.ledger.evses.values() for s in state.statuses.values()}
        if raws == {"Faulted"}:
            self.charger.status = ConnectorStatus.FAULTED
        elif raws and raws <= {"Faulted", "Unavailable"}:
            self.charger.status = ConnectorStatus.UNAVAILABLE
        elif raws:
            self.charger.status = ConnectorStatus.AVAILABLE

    # --- Meter values and transactions ------------------------------------------------

    @on(Action.meter_values, skip_schema_validation=True)
    def on_meter_values(
        self, evse_id: Any = None, meter_value: Any = None, **kwargs: Any
    ) -> call_result.MeterValues:
        """EVSE 0 is the main meter; single-EVSE stations count it as EVSE 1."""
        connector = self.meter_connector(self._evse_id(evse_id))
        self.readings.apply(connector, self.readings.batches(meter_value, sample_201))
        self.host.changed(self.charger, durable=True)
        return call_result.MeterValues()

    @on(Action.authorize)
    def on_authorize(self, id_token: dict[str, Any], **kwargs: Any) -> call_result.Authorize:
        """Judge an id token."""
        return call_result.Authorize(id_token_info=self._token_info(id_token, None, report=True))

    def _token_info(
        self, id_token: Any, connector_id: int | None, *, report: bool
    ) -> dict[str, Any]:
        """IdTokenInfo for a presented token.

        NoAuthorization (free charging) is accepted once the station is confirmed: a pending
        station may not charge, not even without a card.
        """
        if not isinstance(id_token, dict) or id_token.get("type") == "NoAuthorization":
            return {"status": "Accepted" if self.host.confirmed(self.charger) else "Invalid"}
        tag = id_token.get("id_token")
        if not isinstance(tag, str):
            raise ProtocolError(details={"cause": "idToken.idToken is required"})
        if len(tag) > IDENTIFIER_LENGTH:
            raise TypeConstraintViolationError(
                details={"cause": f"idToken.idToken is at most {IDENTIFIER_LENGTH} characters"}
            )
        if isinstance(kind := id_token.get("type"), str):
            Ledger.remember(self.ledger.token_types, tag, kind)
        if report:
            result = self.judge_tag(tag, connector_id)
        else:
            result = self.host.authorize(self.charger, tag)
        return id_token_info(
            result.status.value,
            result.expiry,
            result.group,
            lambda group: self.ledger.token_types.get(group, CENTRAL),
        )

    @on(Action.transaction_event, skip_schema_validation=True)
    def on_transaction_event(
        self,
        event_type: Any = None,
        timestamp: Any = None,
        seq_no: Any = None,
        transaction_info: Any = None,
        **kwargs: Any,
    ) -> call_result.TransactionEvent:
        """Open, update and close sessions; each (transactionId, seqNo) is applied once."""
        info = transaction_info if isinstance(transaction_info, dict) else {}
        tx_id = info.get("transaction_id")
        known_event = isinstance(event_type, str) and event_type in EVENT_TYPES
        if not known_event or not isinstance(tx_id, str) or not tx_id:
            raise ProtocolError(
                details={"cause": "eventType and transactionInfo.transactionId are required"}
            )
        if len(tx_id) > IDENTIFIER_LENGTH:
            raise TypeConstraintViolationError(
                details={"cause": f"transactionId is at most {IDENTIFIER_LENGTH} characters"}
            )
        seq = nonneg_int(seq_no, "seqNo")
        id_token = kwargs.get("id_token")
        ledger = self.ledger
        seen = ledger.seq_nos.get(tx_id)
        if tx_id in ledger.ended or (seen is not None and seq in seen):
            LOGGER.debug("Charger %s repeated or sent late event %s/%s", self.id, tx_id, seq)
            return self._tx_answer(id_token, None, report=False)
        if seen is None:
            Ledger.remember(ledger.seq_nos, tx_id, seen := set())
        seen.add(seq)
        batches = self.readings.batches(kwargs.get("meter_value") or [], sample_201)
        at = reading_time(timestamp)
        connector = self.charger.find_transaction(tx_id)
        known = connector is not None
        if connector is None:
            connector = self.charger.connector(self._evse_of(kwargs.get("evse")))
        answer = self._tx_answer(id_token, connector.connector_id, report=True)
        if not known and event_type != "Ended":
            self._open(connector, tx_id=tx_id, info=info, id_token=id_token, batches=batches, at=at)
        elif known and event_type == "Started":
            self._backdate(connector, batches, at)
        transaction = connector.transaction if known or event_type != "Ended" else None
        if transaction is not None and transaction.id_tag is None:
            token = id_token.get("id_token") if isinstance(id_token, dict) else None
            transaction.id_tag = text_or_none(token, IDENTIFIER_LENGTH)
        if transaction is not None and isinstance(charging := info.get("charging_state"), str):
            ledger.evse(connector.connector_id).charging_state = charging
            # Before the readings: they are as new as the state (leaving Charging zeroes flows).
            self._refresh_status(connector.connector_id)
        if batches:
            connector.metered_directly = True
        self.readings.apply(connector, batches)
        self._note_ev(connector, kwargs)
        if event_type == "Ended":
            reason = text_or_none(info.get("stopped_reason"), 40)
            self._end(connector, tx_id, batches, transaction, reason=reason, at=at)
        self._refresh_status(connector.connector_id)
        self.host.changed(self.charger, durable=True)
        return answer

    def _tx_answer(
        self, id_token: Any, connector_id: int | None, *, report: bool
    ) -> call_result.TransactionEvent:
        if id_token is None:
            return call_result.TransactionEvent()
        return call_result.TransactionEvent(
            id_token_info=self._token_info(id_token, connector_id, report=report)
        )

    def _evse_of(self, evse: Any) -> int:
        """Return the EVSE an event names, else the station's only one (evse is optional)."""
        if (
            isinstance(evse, dict)
            and evse.get("id") is not None
            and (number := self._evse_id(evse["id"], "evse.id"))
        ):
            return number
        real = [n for n in self.charger.connectors if n > 0]
        return real[0] if len(real) == 1 else 1

    def _open(
        self,
        connector: Connector,
        *,
        tx_id: str,
        info: dict[str, Any],
        id_token: Any,
        batches: list[tuple[datetime | None, list[Sample]]],
        at: datetime | None,
    ) -> None:
        """Start a session at its first event (normally Started; Updated if that got lost)."""
        tag = id_token.get("id_token") if isinstance(id_token, dict) else None
        remote_start = info.get("remote_start_id")
        if tag is None and isinstance(remote_start, int):
            tag = self.ledger.remote_starts.get(remote_start)
        reading, read_at = energy_reading(batches, last=False)
        replaced = self.open_transaction(
            connector,
            tx_id,
            text_or_none(tag, IDENTIFIER_LENGTH),
            start_wh=reading,
            read_at=read_at or at,
            started_at=at,
        )
        if replaced is not None:
            self._forget(str(replaced.transaction_id))
        state = self.ledger.evse(connector.connector_id)
        state.charging_state = None
        state.finished = False

    def _backdate(
        self,
        connector: Connector,
        batches: list[tuple[datetime | None, list[Sample]]],
        at: datetime | None,
    ) -> None:
        """Move the start back for a Started event that arrives after later events of its session.

        Its start reading only ever moves the session's start reading down: the session's energy
        shown so far stands.
        """
        transaction = connector.transaction
        if transaction is None or at is None or at >= transaction.started_at:
            return
        transaction.started_at = at
        reading, read_at = energy_reading(batches, last=False)
        if reading is not None:
            start_wh = connector.register_reading(
                reading, read_at or at, rating=self.charger.rating
            )
            if start_wh is not None:
                transaction.meter_start_wh = min(transaction.meter_start_wh, start_wh)

    def _end(
        self,
        connector: Connector,
        tx_id: str,
        batches: list[tuple[datetime | None, list[Sample]]],
        transaction: Transaction | None,
        *,
        reason: str | None = None,
        at: datetime | None = None,
    ) -> None:
        """Close the session; an Ended event of a session never seen only counts as seen."""
        self._forget(tx_id)
        if transaction is None:
            LOGGER.info("Charger %s ended transaction %s we never saw start", self.id, tx_id)
            return
        state = self.ledger.evse(connector.connector_id)
        state.finished = state.charging_state not in (None, "Idle") or (
            "Occupied" in state.statuses.values()
        )
        state.charging_state = None
        reading, read_at = energy_reading(batches, last=True)
        self.close_transaction(
            connector, stop_wh=reading, read_at=read_at, reason=reason, ended_at=at
        )

    def _forget(self, tx_id: str) -> None:
        """Remember that a transaction ended (its later events are repeats); drop its seqNos."""
        Ledger.remember(self.ledger.ended, tx_id, None)
        self.ledger.seq_nos.pop(tx_id, None)

    # --- After a reconnect ------------------------------------------------------------

    async def confirm_statuses(self) -> None:
        """TriggerMessage(StatusNotification) per EVSE and connector not heard from since connecting.

        2.0.1 wants both ids (F06.FR.12); a connector whose trigger is refused is read instead
        (GetVariables of its AvailabilityState). A running session's charging state (Charging,
        SuspendedEV, ...) is not a connector status: unknown after a restart of ours, the session's
        TransactionEvent is asked for too.
        """
        evses = sorted(number for number in self.charger.connectors if number > 0) or [1]
        for evse in evses:
            state = self.ledger.evse(evse)
            for number in sorted(state.statuses) or [1]:
                if not self.status_heard(evse, number):
                    await self._confirm_status(evse, number)
            connector = self.charger.connectors.get(evse)
            if connector and connector.transaction is not None:
                # E14: does it still run? One that ended while we were apart closes as stale.
                try:
                    await self.get_transaction_status(connector.transaction.transaction_id)
                except ChargerCallError as err:
                    LOGGER.debug("Charger %s: no transaction status (%s)", self.id, err)
            if connector and connector.transaction is not None and not state.charging_state:
                await self._status(
                    call.TriggerMessage(requested_message="TransactionEvent", evse={"id": evse})
                )

    async def _confirm_status(self, evse: int, number: int) -> None:
        trigger = call.TriggerMessage(
            requested_message="StatusNotification", evse={"id": evse, "connector_id": number}
        )
        try:
            if (await self._status(trigger)).accepted:
                return
        except ChargerCallError as err:
            LOGGER.debug("Charger %s: status trigger failed (%s); reading it", self.id, err)
        key = f"Connector@{evse}.{number}/AvailabilityState"
        for entry in (await self.get_configuration([key])).entries:
            if entry.value and not self.status_heard(evse, number):
                self.set_connector_status(evse, number, entry.value)

    def _note_ev(self, connector: Connector, fields: dict[str, Any]) -> None:
        """Phases used and the cable's rating, as a TransactionEvent tells them."""
        phases = fields.get("number_of_phases_used")
        if isinstance(phases, int) and not isinstance(phases, bool) and 0 < phases <= 3:
            connector.ev.phases_used = phases
        ceiling = self.charger.rating.current_ceiling_a
        if (cable := number_within(fields.get("cable_max_current"), 0, ceiling)) is not None:
            connector.ev.cable_max_current_a = cable
        connector.note_ev()
