"""The charger as an upstream's request reaches it: one raw CALL on its live OCPP session.

The payload goes to the charger as the upstream sent it (after policy.py let it through) and the
charger's answer goes back as it gave it; only the session's own call lock is shared, so our own
commands and the upstream's take turns, one outstanding at a time as OCPP-J wants.
"""

from __future__ import annotations

from typing import Any, Protocol

from ocpp.messages import Call, MessageType

from .link import UpstreamCallError

RESPONSE_TIMEOUT_S = 30.0


class Session(Protocol):
    """What a live protocol adapter offers for one raw CALL (the ocpp package's ChargePoint)."""

    _call_lock: Any

    def _unique_id_generator(self) -> Any: ...

    async def _send(self, message: str) -> None: ...

    async def _get_specific_response(self, unique_id: str, timeout: float) -> Any: ...  # noqa: ASYNC109


async def raw_call(session: Session, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Send a CALL to the charger as given; return its answer payload or raise UpstreamCallError."""
    call = Call(unique_id=str(session._unique_id_generator()), action=action, payload=payload)
    async with session._call_lock:
        await session._send(call.to_json())
        try:
            response = await session._get_specific_response(call.unique_id, RESPONSE_TIMEOUT_S)
        except TimeoutError:
            raise UpstreamCallError("GenericError", "The charger did not answer") from None
    if response.message_type_id == MessageType.CallError:
        raise UpstreamCallError(str(response.error_code), str(response.error_description or ""))
    result: dict[str, Any] = response.payload
    return result
