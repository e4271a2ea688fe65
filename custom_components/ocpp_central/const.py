"""Constants for the OCPP Central System integration."""

from __future__ import annotations

from enum import StrEnum
import logging
from typing import Final

DOMAIN: Final = "ocpp_central"
LOGGER = logging.getLogger(__package__)

CONF_SSL_CERTFILE: Final = "ssl_certfile"
CONF_SSL_KEYFILE: Final = "ssl_keyfile"
# CA whose client certificates the server asks for (security profile 3); empty: none asked for.
CONF_SSL_CAFILE: Final = "ssl_cafile"
# Per charger: the OCPP security profile it connects with ("auto": a password when one is set).
CONF_SECURITY_PROFILE: Final = "security_profile"
# Per charger, while a password change waits for the charger's reconnect: the password it replaced.
CONF_PREVIOUS_PASSWORD: Final = "previous_password"
# Per charger, just moved to profile 3 until it first shows its certificate: the profile it had.
CONF_PREVIOUS_SECURITY_PROFILE: Final = "previous_security_profile"
CONF_UNKNOWN_CHARGERS: Final = "unknown_chargers"
CONF_HEARTBEAT_INTERVAL: Final = "heartbeat_interval"
CONF_AUTHORIZATION: Final = "authorization"
CONF_ID_TAG: Final = "id_tag"
CONF_CHARGER_ID: Final = "charger_id"
CONF_MAX_CURRENT: Final = "max_current"
# Which entities each charger gets (EntitySet): all of them, or only what a car park needs.
CONF_ENTITY_SET: Final = "entity_set"

SUBENTRY_CHARGER: Final = "charger"
SUBENTRY_ID_TAG: Final = "id_tag"

DEFAULT_HOST: Final = "0.0.0.0"
DEFAULT_PORT: Final = 9000
# Heartbeat interval told to chargers: frequent enough to notice a dead charger within minutes,
# rare enough not to wake battery-backed meters.
DEFAULT_HEARTBEAT_INTERVAL: Final = 300
DEFAULT_MAX_CURRENT: Final = 32
# A charger that sent nothing for this many heartbeat intervals is treated as gone.
SILENCE_HEARTBEATS: Final = 2
# How long a charger may take to answer one of our calls.
RESPONSE_TIMEOUT: Final = 30
# Boot retry interval for chargers awaiting the homeowner's confirmation.
PENDING_BOOT_INTERVAL: Final = 30


class UnknownChargerPolicy(StrEnum):
    """What to do with a charger id that is not configured."""

    ASK = "ask"
    ACCEPT = "accept"
    REJECT = "reject"


class AuthorizationMode(StrEnum):
    """How id tags presented at a charger are judged."""

    ACCEPT_ALL = "accept_all"
    ALLOW_LIST = "allow_list"


class EntitySet(StrEnum):
    """Which entities each charger gets (entities/entity_set.py)."""

    FULL = "full"
    CAR_PARK = "car_park"
