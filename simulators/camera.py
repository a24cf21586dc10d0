"""A simulated barcode camera: codes rendered with zxing-cpp's writer into degraded frames.

`render_frame` puts one code into a frame with blur, noise, perspective, rotation, glare and
partial occlusion; `scene` makes a sequence where each code is held in view for a while, as an
operator would; `MjpegServer` serves frames as an MJPEG stream over HTTP (``cv2.VideoCapture``
opens its `url`) and `write_video` writes them to a file.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import cv2
import numpy as np
import zxingcpp

BOUNDARY = "lotedgeframe"


@dataclass(frozen=True)
class Code:
    """A barcode to show. GS1 codes are given as bracketed HRI, e.g. ``(01)0950...(10)L1``."""

    text: str
    format: str = "DataMatrix"
    gs1: bool = False
    eci: str = ""
    """An ECI to encode the text with (zxing-cpp's writer: ``20`` Shift_JIS, ``26`` UTF-8)."""
    version: int = 0
    """The symbol version (DataMatrix 31-48: the rectangular extension, DMRE); 0: smallest."""
    inverted: bool = False
    """Light on dark, as on a laser-etched or dark label."""

    def symbol(self) -> zxingcpp.Barcode:
        """The encoded symbol."""
        fmt = zxingcpp.barcode_format_from_str(self.format)
        options: dict[str, object] = {"gs1": self.gs1}
        if self.eci:
            options["eci"] = self.eci
        if self.version:
            options["version"] = self.version
        return zxingcpp.create_barcode(self.text, fmt, **options)

    @property
    def data(self) -> bytes:
        """The bytes a decoder should read: GS1 element strings with GS separators, or the
        text in UTF-8."""
        return self.symbol().bytes if self.gs1 else self.text.encode("utf-8")

    def image(self, module_px: int) -> np.ndarray:
        """The symbol as a grayscale image with its quiet zone."""
        image = np.asarray(self.symbol().to_image(scale=module_px), dtype=np.uint8)
        return 255 - image if self.inverted else image


@dataclass(frozen=True)
class Degradation:
    """How far a frame is from a perfect print under perfect light."""

    module_px: int = 4
    """Size of one module (narrow bar / matrix cell) in pixels before the perspective warp."""
    rotation: float = 0.0
    """Degrees the code is turned in the image plane."""
    perspective: float = 0.0
    """Corner displacement as a fraction of the code size (0.1 = a clearly tilted label)."""
    blur: float = 0.0
    """Gaussian blur sigma in pixels (defocus, motion)."""
    noise: float = 0.0
    """Standard deviation of sensor noise, in grey levels."""
    glare: float = 0.0
    """Strength (0..1) of a bright specular spot over the code."""
    occlusion: float = 0.0
    """Fraction (0..1) of the code's width hidden by a thumb or glove from one side."""


#: Degradation presets for the simulator command line.
PRESETS = {
    "clean": Degradation(),
    "realistic": Degradation(rotation=7, perspective=0.04, blur=0.7, noise=3, glare=0.15),
    "harsh": Degradation(
        module_px=3, rotation=20, perspective=0.08, blur=1.2, noise=8, glare=0.35, occlusion=0.08
    ),
}
#: The example bakery line's material labels (see simulators/scripts/bakery_line.scan).
EXAMPLE_CODES = [
    Code("(01)09501101530003(10)FL2611A(17)490131(3103)025000", "DataMatrix", gs1=True),
    Code("(01)09501101530010(10)SU-44871(15)270630", "Code128", gs1=True),
    Code("YST-L4711-20490131", "Code128"),
]


def _background(size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    width, height = size
    coarse = rng.integers(90, 170, size=(9, 16), dtype=np.uint8)
    return cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC).astype(np.float32)


def _fitting_module_px(code: Code, wanted: int, size: tuple[int, int]) -> int:
    """The module size closest to `wanted` at which the code fits in 80% of the frame."""
    h, w = code.image(1).shape
    return max(1, min(wanted, int(0.8 * size[0] / w), int(0.8 * size[1] / h)))


def render_frame(
    code: Code | None,
    size: tuple[int, int],
    degradation: Degradation,
    rng: np.random.Generator,
    center: tuple[float, float] | None = None,
) -> np.ndarray:
    """A BGR frame of `size` (width, height) showing `code` (or nothing) degraded as described."""
    width, height = size
    frame = _background(size, rng)
    d = degradation
    if code is not None:
        symbol = code.image(_fitting_module_px(code, d.module_px, size)).astype(np.float32)
        h, w = symbol.shape
        cx, cy = center or (width / 2, height / 2)
        src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
        angle = np.deg2rad(d.rotation)
        rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        jitter = rng.uniform(-d.perspective, d.perspective, (4, 2)) * [w, h]
        dst = (src - [w / 2, h / 2] + jitter) @ rot.T + [cx, cy]
        matrix = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
        warped = cv2.warpPerspective(symbol, matrix, size, borderValue=0)
        mask = cv2.warpPerspective(np.ones_like(symbol), matrix, size, borderValue=0)
        frame = frame * (1 - mask) + warped * 0.85 * mask + 20 * mask  # paper is not pure white
        if d.occlusion:
            cover = src.copy()
            cover[[1, 2], 0] = w * d.occlusion
            hidden = cv2.perspectiveTransform(cover[None], matrix)[0].astype(np.int32)
            cv2.fillConvexPoly(frame, hidden, 60.0)
        if d.glare:
            yy, xx = np.mgrid[0:height, 0:width]
            sigma = max(w, h) / 4
            gx, gy = cx + rng.uniform(-w / 4, w / 4), cy + rng.uniform(-h / 4, h / 4)
            frame += d.glare * 255 * np.exp(-((xx - gx) ** 2 + (yy - gy) ** 2) / (2 * sigma**2))
    if d.blur:
        frame = cv2.GaussianBlur(frame, (0, 0), d.blur)
    if d.noise:
        frame += rng.normal(0, d.noise, frame.shape).astype(np.float32)
    gray = np.clip(frame, 0, 255).astype(np.uint8)
    return cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)


def scene(
    codes: Sequence[Code],
    size: tuple[int, int] = (640, 480),
    fps: float = 15.0,
    visible_seconds: float = 1.0,
    gap_seconds: float = 0.5,
    degradation: Degradation = Degradation(),
    seed: int = 0,
) -> Iterator[np.ndarray]:
    """Frames showing each code in turn for `visible_seconds`, with empty frames between."""
    rng = np.random.default_rng(seed)
    for code in [None, *codes]:
        if code is not None:
            for _ in range(round(visible_seconds * fps)):
                yield render_frame(code, size, degradation, rng)
        for _ in range(round(gap_seconds * fps)):
            yield render_frame(None, size, degradation, rng)


def encode_jpeg(frame: np.ndarray, quality: int = 85) -> bytes:
    """A frame as JPEG bytes."""
    ok, buffer = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return buffer.tobytes()


def write_video(path: str | Path, frames: Iterator[np.ndarray], fps: float) -> int:
    """Write frames to a Motion-JPEG AVI; returns the number of frames written."""
    writer: cv2.VideoWriter | None = None
    count = 0
    for frame in frames:
        if writer is None:
            height, width = frame.shape[:2]
            fourcc = cv2.VideoWriter.fourcc(*"MJPG")
            writer = cv2.VideoWriter(str(path), fourcc, fps, (width, height))
        writer.write(frame)
        count += 1
    if writer is not None:
        writer.release()
    return count


class MjpegServer:
    """Serves JPEG frames as ``multipart/x-mixed-replace`` at `fps` on ``/stream.mjpg``.

    Each client sees the frames from the start; after the last one the stream repeats it (an
    empty scene) until the client leaves, or starts over when `loop` is set.
    """

    def __init__(
        self,
        jpegs: Sequence[bytes],
        fps: float,
        host: str = "127.0.0.1",
        port: int = 0,
        loop: bool = False,
    ) -> None:
        self.jpegs = list(jpegs)
        self.fps = fps
        self.loop = loop
        self.stopping = threading.Event()
        self._host = host
        self._http = ThreadingHTTPServer((host, port), _handler_for(self))
        self._http.daemon_threads = True
        self._thread = threading.Thread(target=self._http.serve_forever, name="mjpeg", daemon=True)

    @property
    def url(self) -> str:
        """The stream's URL."""
        return f"http://{self._host}:{self._http.server_port}/stream.mjpg"

    def start(self) -> MjpegServer:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving and end open streams."""
        self.stopping.set()
        self._http.shutdown()
        self._http.server_close()

    def frames(self) -> Iterator[bytes]:
        """The JPEGs one client receives, paced by the caller."""
        while True:
            yield from self.jpegs
            if not self.loop:
                while True:
                    yield self.jpegs[-1]


def _handler_for(server: MjpegServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?")[0] != "/stream.mjpg":
                self.send_error(404, "the stream is at /stream.mjpg")
                return
            self.send_response(200)
            self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY}")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            period, next_at = 1 / server.fps, time.monotonic()
            try:
                for jpeg in server.frames():
                    if server.stopping.is_set():
                        return
                    head = f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
                    head += f"Content-Length: {len(jpeg)}\r\n\r\n"
                    self.wfile.write(head.encode() + jpeg + b"\r\n")
                    next_at += period
                    server.stopping.wait(max(0.0, next_at - time.monotonic()))
            except (BrokenPipeError, ConnectionResetError):
                return

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: one line per frame would drown the console."""

    return Handler
