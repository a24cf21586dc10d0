"""One watcher per station: notices changes and fans each new snapshot out to every stream.

The watcher polls cheaply (the state's `PRAGMA data_version` plus the printer and publisher
status) and builds a snapshot only when one of them moved; a snapshot that differs from the last
gets the next `seq`. `wake()` (the engine calls it after a commit that queued work) makes it look
at once instead of at the next poll. Each stream has a small bounded queue: a client too slow to
keep up is dropped (its connection cut) instead of ever blocking the watcher, the others or the
engine.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable

from lotedge.station.snapshot import Snapshot, SnapshotReader

log = logging.getLogger(__name__)

#: Snapshots a stream may have waiting before it counts as stuck and is dropped.
STREAM_QUEUE = 8


class Stream:
    """One client's place in the fan-out: its queue, and how to hang up on it."""

    def __init__(self, hang_up: Callable[[], None], size: int = STREAM_QUEUE) -> None:
        self.queue: queue.Queue[Snapshot | None] = queue.Queue(size)
        self._hang_up = hang_up

    def offer(self, snapshot: Snapshot) -> bool:
        """Queue a snapshot without waiting; False when the client is not keeping up."""
        try:
            self.queue.put_nowait(snapshot)
        except queue.Full:
            return False
        return True

    def end(self) -> None:
        """Stop the stream: wake its handler, and cut the connection in case it is stuck."""
        with contextlib.suppress(queue.Full):
            self.queue.put_nowait(None)
        self._hang_up()


class Hub:
    """Keeps the current snapshot and the open streams; `start()`, `current()`, `stop()`."""

    def __init__(self, reader: SnapshotReader, interval: float = 0.2) -> None:
        self._reader = reader
        self._interval = interval
        self._lock = threading.Lock()
        self._streams: set[Stream] = set()
        self._seen: object = None
        self._snapshot: Snapshot = {}
        self._seq = 0
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="station-watch", daemon=True)

    def start(self) -> Hub:
        self.current()
        self._thread.start()
        return self

    def wake(self) -> None:
        """Look now (something was committed); never blocks the caller."""
        self._wake.set()

    def stop(self) -> None:
        """Stop watching and end every stream."""
        self._stop.set()
        self._wake.set()
        if self._thread.ident is not None:
            self._thread.join(5)
        with self._lock:
            streams, self._streams = self._streams, set()
            self._reader.close()
        for stream in streams:
            stream.end()

    def current(self) -> Snapshot:
        """The up-to-date snapshot (checked now, so a reply right after a command shows it);
        after `stop()` the last one (the reader is closed)."""
        with self._lock:
            if not self._stop.is_set():
                self._refresh()
            return self._snapshot

    def subscribe(self, hang_up: Callable[[], None]) -> Stream:
        stream = Stream(hang_up)
        with self._lock:
            self._streams.add(stream)
        return stream

    def unsubscribe(self, stream: Stream) -> None:
        with self._lock:
            self._streams.discard(stream)

    @property
    def streams(self) -> int:
        with self._lock:
            return len(self._streams)

    def _watch(self) -> None:
        while True:
            self._wake.wait(self._interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.current()
            except Exception:  # keep watching; the next round may succeed
                log.exception("station: reading the state failed")

    def _refresh(self) -> None:
        """Under the lock: rebuild when something moved; number and fan out a new snapshot."""
        seen = self._reader.fingerprint()  # first, so a commit during the build is seen next
        if seen == self._seen:
            return
        self._seen = seen
        snapshot = self._reader.build()
        if snapshot == {k: v for k, v in self._snapshot.items() if k != "seq"}:
            return
        self._seq += 1
        self._snapshot = {"seq": self._seq, **snapshot}
        for stream in list(self._streams):
            if not stream.offer(self._snapshot):
                log.warning("station: dropping a client that does not keep up")
                self._streams.discard(stream)
                stream.end()
