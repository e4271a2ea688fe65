"""Service start_trace: keep more of a charger's frames for a while, for the diagnostics download."""

from __future__ import annotations

from homeassistant.core import ServiceCall, ServiceResponse

from .target import ChargerTarget


async def async_start_trace(target: ChargerTarget, call: ServiceCall) -> ServiceResponse:
    """Keep the last `frames` frames for `duration` minutes; works while the charger is away too.

    Nothing is sent to the charger: the frames are kept as they pass (csms/trace.py).
    """
    trace = target.coordinator.charger.trace
    trace.start_detailed(call.data["duration"] * 60, call.data["frames"])
    until = trace.detailed_until
    return {"until": until.isoformat() if until else None, "frames": call.data["frames"]}
