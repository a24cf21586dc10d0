"""Capture on its own thread, handing frames to the decoder through a one-slot queue.

Capture never waits for decoding: when the decoder is still busy, the waiting frame is replaced by
the newer one and counted as dropped, so the decoder always sees the freshest frame.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field

import cv2
import numpy as np

_TIMEOUT_MS = 5000


@dataclass
class CameraStats:
    """Counters of one camera (each written by one thread only)."""

    frames: int = 0
    """Frames captured."""
    dropped: int = 0
    """Frames replaced before the decoder took them."""
    decoded: int = 0
    """Frames decoded."""
    decode_seconds: float = 0.0
    """Total time spent decoding."""
    scans: int = 0
    """Scans delivered (after dedupe)."""
    started: float = field(default_factory=time.monotonic)

    @property
    def fps(self) -> float:
        """Frames captured per second since start."""
        return self.frames / max(time.monotonic() - self.started, 1e-9)

    @property
    def decode_ms(self) -> float:
        """Mean decode time per frame, in milliseconds."""
        return 1000 * self.decode_seconds / self.decoded if self.decoded else 0.0


def open_capture(target: int | str) -> cv2.VideoCapture:
    """Open a device index, device path, file or stream URL; raises OSError if it cannot."""
    if isinstance(target, str) and "://" in target:
        params = [
            cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
            _TIMEOUT_MS,
            cv2.CAP_PROP_READ_TIMEOUT_MSEC,
            _TIMEOUT_MS,
        ]
        capture = cv2.VideoCapture(target, cv2.CAP_FFMPEG, params)
    else:
        capture = cv2.VideoCapture(target)
    if not capture.isOpened():
        capture.release()
        raise OSError(f"OpenCV cannot open {target!r}")
    return capture


class FrameGrabber:
    """Reads frames on a named thread into `slot`; `ended` is set when the source stops giving."""

    def __init__(self, capture: cv2.VideoCapture, stats: CameraStats, name: str, pace: bool):
        self.capture = capture
        self.stats = stats
        self.slot: queue.Queue[np.ndarray] = queue.Queue(maxsize=1)
        self.ended = threading.Event()
        self._stop = threading.Event()
        fps = capture.get(cv2.CAP_PROP_FPS) if pace else 0.0
        self._period = 1 / fps if fps and fps > 0 else 0.0  # files play at their own speed
        self._thread = threading.Thread(target=self._run, name=f"{name}-capture", daemon=True)

    def start(self) -> FrameGrabber:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop reading and release the capture."""
        self._stop.set()
        self._thread.join()
        self.capture.release()

    def _run(self) -> None:
        next_at = time.monotonic()
        while not self._stop.is_set():
            ok, frame = self.capture.read()
            if not ok:
                break
            self.stats.frames += 1
            self._offer(frame)
            if self._period:
                next_at += self._period
                self._stop.wait(max(0.0, next_at - time.monotonic()))
        self.ended.set()

    def _offer(self, frame: np.ndarray) -> None:
        try:
            self.slot.put_nowait(frame)
        except queue.Full:
            try:
                self.slot.get_nowait()
                self.stats.dropped += 1
            except queue.Empty:
                pass  # the decoder just took it
            self.slot.put_nowait(frame)
