"""How tests wait for what the server side does on its own, without measuring time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def wait_for(condition: Callable[[], object]) -> None:
    """Wait until the server side has noticed something (a closed connection, say).

    Five seconds is only the bound of a test gone wrong: a passing one waits milliseconds.
    """
    async with asyncio.timeout(5):
        while not condition():  # noqa: ASYNC110 - the server offers no event to wait on
            await asyncio.sleep(0.01)
