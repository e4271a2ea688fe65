"""Reading an OCPP-J frame from the wire: what the `ocpp` package's unpack does, and guarded.

A frame that Python's JSON reader takes but nothing after it could (an integer of thousands of
digits, arrays nested ten thousand deep, the constants NaN and Infinity, text that is not
Unicode) is a FormatViolation, raised here; the session lives on. Its CALL is answered when the
message id can be read from the frame's head, even where the rest cannot be parsed.
"""

from __future__ import annotations

import json
import re
from typing import Any, NoReturn

from ocpp.exceptions import (
    FormatViolationError,
    OCPPError,
    PropertyConstraintViolationError,
    ProtocolError,
)
from ocpp.messages import Call, CallError, CallResult

from .values import shown

type Message = Call | CallResult | CallError

# No OCPP message nests deeper than about eight; handlers and schema checks recurse per level.
MAX_DEPTH = 32
# The head of a CALL: `[2, "message id",` (or a numeric id), read without parsing the rest.
_CALL_HEAD = re.compile(r'\s*\[\s*2(?:\.0*)?\s*,\s*("(?:[^"\\]|\\.){0,128}"|\d{1,18})\s*[,\]]')
# A lone surrogate can only arrive escaped (a text frame is valid UTF-8).
_SURROGATE_ESCAPES = ("\\ud", "\\uD")


def _constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def read_frame(raw: str | bytes) -> Message:
    """Parse a frame into a Call, CallResult or CallError; OCPPError when it is none of them."""
    try:
        frame = json.loads(raw, parse_constant=_constant)
    except RecursionError:
        raise FormatViolationError(details={"cause": "The message is nested too deeply"}) from None
    except UnicodeDecodeError:
        raise FormatViolationError(details={"cause": "The message is not UTF-8"}) from None
    except ValueError as err:
        # Not JSON, or a number no JSON reader takes (beyond Python's digit limit, NaN).
        raise FormatViolationError(details={"cause": f"The message is not JSON: {err}"}) from None
    _check_structure(frame, raw)
    if not isinstance(frame, list):
        raise ProtocolError(details={"cause": "An OCPP message is a JSON array"})
    for kind in (Call, CallResult, CallError):
        try:
            if frame[0] == kind.message_type_id:
                message = kind(*frame[1:])
                break
        except IndexError:
            raise ProtocolError(details={"cause": "The message has no MessageTypeId"}) from None
        except TypeError:
            raise ProtocolError(
                details={"cause": "The message has too few or many elements"}
            ) from None
    else:
        raise PropertyConstraintViolationError(
            details={"cause": f"MessageTypeId {shown(frame[0])} is not valid"}
        )
    if not _is_message_id(message.unique_id):
        raise ProtocolError(details={"cause": f"Message id {shown(message.unique_id)} is no text"})
    return message


def call_id(raw: str | bytes) -> str | int | None:
    """Return the message id of a frame that starts like a CALL, whatever follows; else None."""
    if isinstance(raw, bytes):
        raw = raw[:256].decode("utf-8", "ignore")
    found = _CALL_HEAD.match(raw)
    if found is None:
        return None
    try:
        value = json.loads(found.group(1))
    except ValueError:
        return None
    return value if isinstance(value, str | int) else None


def answerable(error: OCPPError) -> OCPPError:
    """Return the error a broken CALL is answered with: what it broke, or ProtocolError."""
    return error if isinstance(error, ProtocolError | FormatViolationError) else ProtocolError()


def _check_structure(frame: Any, raw: str | bytes) -> None:
    """Raise FormatViolation for nesting beyond MAX_DEPTH or text that is not Unicode.

    Cheap for ordinary frames: the walk runs only when the frame has enough brackets to be
    that deep, the text check only when it has a surrogate escape.
    """
    if isinstance(raw, str):
        open_brackets = raw.count("[") + raw.count("{")
        surrogates = any(escape in raw for escape in _SURROGATE_ESCAPES)
    else:
        open_brackets = raw.count(b"[") + raw.count(b"{")
        surrogates = any(escape.encode() in raw for escape in _SURROGATE_ESCAPES)
    if open_brackets <= MAX_DEPTH and not surrogates:
        return
    if surrogates and not _is_unicode_text(frame):
        raise FormatViolationError(details={"cause": "The message's text is not Unicode"})
    if _deeper_than(frame, MAX_DEPTH):
        raise FormatViolationError(
            details={"cause": f"The message is nested deeper than {MAX_DEPTH} levels"}
        )


def _deeper_than(value: Any, levels: int) -> bool:
    """Whether value nests containers deeper than levels (recursion bounded by levels)."""
    kind = type(value)
    if kind is dict:
        children = value.values()
    elif kind is list:
        children = value
    else:
        return False
    if levels == 0:
        return True
    for child in children:
        kind = type(child)
        if (kind is dict or kind is list) and _deeper_than(child, levels - 1):
            return True
    return False


def _is_unicode_text(frame: Any) -> bool:
    """Whether every key and string in the frame can be written as UTF-8 (no lone surrogates)."""
    pending: list[Any] = [frame]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str) and not _is_unicode(value):
            return False
    return True


def _is_message_id(value: Any) -> bool:
    """Whether a value can be a message id: text, or an integer as some chargers send."""
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def _is_unicode(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True
