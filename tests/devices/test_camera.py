"""The camera path end to end: rendered codes -> MJPEG over HTTP -> OpenCV -> zxing-cpp -> sink."""

import time

import numpy as np
import pytest

from lotedge.camera.dedupe import Dedupe
from lotedge.camera.detection import BackendUnavailable, make_decoder
from lotedge.camera.source import CameraSource, open_camera
from lotedge.config.devices import CameraConfig
from lotedge.devices.url import UrlError
from lotedge.scanners.base import open_source
from lotedge.simulators.camera import (
    Code,
    Degradation,
    MjpegServer,
    encode_jpeg,
    scene,
    write_video,
)

from .conftest import running, wait_until

CODES = [
    Code("(01)09501101530003(10)FL2611A(17)490131(3103)025000", "DataMatrix", gs1=True),
    Code("(01)09501101530010(10)SU-44871(15)270630", "QRCode", gs1=True),
    Code("YST-L4711-20490131", "Code128"),
]
FPS = 25
STREAM_FRAMES = 10 + 3 * (20 + 10)  # lead-in gap, then each code for 0.8 s and a 0.4 s gap
REALISTIC = Degradation(module_px=4, rotation=7, perspective=0.04, blur=0.7, noise=3, glare=0.15)


@pytest.fixture(scope="module")
def stream():
    frames = scene(
        CODES, size=(640, 480), fps=FPS, visible_seconds=0.8, gap_seconds=0.4, degradation=REALISTIC
    )
    jpegs = [encode_jpeg(f) for f in frames]
    assert len(jpegs) == STREAM_FRAMES
    server = MjpegServer(jpegs, fps=FPS).start()
    yield server
    server.close()


def test_mjpeg_stream_is_decoded_each_code_once(stream, collector):
    source = open_source("cam1", f"{stream.url}?formats=DataMatrix,QRCode,Code128&dedupe=5")
    with running(source, collector):
        collector.wait_for(len(CODES))
        assert wait_until(lambda: source.stats.frames >= STREAM_FRAMES)  # the whole scene passed
    got = [(s.data, s.symbology) for s in collector.scans]
    assert got == [
        (b"010950110153000310FL2611A\x1d174901313103025000", "]d2"),
        (b"010950110153001010SU-44871\x1d15270630", "]Q3"),
        (b"YST-L4711-20490131", "]C0"),
    ]
    assert source.stats.decoded > 0


def test_video_file_is_played_at_its_own_speed(tmp_path, collector):
    path = tmp_path / "line.avi"
    write_video(path, scene(CODES[2:], fps=10, visible_seconds=0.5), fps=10)
    source = open_source("cam2", f"file://{path}?formats=Code128")
    with running(source, collector):
        assert collector.wait_for(1) == [b"YST-L4711-20490131"]


def test_formats_restrict_what_is_read():
    decoder = make_decoder("zxing", ["QRCode"])
    frame = next(f for f in scene(CODES[:1], gap_seconds=0) if f is not None)
    assert decoder.decode(frame[:, :, 0]) == []


def test_zbar_reads_what_it_can_and_refuses_datamatrix():
    rng = np.random.default_rng(1)
    from lotedge.simulators.camera import render_frame

    frame = render_frame(CODES[2], (640, 480), Degradation(module_px=2), rng)[:, :, 0]
    try:
        decoder = make_decoder("zbar", ["Code128"])
    except BackendUnavailable:
        pytest.skip("libzbar0 is not installed")
    assert [(d.data, d.symbology) for d in decoder.decode(frame)] == [(b"YST-L4711-20490131", None)]
    with pytest.raises(ValueError, match="zbar cannot read DataMatrix; use backend 'zxing'"):
        make_decoder("zbar", ["DataMatrix", "Code128"])


def test_camera_config_and_url_options():
    config = CameraConfig(name="cam", url="camera://0?max_fps=5", formats=["DataMatrix"])
    source = open_camera(config)
    assert source.target == 0
    assert source.config.formats == ["DataMatrix"] and source.config.max_fps == 5
    with pytest.raises(UrlError, match="unknown option 'dedup'; did you mean 'dedupe'"):
        open_source("cam", "camera:///dev/video0?dedup=3")
    with pytest.raises(UrlError, match="unknown barcode format"):
        open_source("cam", "camera://0?formats=DataMatrx")


def test_dedupe_window_slides_while_the_code_stays_in_view():
    dedupe = Dedupe(window=1.0)
    sightings = [dedupe.is_new(b"A", t / 10) for t in range(0, 50)]
    assert sightings.count(True) == 1
    assert dedupe.is_new(b"A", 6.1) and dedupe.is_new(b"B", 6.1)


def test_camera_stream_lost_and_back_is_reopened(collector):
    codes = [Code("YST-L1-20490131", "Code128"), Code("YST-L2-20490131", "Code128")]
    first = [encode_jpeg(f) for f in scene(codes[:1], fps=FPS, visible_seconds=0.4)]
    server = MjpegServer(first, fps=FPS).start()
    host, port = server.url.split("/")[2].split(":")
    source = open_source("cam3", f"{server.url}?formats=Code128")
    source.backoff.initial = source.backoff.maximum = 0.05
    with running(source, collector):
        assert collector.wait_for(1) == [b"YST-L1-20490131"]
        server.close()
        assert source.status.wait_for(lambda s: s.losses >= 1, 10)
        second = [encode_jpeg(f) for f in scene(codes[1:], fps=FPS, visible_seconds=0.4)]
        server = MjpegServer(second, fps=FPS, host=host, port=int(port)).start()
        try:
            assert collector.wait_for(2) == [b"YST-L1-20490131", b"YST-L2-20490131"]
        finally:
            server.close()
    assert source.status.connects >= 2


class SlowDecoder:
    """The real zxing decoder, made slower than the stream (as on a busy or small machine)."""

    name = "slow-zxing"

    def __init__(self, seconds):
        self.inner = make_decoder("zxing", ["Code128"])
        self.seconds = seconds

    def decode(self, gray):
        time.sleep(self.seconds)
        return self.inner.decode(gray)


def test_slow_decoding_drops_stale_frames_and_still_reads_each_code_once(collector):
    frames = scene(CODES[2:], fps=FPS, visible_seconds=1.0)
    server = MjpegServer([encode_jpeg(f) for f in frames], fps=FPS).start()
    config = CameraConfig(name="slow", url=server.url, formats=["Code128"])
    source = CameraSource(config, server.url, SlowDecoder(0.1))
    try:
        with running(source, collector):
            assert collector.wait_for(1) == [b"YST-L4711-20490131"]
            assert wait_until(lambda: source.stats.frames >= 40)
    finally:
        server.close()
    stats = source.stats
    assert stats.dropped > 0
    assert stats.decoded + stats.dropped <= stats.frames <= stats.decoded + stats.dropped + 1
    assert collector.data == [b"YST-L4711-20490131"]
    assert stats.decode_ms >= 100 and stats.fps > 0
