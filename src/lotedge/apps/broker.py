"""An embedded MQTT broker (amqtt) for the demo: no system broker needed.

amqtt is good enough to show the system working on a fresh machine. It is not what reliability
tests or production use (no MQTT 5, QoS 1 quirks): those use Mosquitto.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from typing import Any


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EmbeddedBroker:
    """amqtt on 127.0.0.1, anonymous, on its own event loop thread."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="mqtt-broker", daemon=True
        )

    def start(self, timeout: float = 15.0) -> None:
        from amqtt.broker import Broker

        logging.getLogger("amqtt").setLevel(logging.CRITICAL)  # it warns of every MQTT 5 probe
        config = {
            "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{self.port}"}},
            "plugins": {
                "amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}
            },
        }
        self._thread.start()

        async def start() -> Any:
            broker = Broker(config)
            await broker.start()
            return broker

        asyncio.run_coroutine_threadsafe(start(), self._loop).result(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """Cancel the broker's tasks and stop its loop. (amqtt's own shutdown() waits 5 s on an
        idle broadcast loop.)"""

        async def cancel_all() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(cancel_all(), self._loop).result(timeout)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout)
