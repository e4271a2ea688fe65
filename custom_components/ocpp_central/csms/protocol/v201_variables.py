"""OCPP 2.0.1 device-model variables as configuration keys.

The version-neutral get/change configuration commands address a 2.0.1 variable by a key of the form

    Component[componentInstance]@evse.connector/Variable[variableInstance]

where everything but `Component/Variable` is optional, e.g. `OCPPCommCtrlr/HeartbeatInterval`,
`SmartChargingCtrlr/Entries[ChargingProfiles]`, `EVSE@1/Power`, `Connector@1.1/AvailabilityState`.
"/" cannot occur in 2.0.1 names, so the key is unambiguous. `Component.Variable` (the spelling of the
specification's text) is read too, for names without dots.

The 1.6 configuration keys that have a 2.0.1 counterpart are aliases of it (HeartbeatInterval,
ChargeProfileMaxStackLevel, AuthorizationKey, ...): callers that know only the 1.6 names, such as
the smart-charging engine's quirk detection, get the 2.0.1 values under the 1.6 name, translated
into 1.6 vocabulary where it differs (RateUnit "A,W" → "Current,Power").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import re
from typing import Any

from ..commands import ConfigurationEntry

_COMPONENT = re.compile(
    r"(?P<name>[^\[\]@/]+)(?:\[(?P<instance>[^\[\]@/]+)\])?(?:@(?P<evse>\d+)(?:\.(?P<connector>\d+))?)?"
)
_VARIABLE = re.compile(r"(?P<name>[^\[\]@/]+)(?:\[(?P<instance>[^\[\]@/]+)\])?")


@dataclass(slots=True, frozen=True)
class VariableAddress:
    """Where a variable lives in a charging station's device model."""

    component: str
    variable: str
    component_instance: str | None = None
    variable_instance: str | None = None
    evse: int | None = None
    connector: int | None = None

    @property
    def key(self) -> str:
        """The canonical configuration key."""
        component = self.component
        if self.component_instance:
            component += f"[{self.component_instance}]"
        if self.evse is not None:
            component += f"@{self.evse}"
            if self.connector is not None:
                component += f".{self.connector}"
        variable = self.variable
        if self.variable_instance:
            variable += f"[{self.variable_instance}]"
        return f"{component}/{variable}"

    def as_request(self) -> dict[str, Any]:
        """Component and variable as GetVariables / SetVariables want them (snake_case)."""
        component: dict[str, Any] = {"name": self.component}
        if self.component_instance:
            component["instance"] = self.component_instance
        if self.evse is not None:
            component["evse"] = {"id": self.evse}
            if self.connector is not None:
                component["evse"]["connector_id"] = self.connector
        variable: dict[str, Any] = {"name": self.variable}
        if self.variable_instance:
            variable["instance"] = self.variable_instance
        return {"component": component, "variable": variable}

    @classmethod
    def from_message(cls, component: Any, variable: Any) -> VariableAddress | None:
        """Read the component and variable of an answer or report; None when unusable."""
        if not isinstance(component, dict) or not isinstance(variable, dict):
            return None
        if not isinstance(component.get("name"), str) or not isinstance(variable.get("name"), str):
            return None
        evse: dict[str, Any] = component.get("evse") or {}
        return cls(
            component=component["name"],
            variable=variable["name"],
            component_instance=component.get("instance"),
            variable_instance=variable.get("instance"),
            evse=evse.get("id"),
            connector=evse.get("connector_id"),
        )


def _address(component: str, variable: str, instance: str | None = None) -> VariableAddress:
    return VariableAddress(component, variable, variable_instance=instance)


def _rate_units_16(value: str) -> str:
    units = {"A": "Current", "W": "Power"}
    return ",".join(
        units.get(part.strip(), part.strip()) for part in value.split(",") if part.strip()
    )


# 1.6 configuration key → its 2.0.1 variable (OCPP 2.0.1 part 2, appendix 3 "Migration").
ALIASES: dict[str, VariableAddress] = {
    "HeartbeatInterval": _address("OCPPCommCtrlr", "HeartbeatInterval"),
    "WebSocketPingInterval": _address("OCPPCommCtrlr", "WebSocketPingInterval"),
    "ResetRetries": _address("OCPPCommCtrlr", "ResetRetries"),
    "TransactionMessageAttempts": _address("OCPPCommCtrlr", "MessageAttempts", "TransactionEvent"),
    "TransactionMessageRetryInterval": _address(
        "OCPPCommCtrlr", "MessageAttemptInterval", "TransactionEvent"
    ),
    "MeterValueSampleInterval": _address("SampledDataCtrlr", "TxUpdatedInterval"),
    "MeterValuesSampledData": _address("SampledDataCtrlr", "TxUpdatedMeasurands"),
    "StopTxnSampledData": _address("SampledDataCtrlr", "TxEndedMeasurands"),
    "ClockAlignedDataInterval": _address("AlignedDataCtrlr", "Interval"),
    "MeterValuesAlignedData": _address("AlignedDataCtrlr", "Measurands"),
    "AuthorizeRemoteTxRequests": _address("AuthCtrlr", "AuthorizeRemoteStart"),
    "LocalAuthorizeOffline": _address("AuthCtrlr", "LocalAuthorizeOffline"),
    "LocalPreAuthorize": _address("AuthCtrlr", "LocalPreAuthorize"),
    "AuthorizationCacheEnabled": _address("AuthCacheCtrlr", "Enabled"),
    "LocalAuthListEnabled": _address("LocalAuthListCtrlr", "Enabled"),
    "ConnectionTimeOut": _address("TxCtrlr", "EVConnectionTimeOut"),
    "StopTransactionOnEVSideDisconnect": _address("TxCtrlr", "StopTxOnEVSideDisconnect"),
    "StopTransactionOnInvalidId": _address("TxCtrlr", "StopTxOnInvalidId"),
    "ChargeProfileMaxStackLevel": _address("SmartChargingCtrlr", "ProfileStackLevel"),
    "ChargingScheduleAllowedChargingRateUnit": _address("SmartChargingCtrlr", "RateUnit"),
    "ChargingScheduleMaxPeriods": _address("SmartChargingCtrlr", "PeriodsPerSchedule"),
    "ConnectorSwitch3to1PhaseSupported": _address("SmartChargingCtrlr", "Phases3to1"),
    "GetConfigurationMaxKeys": _address("DeviceDataCtrlr", "ItemsPerMessage", "GetVariables"),
    "AuthorizationKey": _address("SecurityCtrlr", "BasicAuthPassword"),
    "SecurityProfile": _address("SecurityCtrlr", "SecurityProfile"),
}
# Values read under a 1.6 alias, in 1.6 vocabulary.
ALIAS_VALUES: dict[str, Callable[[str], str]] = {
    "ChargingScheduleAllowedChargingRateUnit": _rate_units_16,
}
BASIC_AUTH_PASSWORD = ALIASES["AuthorizationKey"]


def parse_key(key: str) -> VariableAddress | None:
    """Address of a configuration key; None for a 1.6-only key; ValueError when malformed."""
    if (alias := ALIASES.get(key)) is not None:
        return alias
    if "/" in key:
        component, _, variable = key.partition("/")
    elif "." in key.strip("."):
        component, _, variable = key.partition(".")
    else:
        return None
    component_match = _COMPONENT.fullmatch(component.strip())
    variable_match = _VARIABLE.fullmatch(variable.strip())
    if component_match is None or variable_match is None:
        raise ValueError(
            f"{key!r} is no 2.0.1 variable; write Component[instance]@evse.connector/Variable[instance]"
        )
    evse = component_match["evse"]
    connector = component_match["connector"]
    return VariableAddress(
        component=component_match["name"],
        variable=variable_match["name"],
        component_instance=component_match["instance"],
        variable_instance=variable_match["instance"],
        evse=int(evse) if evse is not None else None,
        connector=int(connector) if connector is not None else None,
    )


def report_entries(report_data: list[Any]) -> list[ConfigurationEntry]:
    """Return configuration entries from NotifyReport reportData (Actual attributes)."""
    entries: list[ConfigurationEntry] = []
    for item in report_data:
        if not isinstance(item, dict):
            continue
        address = VariableAddress.from_message(item.get("component"), item.get("variable"))
        attributes = item.get("variable_attribute")
        if address is None or not isinstance(attributes, list):
            continue
        for attribute in attributes:
            if not isinstance(attribute, dict) or attribute.get("type", "Actual") != "Actual":
                continue
            value = attribute.get("value")
            entries.append(
                ConfigurationEntry(
                    key=address.key,
                    value=value if isinstance(value, str) else None,
                    readonly=attribute.get("mutability", "ReadWrite") == "ReadOnly",
                )
            )
    return entries
