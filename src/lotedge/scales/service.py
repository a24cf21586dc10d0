"""The scale service: one thread that owns the scale's I/O and weighs for the engine.

It never writes the state: it reads the pending weighing on its own read-only connection and
submits each stable net weight as a `WeightReading` through the engine's queue, so the single
writer never waits for a scale. The engine's reply says what to do next: done, read again (a
stale weight), or wait for the load to change (the previous load, a weight out of tolerance).
Tare, zero and re-read arrive in its mailbox. Between weighings it looks at the weight (``SI``)
every `poll` seconds: the live weight for the status and the station, and whether the load
changed since the last weighing. A disconnect ends the session; the weighing stays pending and
nothing is recorded until the scale is back and gives a stable weight.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from lotedge.agent.registry import AdapterHost
from lotedge.agent.requests import Reply, Request, WeightReading
from lotedge.agent.workflows.weighing import SCALE_MAILBOX
from lotedge.core.reasons import Reason
from lotedge.core.scale_protocol import Reading, WeightStatus
from lotedge.devices.kinds import Device
from lotedge.devices.registry import resolve
from lotedge.scales.clients import Scale, ScaleError, ScaleIdentity
from lotedge.scales.device import open_scale
from lotedge.state import weighings
from lotedge.state.db import STATE_FILE, connect_readonly

log = logging.getLogger(__name__)

_BACKOFF = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0)
#: Problems a session ends on: the line went (ScaleGone is an OSError), no reply, a refusal.
_LINE_PROBLEMS = (OSError, TimeoutError, ScaleError)


class ScaleService:
    """Weighs the pending weighing on `device`; `run(stop)` on a thread of its own."""

    def __init__(
        self,
        name: str,
        device: Device,
        state_path: Path,
        call: Callable[[Request], Reply],
        *,
        poll: float,
        stale_rereads: int,
        opener: Callable[[Device], Scale] = open_scale,
    ) -> None:
        self.name = name
        self.device = device
        self._state_path = state_path
        self._call = call
        self._poll = poll
        self._stale_rereads = stale_rereads
        self._open = opener
        self._actions: queue.Queue[str] = queue.Queue()
        self._woken = threading.Event()
        self._lock = threading.Lock()
        self._state: dict[str, Any] = {"scale": name, "connected": False, "live": None}
        # What the weighing rules need from what the scale showed:
        self._reference: Decimal | None = None  # the last weight recorded (or refused)
        self._load_changed = True
        self._wait_change = False  # wait for the weight to leave the reference before S
        self._confirmed = False  # the operator asked for a re-read
        self._stale = 0

    # -- what the daemon and the engine use ---------------------------------------------------
    def wake(self) -> None:
        """A commit may have opened a weighing: look now."""
        self._woken.set()

    def post(self, action: object) -> None:
        """Mailbox: ``tare``, ``zero`` or ``reread`` (carried out on the service's thread)."""
        self._actions.put(str(action))
        self._woken.set()

    @property
    def state(self) -> dict[str, Any]:
        with self._lock:
            return dict(self._state)

    def _update(self, **changes: Any) -> None:
        with self._lock:
            self._state.update(changes)

    # -- the thread ---------------------------------------------------------------------------
    def run(self, stop: threading.Event) -> None:
        conn = connect_readonly(self._state_path)
        last = weighings.last_weight(conn)
        self._reference = last[0] if last else None
        failures = 0
        try:
            while not stop.is_set():
                try:
                    scale = self._open(self.device)
                except OSError as exc:
                    self._lost(exc)
                else:
                    failures = 0
                    try:
                        self._session(scale, conn, stop)
                    except _LINE_PROBLEMS as exc:
                        self._lost(exc)
                    finally:
                        scale.close()
                stop.wait(_BACKOFF[min(failures, len(_BACKOFF) - 1)])
                failures += 1
        finally:
            conn.close()

    def _lost(self, exc: BaseException) -> None:
        if self.state["connected"] or self.state.get("error") != str(exc):
            log.warning("scale %s: %s", self.name, exc)
        self._update(connected=False, error=str(exc), live=None)

    def _session(self, scale: Scale, conn: sqlite3.Connection, stop: threading.Event) -> None:
        identity = _identify(scale)
        self._update(connected=True, error="", serial=identity.serial, model=identity.model)
        log.info("scale %s connected: %s", self.name, self.device.url)
        while not stop.is_set():
            self._carry_out_actions(scale)
            pending = weighings.pending(conn)
            conn.commit()  # end the read transaction: the next look sees new commits
            self._update(weighing=_pending_dict(pending))
            if pending is None or self._wait_change:
                self._look(scale)
                self._woken.wait(self._poll)
                self._woken.clear()
                continue
            self._weigh(scale, pending)

    def _carry_out_actions(self, scale: Scale) -> None:
        while True:
            try:
                action = self._actions.get_nowait()
            except queue.Empty:
                return
            if action == "reread":
                self._wait_change, self._confirmed, self._stale = False, True, 0
                self._update(message="re-reading")
                continue
            try:
                if action == "tare":
                    tare = scale.tare()
                    said = f"tare {tare.text()}"
                else:
                    scale.zero()
                    said = "zeroed"
            except ScaleError as exc:
                said = f"{action} refused: {exc}"
            log.info("scale %s: %s", self.name, said)
            self._update(message=said)

    def _observe(self, reading: Reading) -> None:
        """Keep the live weight; a weight other than the reference means the load changed."""
        self._update(live=_reading_dict(reading))
        value = reading.value
        if value is not None and value != self._reference:
            self._load_changed = True
            if self._wait_change:
                self._wait_change = False
                self._stale = 0

    def _look(self, scale: Scale) -> None:
        self._observe(scale.immediate())

    def _weigh(self, scale: Scale, pending: weighings.Weighing) -> None:
        reading = scale.stable()
        if reading.status is WeightStatus.BUSY:
            # Not settled within the scale's own time: show the weight on its way (SI), then S
            # again; the live weight moves at the pace of the scale's S timeout meanwhile.
            self._update(message=_why_not(reading))
            self._look(scale)
            return
        self._observe(reading)
        if not reading.usable or reading.value is None or reading.value <= 0:
            self._update(message=_why_not(reading))
            self._woken.wait(self._poll)  # S answered at once: do not spin
            self._woken.clear()
            return
        assert reading.unit is not None
        reply = self._call(
            WeightReading(
                pending.id,
                reading.value,
                reading.unit,
                self.name,
                load_changed=self._load_changed,
                confirmed=self._confirmed,
            )
        )
        self._answered(reply, reading.value)

    def _answered(self, reply: Reply, value: Decimal) -> None:
        message = reply.data.get("message", "") if reply.ok else reply.error
        self._update(message=message)
        if reply.ok:
            self._reference, self._load_changed, self._confirmed, self._stale = (
                value, False, False, 0,
            )  # fmt: skip
        elif reply.code == Reason.STALE_WEIGHT.value:
            self._stale += 1
            if self._stale >= self._stale_rereads:
                self._wait_change = True  # until the weight moves, or a re-read
                self._update(message=f"{message} Still the same after {self._stale} reads.")
            else:
                self._woken.wait(self._poll)  # give the scale a moment before reading again
                self._woken.clear()
        elif reply.code in (Reason.SAME_LOAD.value, Reason.OUT_OF_TOLERANCE.value):
            self._reference, self._wait_change, self._confirmed = value, True, False
        else:
            log.info("scale %s: %s", self.name, message)


def _identify(scale: Scale) -> ScaleIdentity:
    try:
        return scale.identify()
    except ScaleError as exc:  # a scale without @ still weighs
        log.info("scale does not say who it is: %s", exc)
        return ScaleIdentity()


def _why_not(reading: Reading) -> str:
    if reading.status is WeightStatus.BUSY:
        return "waiting for the weight to settle"
    if reading.status is WeightStatus.STABLE and reading.value is not None:
        if not reading.net:
            return "the scale shows a gross weight: tare it"
        return "nothing on the scale"
    return reading.detail or f"waiting for a stable weight ({reading.status.value})"


def _reading_dict(reading: Reading) -> dict[str, Any]:
    return {
        "status": reading.status.value,
        "value": str(reading.value) if reading.value is not None else None,
        "unit": reading.unit,
        "net": reading.net,
        "at": time.time(),
    }


def _pending_dict(pending: weighings.Weighing | None) -> dict[str, Any] | None:
    if pending is None:
        return None
    return {"id": pending.id, "material": pending.material, "lot": pending.lot}


def start_scale(host: AdapterHost, stop: threading.Event) -> Callable[[], None]:
    """Daemon adapter: weigh on the configured weighing scale, if any; returns its stop."""
    config = host.config
    section = config.weighing_scale()
    if section is None:
        log.info("scale: none configured")
        return lambda: None
    service = ScaleService(
        section.name,
        resolve(section.url, "scale", dict(section)),
        config.state_dir / STATE_FILE,
        host.call,
        poll=config.weighing.poll_seconds,
        stale_rereads=config.weighing.stale_rereads,
    )
    host.on_commit(service.wake)
    host.status("scale", lambda: service.state)
    host.mailbox(SCALE_MAILBOX, service.post)
    thread = threading.Thread(target=service.run, args=(stop,), name="scale", daemon=True)
    thread.start()
    log.info("scale %s at %s", section.name, section.url)

    def join() -> None:
        stop.set()
        thread.join(10)

    return join
