"""The charger-wide maximum (ChargePointMaxProfile): static, persisted, put back after a reconnect."""

from __future__ import annotations

from ..const import LOGGER
from ..csms.commands import CommandError, CommandRejectedError, ProfilePurpose
from .limits import Plan
from .link import ChargerLink
from .writer import ProfileWriter


class StationMaximum:
    """The maximum the homeowner set, and whether the charger has it since it last connected."""

    def __init__(self, link: ChargerLink, writer: ProfileWriter, value: float | None) -> None:
        """Start from the persisted maximum (None: none set)."""
        self._link = link
        self._writer = writer
        self.value = value
        # The maximum the charger accepted since it last (re)connected.
        self._sent: float | None = None

    async def set(self, amps: float, phases: int) -> bool:
        """Put amps on the charger unless it has them already; True when it was written."""
        if amps == self.value and amps == self._sent:
            return False
        await self._write(amps, phases)
        self.value = amps
        return True

    async def put_back(self, phases: int) -> None:
        """After a (re)connect: write the persisted maximum again; a refusal is logged, not raised."""
        if self.value is None or self._sent == self.value:
            return
        try:
            await self._write(self.value, phases)
        except CommandError as err:
            LOGGER.info(
                "Charger %s: station maximum not applied: %s", self._link.settings.charger_id, err
            )

    def lost(self) -> None:
        """Forget what the charger had: it may have dropped its profiles (reconnect, boot)."""
        self._sent = None

    def kept(self) -> None:
        """Take note that the charger still has the maximum: nothing to put back."""
        self._sent = self.value

    def cleared(self) -> None:
        """Every profile was cleared: no maximum any more."""
        self.value = self._sent = None

    async def _write(self, amps: float, phases: int) -> None:
        """Put the ChargePointMaxProfile on the charger (raises when it refuses)."""
        plan = Plan(((0, amps),))
        commands = self._link.commands()
        status = await self._writer.write(
            commands, 0, ProfilePurpose.STATION_MAX, plan, tx_id=None, phases=phases
        )
        if status is not None:
            raise CommandRejectedError(self._link.settings.charger_id, "SetChargingProfile", status)
        self._sent = amps
