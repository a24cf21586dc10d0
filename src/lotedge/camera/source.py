"""A camera as a `ScanSource`: capture thread + decode loop, dedupe, reopen on loss."""

from __future__ import annotations

import logging
import queue
import threading
import time
from urllib.parse import urlencode

import cv2

from lotedge.camera.capture import CameraStats, FrameGrabber, open_capture
from lotedge.camera.dedupe import Dedupe
from lotedge.camera.detection import BackendUnavailable, Decoder, make_decoder
from lotedge.config.devices import CameraConfig
from lotedge.core.scan import RawScan
from lotedge.devices.kinds import Device, Probe
from lotedge.devices.registry import resolve
from lotedge.devices.url import UrlError
from lotedge.scanners.base import ScanSink
from lotedge.scanners.reconnect import Backoff, LinkStatus, connected, retry_later
from lotedge.scanners.stream import submit

log = logging.getLogger(__name__)


class CameraSource:
    """Decodes barcodes from a camera; the same code held in view is one scan."""

    def __init__(
        self, config: CameraConfig, target: int | str, decoder: Decoder, pace: bool = False
    ) -> None:
        self.name = config.name
        self.config = config
        self.target = target
        self.decoder = decoder
        self.pace = pace
        """Play at the source's own frame rate (video files), instead of as fast as it reads."""
        self.backoff = Backoff(initial=0.5, maximum=10.0)
        self.status = LinkStatus()
        self.stats = CameraStats()
        self.who = f"camera {config.name}"

    def run(self, sink: ScanSink, stop: threading.Event) -> None:
        """Deliver scans to `sink` until `stop` is set; reopen the camera when it goes away."""
        dedupe = Dedupe(self.config.dedupe_seconds)
        while not stop.is_set():
            try:
                capture = open_capture(self.target)
            except OSError as exc:
                retry_later(self.status, self.backoff, self.who, str(exc), stop)
                continue
            grabber = FrameGrabber(capture, self.stats, self.name, self.pace).start()
            connected(self.status, self.backoff, self.who, str(self.target))
            try:
                self._decode(grabber, dedupe, sink, stop)
            finally:
                grabber.stop()
            if not stop.is_set():
                self.status.update(losses=self.status.losses + 1)
                problem = f"no more frames from {self.target}"
                retry_later(self.status, self.backoff, self.who, problem, stop)
        self.status.update(connected=False)

    def _decode(
        self, grabber: FrameGrabber, dedupe: Dedupe, sink: ScanSink, stop: threading.Event
    ) -> None:
        min_period = 1 / self.config.max_fps if self.config.max_fps else 0.0
        while not stop.is_set():
            try:
                frame = grabber.slot.get(timeout=0.2)
            except queue.Empty:
                if grabber.ended.is_set():
                    return
                continue
            started = time.perf_counter()
            gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
            try:
                detections = self.decoder.decode(gray)
            except Exception:  # one bad frame must not stop the camera
                log.exception("%s: decoding a frame failed", self.who)
                detections = []
            spent = time.perf_counter() - started
            self.stats.decoded += 1
            self.stats.decode_seconds += spent
            now = time.monotonic()
            for found in detections:
                if dedupe.is_new((found.data, found.symbology), now):
                    self.stats.scans += 1
                    submit(sink, RawScan(found.data, self.name, found.symbology, gs1=found.gs1))
            if min_period > spent:
                stop.wait(min_period - spent)


def capture_target(device: Device) -> int | str:
    """What OpenCV opens: a device index, a path, or the stream URL with its own query kept."""
    if device.scheme.name in ("camera", "file"):
        target: int | str = device.address
        return target
    query = f"?{urlencode(device.passthrough)}" if device.passthrough else ""
    return f"{device.scheme.name}://{device.location}{query}"


def open_camera_device(name: str, device: Device) -> CameraSource:
    """A camera from a checked URL; its options already hold the config's fields."""
    options = device.options
    config = CameraConfig(
        name=name,
        url=device.url,
        formats=options["formats"],
        backend=options["backend"],
        dedupe_seconds=options["dedupe"],
        max_fps=options["max_fps"],
        try_invert=options["try_invert"],
    )
    try:  # formats checked with the URL
        decoder = make_decoder(config.backend, config.formats, config.try_invert)
    except BackendUnavailable as exc:
        raise UrlError(str(exc)).located(device.url) from None
    return CameraSource(config, capture_target(device), decoder, pace=device.scheme.name == "file")


def open_camera(config: CameraConfig) -> CameraSource:
    """The camera a config section describes (URL options override its fields)."""
    return open_camera_device(config.name, resolve(config.url, "camera", dict(config)))


def probe_camera(device: Device, timeout: float) -> Probe:
    """Read one frame."""
    capture = cv2.VideoCapture(capture_target(device))
    ok, frame = capture.read() if capture.isOpened() else (False, None)
    capture.release()
    if ok and frame is not None:
        height, width = frame.shape[:2]
        return Probe("ok", f"frame {width}x{height} from {device.url}")
    return Probe(
        "fail",
        f"no frame from {device.url}",
        "connected? user in the video group? stream URL right?",
    )
