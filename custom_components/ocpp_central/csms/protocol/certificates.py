"""Certificate messages of the 1.6 security extension and of 2.0.1: what a home central system needs.

A charger asks for a client certificate (SignCertificate); when our CA signs it, the chain goes back
as CertificateSigned once our answer is out (never from inside the handler: the answer would queue
behind it). Commands: send a signed chain, install / list / delete the central system's root
certificate (the one chargers check our TLS server against), and ask for a signing request
(1.6 ExtendedTriggerMessage SignChargePointCertificate, 2.0.1 TriggerMessage
SignChargingStationCertificate).
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from ocpp.v16 import call as call16
from ocpp.v201 import call as call201

from ...const import LOGGER
from ..commands import CommandError, CommandResult
from .base import on

if TYPE_CHECKING:
    from ..model import Charger
    from .base import ChargerHost

ROOT_16 = "CentralSystemRootCertificate"
ROOT_201 = "CSMSRootCertificate"
_HASH_FIELDS = ("hash_algorithm", "issuer_name_hash", "issuer_key_hash", "serial_number")


def hash_data(raw: Any) -> dict[str, str] | None:
    """Return a certificate's hash data (CertificateHashDataType) fields; None if it is not one."""
    if not isinstance(raw, dict) or not all(isinstance(raw.get(k), str) for k in _HASH_FIELDS):
        return None
    return {key: str(raw[key]) for key in _HASH_FIELDS}


class CertificateExchange:
    """Mixin for the adapters: the signing exchange and the version-neutral certificate commands."""

    id: str
    charger: Charger
    host: ChargerHost
    _call_result: Any

    if TYPE_CHECKING:

        def after_answer(self, work: Coroutine[Any, Any, None]) -> None:
            """Run work once the answer to the CALL being handled is sent (the adapter base)."""

        async def _request(self, request: Any) -> Any:
            """Send one CALL; return the answer or raise a CommandError (the version's)."""

        async def _status(self, request: Any) -> CommandResult:
            """Send a CALL whose answer is a status word (the version's)."""

    @on("SignCertificate")
    def on_sign_certificate(self, csr: str, **kwargs: Any) -> Any:
        """Accept a request our CA signed; the chain follows once this answer is out."""
        chain = self.host.sign_certificate(self.charger, csr)
        if chain is None:
            return self._call_result.SignCertificate(status="Rejected")
        self.after_answer(self._deliver(chain))
        return self._call_result.SignCertificate(status="Accepted")

    async def _deliver(self, chain: str) -> None:
        try:
            result = await self.send_signed_certificate(chain)
        except CommandError as err:
            LOGGER.warning("Charger %s did not take its signed certificate: %s", self.id, err)
            return
        LOGGER.info("Charger %s answered %s to its signed certificate", self.id, result.status)

    async def send_signed_certificate(self, chain: str) -> CommandResult:
        """Send a signed certificate chain (CertificateSigned)."""
        raise NotImplementedError

    async def install_root_certificate(self, pem: str) -> CommandResult:
        """Install the central system's root certificate on the charger (InstallCertificate)."""
        raise NotImplementedError

    async def get_root_certificate_ids(self) -> CommandResult:
        """List the central system root certificates the charger holds (data: certificates)."""
        raise NotImplementedError

    async def delete_certificate(self, certificate: dict[str, str]) -> CommandResult:
        """Delete one installed certificate, named by its hash data (DeleteCertificate)."""
        raise NotImplementedError

    async def trigger_sign_certificate(self) -> CommandResult:
        """Ask the charger to send a signing request for its client certificate now."""
        raise NotImplementedError


class Ocpp16Certificates(CertificateExchange):
    """The 1.6 security extension's certificate messages."""

    async def send_signed_certificate(self, chain: str) -> CommandResult:
        """Send a signed certificate chain (CertificateSigned)."""
        return await self._status(call16.CertificateSigned(certificate_chain=chain))

    async def install_root_certificate(self, pem: str) -> CommandResult:
        """Install the central system's root certificate on the charger (InstallCertificate)."""
        return await self._status(
            call16.InstallCertificate(certificate_type=ROOT_16, certificate=pem)
        )

    async def get_root_certificate_ids(self) -> CommandResult:
        """List the central system root certificates the charger holds (data: certificates)."""
        answer = await self._request(call16.GetInstalledCertificateIds(certificate_type=ROOT_16))
        found = [hash_data(raw) for raw in answer.certificate_hash_data or []]
        return CommandResult(str(answer.status), {"certificates": [h for h in found if h]})

    async def delete_certificate(self, certificate: dict[str, str]) -> CommandResult:
        """Delete one installed certificate, named by its hash data (DeleteCertificate)."""
        return await self._status(call16.DeleteCertificate(certificate_hash_data=certificate))

    async def trigger_sign_certificate(self) -> CommandResult:
        """Ask for a signing request now (ExtendedTriggerMessage SignChargePointCertificate)."""
        return await self._status(
            call16.ExtendedTriggerMessage(requested_message="SignChargePointCertificate")
        )


class Ocpp201Certificates(CertificateExchange):
    """The 2.0.1 certificate messages (A02, M03-M05); 2.1 reads them alike."""

    async def send_signed_certificate(self, chain: str) -> CommandResult:
        """Send a signed certificate chain (CertificateSigned, ChargingStationCertificate)."""
        return await self._status(
            call201.CertificateSigned(
                certificate_chain=chain, certificate_type="ChargingStationCertificate"
            )
        )

    async def install_root_certificate(self, pem: str) -> CommandResult:
        """Install the central system's root certificate on the charger (InstallCertificate)."""
        return await self._status(
            call201.InstallCertificate(certificate_type=ROOT_201, certificate=pem)
        )

    async def get_root_certificate_ids(self) -> CommandResult:
        """List the CSMS root certificates the charger holds (data: certificates)."""
        answer = await self._request(
            call201.GetInstalledCertificateIds(certificate_type=[ROOT_201])
        )
        chains = answer.certificate_hash_data_chain or []
        found = [
            hash_data(chain.get("certificate_hash_data"))
            for chain in chains
            if isinstance(chain, dict)
        ]
        return CommandResult(str(answer.status), {"certificates": [h for h in found if h]})

    async def delete_certificate(self, certificate: dict[str, str]) -> CommandResult:
        """Delete one installed certificate, named by its hash data (DeleteCertificate)."""
        return await self._status(call201.DeleteCertificate(certificate_hash_data=certificate))

    async def trigger_sign_certificate(self) -> CommandResult:
        """Ask for a signing request now (TriggerMessage SignChargingStationCertificate)."""
        return await self._status(
            call201.TriggerMessage(requested_message="SignChargingStationCertificate")
        )
