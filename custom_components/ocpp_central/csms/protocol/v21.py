"""OCPP 2.1 adapter (experimental): the 2.0.1 adapter on the 2.1 schemas.

Every message shape the 2.0.1 adapter reads or builds is the same in 2.1 (2.1 only adds optional
fields), so handlers and commands are shared; answers and requests are validated against the 2.1
schemas. Each action 2.1 added for a charging station to send has a handler here: the `ocpp`
package 2.1.0 leaves a 2.1 CALL without a handler unanswered (our base routing answers it anyway,
but chargers deserve a proper answer). SEND frames (NotifyPeriodicEventStream) need no answer, and a
CALLRESULTERROR (the charger could not process one of our answers) is only logged.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
import re
from typing import Any

from ocpp.v21 import call as call_21, call_result as call_result_21
from ocpp.v21.enums import Action

from ...const import LOGGER
from .base import on
from .v201 import Ocpp201Adapter

# [5, ...] CALLRESULTERROR and [6, ...] SEND, new in OCPP-J for 2.1; ocpp 2.1.0 cannot unpack them.
_NEW_FRAME_TYPE = re.compile(r"\s*\[\s*([56])\s*,")
# How long a "we cannot tell" certificate status may be cached by the charger.
_CERTIFICATE_STATUS_VALIDITY = timedelta(days=1)


class Ocpp21Adapter(Ocpp201Adapter):
    """One OCPP 2.1 session (experimental)."""

    _ocpp_version = "2.1"
    _call = call_21
    _call_result = call_result_21

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        LOGGER.info("Charger %s speaks OCPP 2.1, which is experimental here", self.id)

    @staticmethod
    def _check_action_known(action: str) -> None:
        Action(action)

    async def route_message(self, raw_msg: str | bytes) -> None:
        """Route a frame; SEND and CALLRESULTERROR frames are taken note of, not answered."""
        text = raw_msg.decode(errors="replace") if isinstance(raw_msg, bytes) else raw_msg
        if (match := _NEW_FRAME_TYPE.match(text)) is not None:
            if match[1] == "5":
                LOGGER.info("Charger %s could not process an answer of ours: %.200s", self.id, text)
            else:
                LOGGER.debug("Charger %s sent %.200s", self.id, text)
            return
        await super().route_message(raw_msg)

    # --- 2.1 additions a charging station sends -------------------------------------

    @on(Action.battery_swap)
    def on_battery_swap(self, event_type: str, **kwargs: Any) -> call_result_21.BatterySwap:
        """Acknowledge a battery swap event."""
        LOGGER.debug("Charger %s battery swap: %s", self.id, event_type)
        return call_result_21.BatterySwap()

    @on(Action.open_periodic_event_stream)
    def on_open_periodic_event_stream(
        self, **kwargs: Any
    ) -> call_result_21.OpenPeriodicEventStream:
        """Decline event streams: we set no monitors that would feed them."""
        return call_result_21.OpenPeriodicEventStream(status="Rejected")

    @on(Action.close_periodic_event_stream)
    def on_close_periodic_event_stream(
        self, **kwargs: Any
    ) -> call_result_21.ClosePeriodicEventStream:
        """Acknowledge the end of an event stream."""
        return call_result_21.ClosePeriodicEventStream()

    @on(Action.get_certificate_chain_status)
    def on_get_certificate_chain_status(
        self, certificate_status_requests: list[dict[str, Any]], **kwargs: Any
    ) -> call_result_21.GetCertificateChainStatus:
        """Answer Failed for every certificate: we run no CRL or OCSP lookups."""
        next_update = (datetime.now(UTC) + _CERTIFICATE_STATUS_VALIDITY).isoformat(
            timespec="seconds"
        )
        return call_result_21.GetCertificateChainStatus(
            certificate_status=[
                {
                    "certificate_hash_data": request["certificate_hash_data"],
                    "source": request["source"],
                    "status": "Failed",
                    "next_update": next_update.replace("+00:00", "Z"),
                }
                for request in certificate_status_requests
            ]
        )

    @on(Action.notify_der_alarm)
    def on_notify_der_alarm(self, **kwargs: Any) -> call_result_21.NotifyDERAlarm:
        """Log a distributed-energy-resource alarm."""
        LOGGER.info("Charger %s DER alarm: %s", self.id, kwargs.get("control_type"))
        return call_result_21.NotifyDERAlarm()

    @on(Action.notify_der_start_stop)
    def on_notify_der_start_stop(self, **kwargs: Any) -> call_result_21.NotifyDERStartStop:
        """Acknowledge a DER control starting or stopping."""
        return call_result_21.NotifyDERStartStop()

    @on(Action.report_der_control)
    def on_report_der_control(self, **kwargs: Any) -> call_result_21.ReportDERControl:
        """Acknowledge a DER control report (we request none)."""
        return call_result_21.ReportDERControl()

    @on(Action.notify_priority_charging)
    def on_notify_priority_charging(self, **kwargs: Any) -> call_result_21.NotifyPriorityCharging:
        """Acknowledge that priority charging started or stopped."""
        return call_result_21.NotifyPriorityCharging()

    @on(Action.notify_settlement)
    def on_notify_settlement(self, **kwargs: Any) -> call_result_21.NotifySettlement:
        """Acknowledge a payment settlement (we issue no receipts)."""
        return call_result_21.NotifySettlement()

    @on(Action.pull_dynamic_schedule_update)
    def on_pull_dynamic_schedule_update(
        self, **kwargs: Any
    ) -> call_result_21.PullDynamicScheduleUpdate:
        """Decline: we install no dynamic charging profiles."""
        return call_result_21.PullDynamicScheduleUpdate(status="Rejected")

    @on(Action.vat_number_validation)
    def on_vat_number_validation(
        self, vat_number: str, **kwargs: Any
    ) -> call_result_21.VatNumberValidation:
        """Decline: we cannot validate VAT numbers."""
        return call_result_21.VatNumberValidation(
            vat_number=vat_number, status="Rejected", evse_id=kwargs.get("evse_id")
        )
