"""Schemas of the service actions (services.py): what a call may carry, checked before anything is sent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.helpers import config_validation as cv

from ..control.config import (
    CONF_CLOUD_GUARD,
    CONF_DISABLE_DELAY,
    CONF_DISABLE_THRESHOLD,
    CONF_ENABLE_DELAY,
    CONF_ENABLE_THRESHOLD,
    CONF_MIN_OFF,
    CONF_MIN_ON,
    CONF_PHASE_DOWN_DELAY,
    CONF_PHASE_INTERVAL,
    CONF_PHASE_UP_DELAY,
    CONF_RESIDUAL_POWER,
    CONF_STARTS_PER_DAY,
)
from ..csms.commands import RateUnit
from .target import ATTR_CONNECTOR_ID

if TYPE_CHECKING:
    # Home Assistant types its schemas with probatio, which it also installs as voluptuous.
    import probatio as vol
else:
    import voluptuous as vol

TRIGGER_MESSAGES = (
    "BootNotification",
    "DiagnosticsStatusNotification",
    "FirmwareStatusNotification",
    "Heartbeat",
    "MeterValues",
    "StatusNotification",
)
MAX_SCHEDULE_PERIODS = 1024

_CONNECTOR = vol.All(vol.Coerce(int), vol.Range(min=0, max=255))
_ID_TAG = vol.All(cv.string, vol.Length(min=1, max=36))
_SECONDS = vol.All(vol.Coerce(int), vol.Range(min=1, max=31 * 86400))
_COUNT = vol.All(vol.Coerce(int), vol.Range(min=0, max=2**31 - 1))
_UNIT = vol.All(vol.Upper, vol.In([unit.value for unit in RateUnit]))
_LIMIT = vol.All(vol.Coerce(float), vol.Range(min=0, max=1_000_000))
_URL = vol.All(cv.string, vol.Match(r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$"))


def _number(low: float, high: float) -> vol.All[float]:
    return vol.All(vol.Coerce(float), vol.Range(min=low, max=high))


BASE_SCHEMA = vol.Schema({vol.Required(ATTR_DEVICE_ID): cv.string})
# One entry of a given local list: without status, a Differential update removes the tag.
LIST_ENTRY_SCHEMA = vol.Schema(
    {
        vol.Required("id_tag"): _ID_TAG,
        vol.Optional("status"): vol.In(["Accepted", "Blocked", "Expired", "Invalid"]),
        vol.Optional("expiry_date"): cv.datetime,
        vol.Optional("group"): _ID_TAG,
    }
)
MAX_LIST_ENTRIES = 10000
CONNECTOR_SCHEMA = BASE_SCHEMA.extend({vol.Optional(ATTR_CONNECTOR_ID): _CONNECTOR})
PERIOD_SCHEMA = vol.Schema(
    {vol.Required("start"): cv.datetime, vol.Required("limit"): _LIMIT},
    extra=vol.REMOVE_EXTRA,
)

_PROFILE_ID = vol.All(vol.Coerce(int), vol.Range(min=1, max=2**31 - 1))
_STACK_LEVEL = vol.All(vol.Coerce(int), vol.Range(min=0, max=1000))
PROFILE_PURPOSES = ("tx_default", "tx", "station_max")
_TRANSACTION_ID = vol.All(cv.string, vol.Length(min=1, max=36))
PROFILE_PERIOD_SCHEMA = vol.Schema(
    {
        vol.Required("start"): vol.All(vol.Coerce(int), vol.Range(min=0, max=2**31 - 1)),
        vol.Required("limit"): _LIMIT,
        vol.Optional("phases"): vol.All(vol.Coerce(int), vol.In((1, 2, 3))),
    },
    extra=vol.REMOVE_EXTRA,
)
PROFILE_SCHEMA = CONNECTOR_SCHEMA.extend(
    {
        vol.Required("profile_id"): _PROFILE_ID,
        vol.Required("purpose"): vol.In(PROFILE_PURPOSES),
        vol.Optional("stack_level", default=0): _STACK_LEVEL,
        vol.Optional("kind", default="absolute"): vol.In(("absolute", "recurring", "relative")),
        vol.Optional("recurrency"): vol.In(("daily", "weekly")),
        vol.Optional("start"): cv.datetime,
        vol.Optional("duration"): _SECONDS,
        vol.Optional("valid_from"): cv.datetime,
        vol.Optional("valid_to"): cv.datetime,
        vol.Optional("unit", default=RateUnit.AMPERE.value): _UNIT,
        vol.Required("periods"): vol.All(
            cv.ensure_list, [PROFILE_PERIOD_SCHEMA], vol.Length(min=1, max=MAX_SCHEDULE_PERIODS)
        ),
        vol.Optional("transaction_id"): _TRANSACTION_ID,
    }
)

SCHEMAS: dict[str, vol.Schema] = {
    "start_charging": CONNECTOR_SCHEMA.extend(
        {
            vol.Optional("id_tag"): _ID_TAG,
            vol.Optional("limit"): _LIMIT,
            vol.Optional("unit", default=RateUnit.AMPERE.value): _UNIT,
        }
    ),
    "stop_charging": CONNECTOR_SCHEMA.extend({vol.Optional("transaction_id"): _TRANSACTION_ID}),
    "pause_charging": CONNECTOR_SCHEMA,
    "resume_charging": CONNECTOR_SCHEMA,
    "set_current_limit": CONNECTOR_SCHEMA.extend(
        {
            vol.Required("limit"): _LIMIT,
            vol.Optional("unit", default=RateUnit.AMPERE.value): _UNIT,
            vol.Optional("duration"): _SECONDS,
            vol.Optional("phases"): vol.All(vol.Coerce(int), vol.In((1, 3))),
        }
    ),
    "set_charging_schedule": CONNECTOR_SCHEMA.extend(
        {
            vol.Required("periods"): vol.All(
                cv.ensure_list, [PERIOD_SCHEMA], vol.Length(min=1, max=MAX_SCHEDULE_PERIODS)
            ),
            vol.Optional("unit", default=RateUnit.AMPERE.value): _UNIT,
            vol.Optional("valid_to"): cv.datetime,
        }
    ),
    "clear_charging_profile": CONNECTOR_SCHEMA.extend(
        {
            vol.Optional("profile_id"): _PROFILE_ID,
            vol.Optional("purpose"): vol.In(PROFILE_PURPOSES),
            vol.Optional("stack_level"): _STACK_LEVEL,
            vol.Optional("all", default=False): cv.boolean,
        }
    ),
    "set_charging_profile": PROFILE_SCHEMA,
    "get_charging_profiles": CONNECTOR_SCHEMA.extend(
        {
            vol.Optional("profile_id"): _PROFILE_ID,
            vol.Optional("purpose"): vol.In(PROFILE_PURPOSES),
            vol.Optional("stack_level"): _STACK_LEVEL,
        }
    ),
    "get_composite_schedule": CONNECTOR_SCHEMA.extend(
        {vol.Optional("duration", default=3600): _SECONDS, vol.Optional("unit"): _UNIT}
    ),
    "get_configuration": BASE_SCHEMA.extend(
        {vol.Optional("keys"): vol.All(cv.ensure_list, [vol.All(cv.string, vol.Length(1, 50))])}
    ),
    "set_configuration": BASE_SCHEMA.extend(
        {
            vol.Required("key"): vol.All(cv.string, vol.Length(min=1, max=50)),
            vol.Required("value"): vol.All(cv.string, vol.Length(max=500)),
        }
    ),
    "trigger_message": CONNECTOR_SCHEMA.extend({vol.Required("message"): vol.In(TRIGGER_MESSAGES)}),
    "reset": BASE_SCHEMA.extend({vol.Optional("type", default="soft"): vol.In(["soft", "hard"])}),
    "unlock_connector": CONNECTOR_SCHEMA,
    "change_availability": CONNECTOR_SCHEMA.extend({vol.Required("operative"): cv.boolean}),
    "data_transfer": BASE_SCHEMA.extend(
        {
            vol.Required("vendor_id"): vol.All(cv.string, vol.Length(min=1, max=255)),
            vol.Optional("message_id"): vol.All(cv.string, vol.Length(min=1, max=50)),
            vol.Optional("data"): cv.string,
        }
    ),
    "clear_cache": BASE_SCHEMA,
    "update_firmware": BASE_SCHEMA.extend(
        {
            vol.Required("location"): _URL,
            vol.Optional("retrieve_date"): cv.datetime,
            vol.Optional("retries"): _COUNT,
            vol.Optional("retry_interval"): _COUNT,
        }
    ),
    "get_diagnostics": BASE_SCHEMA.extend({vol.Required("location"): _URL}),
    # Full or Differential; a given list and version instead of the managed id tags (installers).
    "send_local_list": BASE_SCHEMA.extend(
        {
            vol.Optional("update_type", default="full"): vol.In(["full", "differential"]),
            vol.Optional("list_version"): vol.All(vol.Coerce(int), vol.Range(min=1, max=2**31 - 1)),
            vol.Optional("entries"): vol.All(
                cv.ensure_list, vol.Length(max=MAX_LIST_ENTRIES), [LIST_ENTRY_SCHEMA]
            ),
        }
    ),
    "get_local_list_version": BASE_SCHEMA,
    "reserve_now": CONNECTOR_SCHEMA.extend(
        {
            vol.Required("id_tag"): _ID_TAG,
            vol.Required("expiry"): cv.datetime,
            vol.Optional("reservation_id"): _COUNT,
        }
    ),
    "cancel_reservation": BASE_SCHEMA.extend({vol.Required("reservation_id"): _COUNT}),
    "rotate_password": BASE_SCHEMA,
    "upgrade_security_profile": BASE_SCHEMA,
    "install_root_certificate": BASE_SCHEMA.extend(
        {vol.Optional("certificate"): vol.All(cv.string, vol.Length(min=1, max=10000))}
    ),
    "get_installed_certificates": BASE_SCHEMA,
    "delete_certificate": BASE_SCHEMA.extend(
        {
            vol.Required("hash_algorithm"): vol.In(["SHA256", "SHA384", "SHA512"]),
            vol.Required("issuer_name_hash"): vol.All(cv.string, vol.Length(min=1, max=128)),
            vol.Required("issuer_key_hash"): vol.All(cv.string, vol.Length(min=1, max=128)),
            vol.Required("serial_number"): vol.All(cv.string, vol.Length(min=1, max=40)),
        }
    ),
    "request_charger_certificate": BASE_SCHEMA,
    # Minutes, and how many frames to keep meanwhile (csms/trace.py).
    "start_trace": BASE_SCHEMA.extend(
        {
            vol.Optional("duration", default=15): vol.All(
                vol.Coerce(int), vol.Range(min=1, max=1440)
            ),
            vol.Optional("frames", default=2000): vol.All(
                vol.Coerce(int), vol.Range(min=200, max=20000)
            ),
        }
    ),
    # The tuning options' keys and ranges (flow_options.py), to try on a past day.
    "replay_solar_day": CONNECTOR_SCHEMA.extend(
        {
            vol.Optional("date"): cv.date,
            vol.Optional(CONF_ENABLE_DELAY): _number(0, 3600),
            vol.Optional(CONF_DISABLE_DELAY): _number(0, 3600),
            vol.Optional(CONF_RESIDUAL_POWER): _number(-5000, 5000),
            vol.Optional(CONF_ENABLE_THRESHOLD): _number(-10000, 10000),
            vol.Optional(CONF_DISABLE_THRESHOLD): _number(-10000, 10000),
            vol.Optional(CONF_MIN_ON): _number(0, 7200),
            vol.Optional(CONF_MIN_OFF): _number(0, 7200),
            vol.Optional(CONF_STARTS_PER_DAY): vol.All(vol.Coerce(int), vol.Range(min=1, max=100)),
            vol.Optional(CONF_CLOUD_GUARD): _number(0, 100),
            vol.Optional(CONF_PHASE_UP_DELAY): _number(0, 3600),
            vol.Optional(CONF_PHASE_DOWN_DELAY): _number(0, 3600),
            vol.Optional(CONF_PHASE_INTERVAL): _number(0, 7200),
        }
    ),
}
