#!/usr/bin/env python3
"""A simulated OCPP 1.6J (or 2.0.1) charger that keeps charging a car, for demos and manual testing.

    .venv/bin/python scripts/sim_charger.py ws://127.0.0.1:9000 DEMO1
    .venv/bin/python scripts/sim_charger.py ws://127.0.0.1:9000 DEMO2 --ocpp 2.0.1

It connects (and keeps reconnecting), boots, reports the connector Available, plugs a car in
(Preparing), starts a transaction and charges it (Charging): every few seconds a MeterValues
with the energy register, power (about 7.4 kW on three phases), current and voltage per phase,
current offered, frequency, the car's state of charge and the charger's temperature. When the
battery is full it stops the transaction, unplugs, waits and plugs in the next car, forever.

It answers the central system's calls like a charger does: SetChargingProfile / Clear...
limit the current it offers, per profile purpose and schedule period, and the car's power follows
at the next reading (below 6 A the car pauses), RemoteStart/RemoteStopTransaction,
TriggerMessage, Get/ChangeConfiguration (MeterValueSampleInterval changes the interval),
Reset (it reboots), ChangeAvailability, UnlockConnector. With --state-file the energy
register survives restarts, so the lifetime energy keeps counting up.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
import json
import logging
from pathlib import Path
import random
import signal
import sys
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from ocpp.exceptions import OCPPError
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import (
    Action,
    AvailabilityStatus,
    ChargePointErrorCode,
    ChargePointStatus,
    ChargingProfileStatus,
    ClearChargingProfileStatus,
    ConfigurationStatus,
    DataTransferStatus,
    MessageTrigger,
    Reason,
    RegistrationStatus,
    RemoteStartStopStatus,
    ResetStatus,
    TriggerMessageStatus,
    UnlockStatus,
)
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

PHASES = ("L1", "L2", "L3")
NOMINAL_VOLTAGE = 230.0
MIN_CURRENT = 6.0  # IEC 61851: below this the car cannot charge

log = logging.getLogger("sim")


def now_iso() -> str:
    """UTC time the way OCPP wants it."""
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class CarState:
    """What survives a restart of the simulator (with --state-file)."""

    register_wh: float = 1_234_000.0
    soc: float = 22.0
    temperature_c: float = 24.0
    transaction_id: int | None = None
    meter_start_wh: float = 0.0


class SimCharger(ChargePoint):
    """One connector, one car at a time."""

    def __init__(self, charger_id: str, connection: Any, sim: Simulation) -> None:
        super().__init__(charger_id, connection, response_timeout=30)
        self.sim = sim

    # --- calls from the central system -------------------------------------------------

    @on(Action.remote_start_transaction)
    def on_remote_start(self, id_tag: str, **kwargs: Any) -> call_result.RemoteStartTransaction:
        if self.sim.state.transaction_id is not None:
            return call_result.RemoteStartTransaction(status=RemoteStartStopStatus.rejected)
        self.sim.id_tag = id_tag
        self.sim.wake.set()
        return call_result.RemoteStartTransaction(status=RemoteStartStopStatus.accepted)

    @on(Action.remote_stop_transaction)
    def on_remote_stop(
        self, transaction_id: int, **kwargs: Any
    ) -> call_result.RemoteStopTransaction:
        if transaction_id != self.sim.state.transaction_id:
            return call_result.RemoteStopTransaction(status=RemoteStartStopStatus.rejected)
        self.sim.stop_reason = Reason.remote
        self.sim.wake.set()
        return call_result.RemoteStopTransaction(status=RemoteStartStopStatus.accepted)

    @on(Action.set_charging_profile)
    def on_set_charging_profile(
        self, connector_id: int, cs_charging_profiles: dict[str, Any], **kwargs: Any
    ) -> call_result.SetChargingProfile:
        accepted = self.sim.profiles.set(
            cs_charging_profiles.get("charging_profile_purpose", "TxDefaultProfile"),
            cs_charging_profiles.get("charging_profile_id"),
            cs_charging_profiles.get("charging_schedule", {}),
        )
        self.sim.limit_changed()
        return call_result.SetChargingProfile(
            status=ChargingProfileStatus.accepted if accepted else ChargingProfileStatus.rejected
        )

    @on(Action.clear_charging_profile)
    def on_clear_charging_profile(
        self, id: int | None = None, charging_profile_purpose: str | None = None, **kwargs: Any
    ) -> call_result.ClearChargingProfile:
        cleared = self.sim.profiles.clear(id, charging_profile_purpose)
        self.sim.limit_changed()
        return call_result.ClearChargingProfile(
            status=ClearChargingProfileStatus.accepted
            if cleared
            else ClearChargingProfileStatus.unknown
        )

    @on(Action.trigger_message)
    def on_trigger_message(
        self, requested_message: str, **kwargs: Any
    ) -> call_result.TriggerMessage:
        if requested_message not in {
            MessageTrigger.boot_notification,
            MessageTrigger.heartbeat,
            MessageTrigger.status_notification,
            MessageTrigger.meter_values,
        }:
            return call_result.TriggerMessage(status=TriggerMessageStatus.not_implemented)
        # Sent after this reply, as the specification asks.
        self.sim.spawn(self.sim.send_triggered(MessageTrigger(requested_message)))
        return call_result.TriggerMessage(status=TriggerMessageStatus.accepted)

    @on(Action.get_configuration)
    def on_get_configuration(self, key: list[str] | None = None, **kwargs: Any) -> Any:
        config = self.sim.configuration()
        wanted = key or list(config)
        return call_result.GetConfiguration(
            configuration_key=[
                {"key": name, "readonly": False, "value": config[name]}
                for name in wanted
                if name in config
            ],
            unknown_key=[name for name in wanted if name not in config] or None,
        )

    @on(Action.change_configuration)
    def on_change_configuration(
        self, key: str, value: str, **kwargs: Any
    ) -> call_result.ChangeConfiguration:
        if key == "MeterValueSampleInterval":
            try:
                self.sim.interval = max(1.0, float(value))
            except ValueError:
                return call_result.ChangeConfiguration(status=ConfigurationStatus.rejected)
            self.sim.wake.set()
            return call_result.ChangeConfiguration(status=ConfigurationStatus.accepted)
        if key in self.sim.configuration():
            self.sim.extra_config[key] = value
            return call_result.ChangeConfiguration(status=ConfigurationStatus.accepted)
        return call_result.ChangeConfiguration(status=ConfigurationStatus.not_supported)

    @on(Action.reset)
    def on_reset(self, type: str, **kwargs: Any) -> call_result.Reset:
        log.info("%s: %s reset requested; rebooting", self.id, type)
        self.sim.spawn(self.sim.reboot())
        return call_result.Reset(status=ResetStatus.accepted)

    @on(Action.change_availability)
    def on_change_availability(self, **kwargs: Any) -> call_result.ChangeAvailability:
        return call_result.ChangeAvailability(status=AvailabilityStatus.accepted)

    @on(Action.unlock_connector)
    def on_unlock_connector(self, **kwargs: Any) -> call_result.UnlockConnector:
        return call_result.UnlockConnector(status=UnlockStatus.unlocked)

    @on(Action.data_transfer)
    def on_data_transfer(self, **kwargs: Any) -> call_result.DataTransfer:
        return call_result.DataTransfer(status=DataTransferStatus.unknown_vendor_id)


@dataclass
class Profile:
    """One charging profile the charger holds: its periods from a start, in A or W."""

    profile_id: int | None
    start: datetime
    periods: list[dict[str, Any]]
    unit: str


class Profiles:
    """The charging profiles the charger was sent, per purpose; what they limit to now."""

    def __init__(self, phases: int) -> None:
        self.phases = phases
        self.by_purpose: dict[str, Profile] = {}

    def set(self, purpose: str, profile_id: int | None, schedule: dict[str, Any]) -> bool:
        periods = sorted(
            schedule.get("charging_schedule_period") or [], key=lambda p: p["start_period"]
        )
        if not periods:
            return False
        start = _parse_time(schedule.get("start_schedule")) or datetime.now(UTC)
        unit = str(schedule.get("charging_rate_unit", "A"))
        self.by_purpose[purpose] = Profile(profile_id, start, periods, unit)
        return True

    def clear(self, profile_id: int | None = None, purpose: str | None = None) -> bool:
        gone = [
            key
            for key, profile in self.by_purpose.items()
            if (profile_id is None or profile.profile_id == profile_id)
            and (purpose is None or key == purpose)
        ]
        for key in gone:
            del self.by_purpose[key]
        return bool(gone)

    def end_transaction(self) -> None:
        self.by_purpose.pop("TxProfile", None)

    def _amps(self, profile: Profile, now: datetime) -> float | None:
        elapsed = (now - profile.start).total_seconds()
        if elapsed < 0:
            return None
        period = profile.periods[0]
        for candidate in profile.periods:
            if candidate["start_period"] <= elapsed:
                period = candidate
        limit = float(period["limit"])
        if profile.unit == "W":
            limit /= NOMINAL_VOLTAGE * period.get("number_phases", self.phases)
        return limit

    def limit_a(self) -> float | None:
        """The current the profiles allow now (the session's own one over the default)."""
        now = datetime.now(UTC)
        limits = []
        for purpose, profile in self.by_purpose.items():
            if purpose == "TxDefaultProfile" and "TxProfile" in self.by_purpose:
                continue
            if (amps := self._amps(profile, now)) is not None:
                limits.append(amps)
        return min(limits) if limits else None


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


class Simulation:
    """The charger's behaviour, kept across reconnects (OCPP 1.6J; sim_v201.py speaks 2.0.1)."""

    subprotocol = "ocpp1.6"

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.charger_id: str = args.charger_id
        self.url = _charger_url(args.url, args.charger_id, args.password)
        self.state_file: Path | None = args.state_file
        self.state = self._load_state()
        self.interval: float = args.interval
        self.profiles = Profiles(args.phases)
        self._logged_limit: float | None = None
        self.id_tag = args.id_tag
        self.stop_reason: Reason | None = None
        self.wake = asyncio.Event()
        self.cp: SimCharger | None = None
        self.status = ChargePointStatus.available
        self.heartbeat_interval = 300
        self.extra_config: dict[str, str] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._reboot = asyncio.Event()
        self._last_tick = asyncio.get_running_loop().time()
        self._power_w = 0.0
        self._current_a = 0.0
        self._voltages = dict.fromkeys(PHASES, NOMINAL_VOLTAGE)

    # --- persistence --------------------------------------------------------------------

    def _load_state(self) -> CarState:
        if self.state_file is None or not self.state_file.exists():
            return CarState()
        try:
            return CarState(**json.loads(self.state_file.read_text(encoding="utf-8")))
        except (ValueError, TypeError) as err:
            log.warning("Ignoring unreadable state file %s: %s", self.state_file, err)
            return CarState()

    def save_state(self) -> None:
        if self.state_file is not None:
            tmp = self.state_file.with_suffix(".tmp")
            tmp.write_text(json.dumps(asdict(self.state)), encoding="utf-8")
            tmp.replace(self.state_file)

    # --- connection -------------------------------------------------------------------

    def spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def run_forever(self) -> None:
        """Connect, run, and reconnect after any drop."""
        delay = 1.0
        refused_logged = False
        while True:
            try:
                async with connect(
                    self.url, subprotocols=[self.subprotocol], open_timeout=10, compression=None
                ) as ws:
                    log.info("%s: connected to %s", self.charger_id, self.args.url)
                    delay = 1.0
                    refused_logged = False
                    await self._session(ws)
            except InvalidStatus as err:
                status = err.response.status_code
                if not refused_logged:
                    log.warning(
                        "%s: the central system refused the connection (HTTP %s)%s; retrying",
                        self.charger_id,
                        status,
                        " - wrong or missing --password" if status == 401 else "",
                    )
                    refused_logged = True
                delay = 30.0
            except OCPPError as err:
                log.warning(
                    "%s: the central system answered with an error: %s", self.charger_id, err
                )
            except (OSError, TimeoutError, ConnectionClosed, InvalidHandshake) as err:
                if self.cp is not None:
                    log.info("%s: connection lost (%s); reconnecting", self.charger_id, err)
                elif delay == 1.0:
                    log.info("%s: waiting for the central system at %s", self.charger_id, self.url)
            finally:
                self.cp = None
            if self._reboot.is_set():
                self._reboot.clear()
                delay = 5.0
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)

    def make_cp(self, ws: Any) -> Any:
        """The charge point object that speaks this simulation's OCPP version."""
        return SimCharger(self.charger_id, ws, self)

    async def _session(self, ws: Any) -> None:
        cp = self.make_cp(ws)
        self.cp = cp
        reader = asyncio.create_task(cp.start())
        behaviour = asyncio.create_task(self._behave(cp))
        reboot = asyncio.create_task(self._reboot.wait())
        try:
            done, _ = await asyncio.wait(
                {reader, behaviour, reboot}, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for task in (reader, behaviour, reboot):
                task.cancel()
            await asyncio.gather(reader, behaviour, reboot, return_exceptions=True)
        for task in done:
            if task is not reboot and (error := task.exception()) is not None:
                raise error

    async def reboot(self) -> None:
        await asyncio.sleep(1)
        self._reboot.set()

    # --- behaviour --------------------------------------------------------------------

    async def _behave(self, cp: SimCharger) -> None:
        await self._boot(cp)
        heartbeat = asyncio.create_task(self._heartbeats(cp))
        try:
            await self._notify(cp, 0, ChargePointStatus.available)
            if self.state.transaction_id is not None:
                # Reconnected (or restarted) in the middle of a session: carry on.
                await self._notify(cp, 1, ChargePointStatus.charging)
            while True:
                if self.state.transaction_id is None:
                    await self._start_session(cp)
                await self._charge(cp)
                await self._end_session(cp)
        finally:
            heartbeat.cancel()

    async def _boot(self, cp: SimCharger) -> None:
        while True:
            reply = await cp.call(
                call.BootNotification(
                    charge_point_vendor=self.args.vendor,
                    charge_point_model=self.args.model,
                    charge_point_serial_number=f"SIM-{self.charger_id}",
                    firmware_version="sim-1.0",
                    meter_type="Simulated 3-phase meter",
                ),
                suppress=False,
            )
            self.heartbeat_interval = max(10, int(reply.interval or 300))
            if reply.status == RegistrationStatus.accepted:
                log.info("%s: boot accepted", self.charger_id)
                return
            log.info(
                "%s: boot %s; asking again in %d s",
                self.charger_id,
                reply.status,
                self.heartbeat_interval,
            )
            await asyncio.sleep(self.heartbeat_interval)

    async def _heartbeats(self, cp: SimCharger) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_interval)
            await cp.call(call.Heartbeat())

    async def _notify(self, cp: SimCharger, connector: int, status: ChargePointStatus) -> None:
        if connector:
            self.status = status
        await cp.call(
            call.StatusNotification(
                connector_id=connector,
                error_code=ChargePointErrorCode.no_error,
                status=status,
                timestamp=now_iso(),
            )
        )

    async def _pause(self, seconds: float) -> None:
        """Sleep, unless a call from the central system needs a reaction now."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.wake.wait(), seconds)
        self.wake.clear()

    async def _start_session(self, cp: SimCharger) -> None:
        await self._notify(cp, 1, ChargePointStatus.available)
        await self._pause(self.args.idle)
        log.info("%s: car plugged in (state of charge %.0f %%)", self.charger_id, self.state.soc)
        await self._notify(cp, 1, ChargePointStatus.preparing)
        await asyncio.sleep(2)
        self.state.meter_start_wh = self.state.register_wh
        reply = await cp.call(
            call.StartTransaction(
                connector_id=1,
                id_tag=self.id_tag,
                meter_start=round(self.state.register_wh),
                timestamp=now_iso(),
            )
        )
        self.state.transaction_id = reply.transaction_id
        self.save_state()
        log.info("%s: transaction %s started", self.charger_id, reply.transaction_id)
        self._last_tick = asyncio.get_running_loop().time()
        await self._notify(cp, 1, ChargePointStatus.charging)

    async def _charge(self, cp: SimCharger) -> None:
        self._last_tick = asyncio.get_running_loop().time()
        last_log = 0.0
        while self.stop_reason is None and self.state.soc < 100.0:
            await self._pause(self.interval)
            self._advance()
            wanted = (
                ChargePointStatus.charging
                if self._current_a > 0
                else ChargePointStatus.suspended_evse
            )
            if wanted != self.status:
                await self._notify(cp, 1, wanted)
            await self.send_meter_values(cp)
            now = asyncio.get_running_loop().time()
            if now - last_log >= 60:
                last_log = now
                log.info(
                    "%s: %.2f kW, session %.2f kWh, state of charge %.0f %%",
                    self.charger_id,
                    self._power_w / 1000,
                    (self.state.register_wh - self.state.meter_start_wh) / 1000,
                    self.state.soc,
                )

    async def _end_session(self, cp: SimCharger) -> None:
        reason = self.stop_reason or Reason.ev_disconnected
        self.stop_reason = None
        if reason == Reason.ev_disconnected:
            await self._notify(cp, 1, ChargePointStatus.suspended_ev)
            await asyncio.sleep(2)
        await cp.call(
            call.StopTransaction(
                transaction_id=self.state.transaction_id or 0,
                meter_stop=round(self.state.register_wh),
                timestamp=now_iso(),
                reason=reason,
                id_tag=self.id_tag,
            )
        )
        log.info(
            "%s: transaction %s stopped (%s), %.2f kWh charged",
            self.charger_id,
            self.state.transaction_id,
            reason,
            (self.state.register_wh - self.state.meter_start_wh) / 1000,
        )
        self.state.transaction_id = None
        self.profiles.end_transaction()
        self._power_w = self._current_a = 0.0
        await self._notify(cp, 1, ChargePointStatus.finishing)
        await asyncio.sleep(5)
        # The next car arrives with an emptier battery.
        self.state.soc = random.uniform(15, 45)
        self.save_state()

    # --- physics ----------------------------------------------------------------------

    @property
    def offered_a(self) -> float:
        offered = self.args.max_current
        if (limit := self.profiles.limit_a()) is not None:
            offered = min(offered, limit)
        return offered

    def limit_changed(self) -> None:
        """Log the new limit and act on it at once (the power follows within a tick)."""
        limit = self.profiles.limit_a()
        if limit != self._logged_limit:
            self._logged_limit = limit
            if limit is None:
                log.info("%s: no charging limit", self.charger_id)
            else:
                log.info("%s: charging limit now %.1f A", self.charger_id, limit)
        self.wake.set()

    def _advance(self) -> None:
        """Move the car and the meter forward by the time since the last tick."""
        now = asyncio.get_running_loop().time()
        dt_h = (now - self._last_tick) * self.args.speed / 3600.0
        self._last_tick = now
        state = self.state
        offered = self.offered_a
        car_max = self.args.car_current
        if state.soc > 90:  # constant-voltage phase: the car tapers off
            car_max *= max(0.15, (100 - state.soc) / 10)
        current = min(offered, car_max) if offered >= MIN_CURRENT else 0.0
        self._current_a = current
        self._voltages = {
            phase: NOMINAL_VOLTAGE + random.uniform(-3, 3) for phase in PHASES[: self.args.phases]
        }
        self._power_w = sum(
            volts * max(0.0, current + random.uniform(-0.05, 0.05)) if current else 0.0
            for volts in self._voltages.values()
        )
        energy_wh = self._power_w * dt_h
        state.register_wh += energy_wh
        state.soc = min(100.0, state.soc + energy_wh / (self.args.battery_kwh * 10))
        target = 25.0 + self._power_w / 400.0
        state.temperature_c += (target - state.temperature_c) * min(1.0, dt_h * 20)
        self.save_state()

    def meter_value(self) -> dict[str, Any]:
        """One MeterValue entry with every measurand this charger samples."""

        def sample(measurand: str, value: float, unit: str | None, **extra: str) -> dict[str, Any]:
            entry: dict[str, Any] = {
                "value": f"{value:.2f}".rstrip("0").rstrip(".") or "0",
                "context": "Sample.Periodic",
                "measurand": measurand,
                "location": extra.pop("location", "Outlet"),
                **extra,
            }
            if unit:
                entry["unit"] = unit
            return entry

        state = self.state
        phases = PHASES[: self.args.phases]
        per_phase = self._power_w / len(phases)
        samples = [
            sample("Energy.Active.Import.Register", state.register_wh, "Wh"),
            sample("Power.Active.Import", self._power_w, "W"),
            *(sample("Power.Active.Import", per_phase, "W", phase=p) for p in phases),
            *(
                sample("Current.Import", per_phase / self._voltages[p], "A", phase=p)
                for p in phases
            ),
            *(sample("Voltage", self._voltages[p], "V", phase=f"{p}-N") for p in phases),
            sample("Current.Offered", self.offered_a, "A"),
            sample("Frequency", 50 + random.uniform(-0.04, 0.04), None),
            sample("Temperature", state.temperature_c, "Celsius", location="Body"),
            sample("SoC", int(state.soc), "Percent", location="EV"),
        ]
        return {"timestamp": now_iso(), "sampled_value": samples}

    async def send_meter_values(self, cp: SimCharger) -> None:
        await cp.call(
            call.MeterValues(
                connector_id=1,
                transaction_id=self.state.transaction_id,
                meter_value=[self.meter_value()],
            )
        )

    async def send_triggered(self, message: MessageTrigger) -> None:
        await asyncio.sleep(0.1)
        cp = self.cp
        if cp is None:
            return
        if message == MessageTrigger.boot_notification:
            await self._boot(cp)
        elif message == MessageTrigger.heartbeat:
            await cp.call(call.Heartbeat())
        elif message == MessageTrigger.status_notification:
            await self._notify(cp, 1, self.status)
        else:
            await self.send_meter_values(cp)

    def configuration(self) -> dict[str, str]:
        return {
            "HeartbeatInterval": str(self.heartbeat_interval),
            "MeterValueSampleInterval": str(int(self.interval)),
            "MeterValuesSampledData": "Energy.Active.Import.Register,Power.Active.Import,"
            "Current.Import,Voltage,Current.Offered,Frequency,Temperature,SoC",
            "NumberOfConnectors": "1",
            "AuthorizeRemoteTxRequests": "false",
            **self.extra_config,
        }


def _charger_url(base: str, charger_id: str, password: str) -> str:
    """ws://host:port/ + charger id, with Basic auth credentials when there is a password."""
    parts = urlsplit(base)
    path = parts.path.rstrip("/")
    if not path.endswith("/" + charger_id):
        path = f"{path}/{quote(charger_id, safe='')}"
    netloc = parts.netloc
    if password:
        netloc = f"{quote(charger_id, safe='')}:{quote(password, safe='')}@{parts.hostname}"
        if parts.port:
            netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, path, parts.query, ""))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "url", nargs="?", default="ws://127.0.0.1:9000", help="central system (ws:// or wss://)"
    )
    parser.add_argument("charger_id", nargs="?", default="DEMO1")
    parser.add_argument("--password", default="", help="Basic auth password, if configured")
    parser.add_argument("--ocpp", choices=("1.6", "2.0.1"), default="1.6", help="OCPP version")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between MeterValues")
    parser.add_argument("--idle", type=float, default=10.0, help="seconds without a car")
    parser.add_argument("--phases", type=int, choices=(1, 2, 3), default=3)
    parser.add_argument("--max-current", type=float, default=16.0, help="offered per phase (A)")
    parser.add_argument("--car-current", type=float, default=10.7, help="car's limit per phase")
    parser.add_argument("--battery-kwh", type=float, default=60.0)
    parser.add_argument("--speed", type=float, default=1.0, help="time-lapse factor for energy")
    parser.add_argument("--id-tag", default="DEMO-RFID")
    parser.add_argument("--vendor", default="OCPP Central Sim")
    parser.add_argument("--model", default="Wallbox 11")
    parser.add_argument("--state-file", type=Path, help="keeps the energy register across runs")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every OCPP frame")
    return parser.parse_args(argv)


async def _main(args: argparse.Namespace) -> None:
    if args.ocpp == "2.0.1":
        from sim_v201 import Simulation201

        sim: Simulation = Simulation201(args)
    else:
        sim = Simulation(args)
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    try:
        await sim.run_forever()
    except asyncio.CancelledError:
        sim.save_state()
        log.info("%s: stopped", args.charger_id)


def main() -> int:
    args = parse_args()
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s [sim] %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stdout,
    )
    logging.getLogger("ocpp").setLevel(logging.INFO if args.verbose else logging.WARNING)
    logging.getLogger("websockets").setLevel(logging.WARNING)
    try:
        asyncio.run(_main(args))
    except InvalidURI as err:
        print(f"sim_charger: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
