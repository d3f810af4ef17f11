"""Waiting in tests: run a coroutine to its end from any thread, poll until a check holds."""
from __future__ import annotations

import asyncio
import threading
import time
from typing import Any


def run_async(coro: Any) -> Any:
    """Run ``coro`` to its end on a new event loop in its own thread (the browser tests leave a
    loop running in the main thread, where ``asyncio.run`` refuses); return its result."""
    return in_thread(asyncio.run, coro)


def in_thread(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Return ``fn(*args, **kwargs)`` called in a thread of its own (for code that starts an
    event loop, e.g. a command run in process); its exception is raised here."""
    out: dict[str, Any] = {}

    def main() -> None:
        try:
            out["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            out["error"] = exc
    worker = threading.Thread(target=main)
    worker.start()
    worker.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


def wait_until(check, timeout: float = 10.0, step: float = 0.05):  # noqa: ANN001, ANN201
    """Return ``check()`` once it is truthy; raise AssertionError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"condition not met in {timeout} s")
