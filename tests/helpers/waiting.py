"""How tests wait, without measuring time: for what the server does on its own, and for silence.

A command the charger answers keeps the real RESPONSE_TIMEOUT (30 s), so that however busy the
machine, a slow answer is never taken for silence. Only while the chargers are scripted not to
answer is the timeout cut to SILENCE_S (`timing_out`): nothing but the timeout can end those calls,
so how long it takes races with nothing. On the way out it checks that no call in between was
answered.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
import contextlib
from unittest.mock import patch

from tests.helpers.scripted_charger import NO_ANSWER, ScriptedCalls

SILENCE_S = 0.2
# The detail of a command that timed out under timing_out().
TIMED_OUT = f"no answer within {SILENCE_S} s"
COMMAND_TIMEOUT = "custom_components.ocpp_central.csms.protocol.v16_commands.RESPONSE_TIMEOUT"
REPORT_TIMEOUT = "custom_components.ocpp_central.csms.protocol.v201_reports.RESPONSE_TIMEOUT"


async def wait_for(condition: Callable[[], object]) -> None:
    """Wait until the server side has noticed something (a closed connection, say).

    Five seconds is only the bound of a test gone wrong: a passing one waits milliseconds.
    """
    async with asyncio.timeout(5):
        while not condition():  # noqa: ASYNC110 - the server offers no event to wait on
            await asyncio.sleep(0.01)


@contextlib.contextmanager
def timing_out(*chargers: ScriptedCalls) -> Iterator[None]:
    """Commands sent meanwhile give up after SILENCE_S; the chargers must answer none of them."""
    before = [len(cp.calls) for cp in chargers]
    with patch(COMMAND_TIMEOUT, SILENCE_S):
        yield
    for cp, seen in zip(chargers, before, strict=True):
        answered = [c.action for c in cp.calls[seen:] if c.answered]
        assert not answered, f"{answered} answered within the {SILENCE_S} s meant for silence"


def timeout_for(
    answer: object, *chargers: ScriptedCalls
) -> contextlib.AbstractContextManager[None]:
    """timing_out(chargers) if `answer` is NO_ANSWER; else the real timeout."""
    return timing_out(*chargers) if answer == NO_ANSWER else contextlib.nullcontext()
