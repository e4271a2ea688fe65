"""Starting and stopping a connector's session (RemoteStart/RemoteStopTransaction).

A start first resumes a paused connector; a session Home Assistant still holds is checked with
the charger where it can (2.0.1 GetTransactionStatus) before it stops a start.
"""

from __future__ import annotations

from ..const import LOGGER
from ..csms.commands import (
    ChargerCommands,
    CommandError,
    CommandRejectedError,
    CommandResult,
    RateUnit,
    TransactionStatus,
)
from ..csms.model import Transaction
from .connectors import Connectors
from .detect import KnownQuirks
from .link import ChargerLink, accepted, bounded
from .manage import start_profile
from .quirks import PauseMethod
from .writer import ProfileWriter


class NoTransactionError(CommandRejectedError):
    """Stop asked for a connector without a running session."""

    translation_key = "no_transaction"


class Sessions:
    """Remote start and stop for one charger's connectors."""

    def __init__(
        self,
        link: ChargerLink,
        connectors: Connectors,
        writer: ProfileWriter,
        known: KnownQuirks,
    ) -> None:
        """Start and stop through link; a paused connector resumes through connectors."""
        self._link = link
        self._connectors = connectors
        self._writer = writer
        self._known = known

    @property
    def _charger_id(self) -> str:
        return self._link.settings.charger_id

    async def start(
        self, connector_id: int, id_tag: str | None, limit: float | None, unit: RateUnit
    ) -> CommandResult:
        """Resume a paused connector; start a session (RemoteStartTransaction) if none runs."""
        connectors = self._connectors
        async with connectors.lock:
            intent = connectors.control(connector_id).intent
            if intent.paused or intent.held is not None:
                restarted = intent.held is PauseMethod.REMOTE_STOP
                intent.paused = False
                await connectors.run(connector_id, immediate=True)
                if restarted:
                    return CommandResult("Accepted")
            commands = self._link.commands()
            if (tx := await self._running(connector_id, commands)) is not None:
                return CommandResult("Accepted", {"transaction_id": tx.transaction_id})
            tag = id_tag or self._link.settings.remote_id_tag
            stack_level = self._known.effective.stack_level
            profile = (
                None if limit is None else start_profile(connector_id, limit, unit, stack_level)
            )
            start = commands.remote_start(connector_id, tag, profile)
            return await accepted(self._charger_id, start, "RemoteStartTransaction")

    async def _running(self, connector_id: int, commands: ChargerCommands) -> Transaction | None:
        """Return the connector's session, once the charger confirmed it where it can (2.0.1)."""
        tx = self._writer.transaction(connector_id)
        if tx is not None and isinstance(commands, TransactionStatus):
            try:
                await bounded(self._charger_id, commands.get_transaction_status(tx.transaction_id))
            except CommandError as err:
                LOGGER.debug("Charger %s: transaction status unknown: %s", self._charger_id, err)
            tx = self._writer.transaction(connector_id)
        return tx

    async def stop(self, connector_id: int, transaction_id: int | str | None) -> CommandResult:
        """End a session (RemoteStopTransaction): the one named, else the connector's own."""
        async with self._connectors.lock:
            if transaction_id is None:
                if (tx := self._writer.transaction(connector_id)) is None:
                    raise NoTransactionError(
                        self._charger_id, "RemoteStopTransaction", "no session"
                    )
                transaction_id = tx.transaction_id
            stop = self._link.commands().remote_stop(transaction_id)
            return await accepted(self._charger_id, stop, "RemoteStopTransaction")
