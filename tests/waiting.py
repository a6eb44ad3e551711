"""Waiting on a condition instead of sleeping: as long as it takes on a busy machine, no longer."""

import asyncio
import time
from collections.abc import Callable


async def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.05)
    return condition()
