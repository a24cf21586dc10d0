"""A camera as a `ScanSource`: capture thread + decode loop, dedupe, reopen on loss."""

from __future__ import annotations

import logging
import queue
import threading
import time
from urllib.parse import urlencode

import cv2
from pydantic import ValidationError

from lotedge.camera.capture import CameraStats, FrameGrabber, open_capture
from lotedge.camera.dedupe import Dedupe
from lotedge.camera.detection import Decoder, make_decoder
from lotedge.config.devices import CameraConfig
from lotedge.core.scan import RawScan
from lotedge.scanners.base import ScanSink
from lotedge.scanners.reconnect import Backoff, LinkStatus, connected, retry_later
from lotedge.scanners.stream import submit
from lotedge.scanners.url import DeviceUrl, UrlError

FORM = (
    "camera://<index>|camera:///dev/videoN|file:///path|http(s)://...|rtsp://..."
    "?formats=DataMatrix,Code128&backend=zxing|zbar&dedupe=SECONDS&max_fps=N"
)

_STREAM_SCHEMES = ("http", "https", "rtsp")
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
                    submit(sink, RawScan(found.data, self.name, found.symbology))
            if min_period > spent:
                stop.wait(min_period - spent)


def capture_target(url: DeviceUrl, rest: dict[str, str]) -> int | str:
    """What OpenCV opens: a device index, a path, or the stream URL with its own query kept."""
    if url.scheme == "camera":
        location = url.location
        if location.isdigit():
            return int(location)
        if not location.startswith("/"):
            raise UrlError("give a device index (camera://0) or path (camera:///dev/video0)")
        return location
    if url.scheme == "file":
        return url.location
    query = f"?{urlencode(rest)}" if rest else ""
    return f"{url.scheme}://{url.location}{query}"


def open_camera_url(name: str, url: DeviceUrl, base: CameraConfig | None = None) -> CameraSource:
    """A camera from a URL; options in its query override `base` (or the defaults)."""
    defaults = base or CameraConfig(name=name, url=url.raw)
    with url.expecting(FORM):
        options = url.options
        settings = {
            "formats": options.text("formats", ",".join(defaults.formats)).split(","),
            "backend": options.choice("backend", defaults.backend, ("zxing", "zbar")),
            "dedupe_seconds": options.number("dedupe", defaults.dedupe_seconds),
            "max_fps": options.number("max_fps", defaults.max_fps),
        }
        rest = options.unread() if url.scheme in _STREAM_SCHEMES else {}
        for key in rest:
            options.text(key, "")  # passed on to the stream server, not ours to check
        target = capture_target(url, rest)
        try:
            config = CameraConfig(**{**settings, "name": name, "url": url.raw})
            decoder = make_decoder(config.backend, config.formats)
        except (ValidationError, ValueError) as exc:
            raise UrlError(str(exc)) from None
    return CameraSource(config, target, decoder, pace=url.scheme == "file")


def open_camera(config: CameraConfig) -> CameraSource:
    """The camera a config section describes."""
    return open_camera_url(config.name, DeviceUrl.parse(config.url), config)
