"""Every kind of device and every scheme: the one table (docs/devices.md, docs/labels.md).

Adding a kind is a `KINDS` entry; adding a scheme is a `Scheme` in `SCHEMES` naming its
location, its options and the ``module:function`` of its opener and prober.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lotedge.devices.kinds import Kind, Scheme
from lotedge.devices.locations import (
    CAMERA,
    HOST_PORT,
    NOTHING,
    QUEUE,
    USB_IDS,
    absolute_path,
    host_port,
    required,
)
from lotedge.devices.options import (
    FLAG,
    GS_TOKEN,
    POSITIVE_WHOLE,
    SUFFIX,
    TEXT,
    Option,
    choice,
    names,
    number,
)

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("scanner", "serial:///dev/ttyACM0", also=("camera",)),
        Kind("camera", "camera://0"),
        Kind("printer", "tcp://192.0.2.10:9100"),
        Kind("scale", "serial:///dev/ttyUSB0?baud=9600"),
    )
}

#: Formats a line usually needs (zxing-cpp names); fewer formats decode faster.
DEFAULT_FORMATS = ["DataMatrix", "QRCode", "Code128", "EAN13", "EAN8", "UPCA", "ITF", "DataBar"]

SERIAL_LINE = (
    Option("baud", POSITIVE_WHOLE, "9600", "line speed"),
    Option("parity", choice("N", "E", "O", "M", "S"), "N", "parity"),
    Option(
        "bytesize",
        choice("5", "6", "7", "8", mapping={str(n): n for n in range(5, 9)}),
        "8",
        "data bits",
    ),
    Option(
        "stopbits", choice("1", "1.5", "2", mapping={"1": 1, "1.5": 1.5, "2": 2}), "1", "stop bits"
    ),
)


def serial_settings(options: Mapping[str, Any]) -> dict[str, Any]:
    """pyserial's keyword arguments for the line options (python-escpos takes the same)."""
    return {
        "baudrate": options["baud"],
        "parity": options["parity"],
        "bytesize": options["bytesize"],
        "stopbits": options["stopbits"],
    }


def framing(default_suffix: str = "auto") -> tuple[Option, ...]:
    """How a scanner ends scans and stands in for GS."""
    return (
        Option("suffix", SUFFIX, default_suffix, "what ends a scan (auto: CR or LF)"),
        Option(
            "gs",
            GS_TOKEN,
            "",
            "the text the scanner sends in place of GS (0x1D), e.g. ~ or <GS> (percent-encode "
            "& # % + and spaces)",
        ),
        Option(
            "alt029",
            FLAG,
            "0",
            "the scanner types GS as Alt+029 and it arrives as the digits 029 (or 0029): "
            "turned back into GS where it stands between fields",
        ),
    )


CAMERA_OPTIONS = (
    Option(
        "formats",
        names(),
        ",".join(DEFAULT_FORMATS),
        "barcode formats decoded (zxing-cpp names); fewer is faster",
        field="formats",
    ),
    Option("backend", choice("zxing", "zbar"), "zxing", "decoder", field="backend"),
    Option(
        "dedupe",
        number("SECONDS"),
        "2",
        "seconds a code must be out of sight before it counts again",
        field="dedupe_seconds",
    ),
    Option(
        "max_fps",
        number("FPS"),
        "0",
        "decode at most this many frames per second (0: no limit)",
        field="max_fps",
    ),
    Option(
        "try_invert",
        FLAG,
        "0",
        "also read light-on-dark codes (costs decode time; zxing only)",
        field="try_invert",
    ),
)

SCALE_OPTIONS = (
    Option(
        "protocol",
        choice("sics", "continuous"),
        "sics",
        "MT-SICS commands (S, SI, T, Z, @), or continuous output (a line per reading)",
        field="protocol",
    ),
    Option(
        "timeout",
        number("SECONDS", above=True),
        "5",
        "how long a reply may take (a stable weight: the scale's settling)",
        field="timeout_seconds",
    ),
    Option(
        "pattern",
        TEXT,
        "",
        "continuous output: a regex with named groups value, unit and optionally status, sign, "
        "kind (default: ST,NT,+0025.000kg); best set as the scale's pattern field",
        field="pattern",
    ),
)

_SCANNERS = "lotedge.scanners"
_CAMERA = "lotedge.camera.source"
_PRINTERS = "lotedge.printers"
_PRINTER_PROBE = f"{_PRINTERS}.transport:probe_printer"
_SCALES = "lotedge.scales.device"
_OPENCV = "pip install opencv-python-headless"
_ESCPOS = "pip install python-escpos"


def _camera(name: str, location_form: str, about: str, passthrough: bool = False) -> Scheme:
    location = CAMERA if name == "camera" else required(location_form, "the address")
    return Scheme(
        "camera",
        name,
        location,
        CAMERA_OPTIONS,
        about,
        opener=f"{_CAMERA}:open_camera_device",
        prober=f"{_CAMERA}:probe_camera",
        needs=_OPENCV,
        check="lotedge.camera.formats:check_formats",
        passthrough=passthrough,
    )


SCHEMES: tuple[Scheme, ...] = (
    Scheme(
        "scanner",
        "serial",
        required("<device>", "the port"),
        SERIAL_LINE + framing(),
        "serial / USB-CDC scanner: a device path (use /dev/serial/by-id/...) or any pyserial URL "
        "(serial://loop://, serial://socket://host:port, serial://spy:///dev/ttyUSB0); "
        "opened exclusively",
        opener=f"{_SCANNERS}.serial_port:open_serial",
        prober=f"{_SCANNERS}.serial_port:probe_serial",
        needs="pip install pyserial",
    ),
    Scheme(
        "scanner",
        "tcp",
        HOST_PORT,
        (Option("timeout", number("SECONDS", above=True), "5", "connect timeout"), *framing()),
        "fixed-mount reader with a TCP server; we connect and reconnect",
        opener=f"{_SCANNERS}.tcp:open_tcp_client",
        prober=f"{_SCANNERS}.tcp:probe_tcp_client",
    ),
    Scheme(
        "scanner",
        "tcp-listen",
        HOST_PORT,
        framing(),
        "the reader connects to us (one at a time; accepted again after it disconnects)",
        opener=f"{_SCANNERS}.tcp:open_tcp_listen",
        prober=f"{_SCANNERS}.tcp:probe_tcp_listen",
    ),
    Scheme(
        "scanner",
        "hid",
        absolute_path("/dev/input/by-id/<device>", "input device"),
        (
            Option("layout", choice("us", "de"), "us", "keyboard layout the scanner types in"),
            Option("grab", FLAG, "1", "grab the device so scans type nowhere else"),
            *framing("CR"),
        ),
        "USB keyboard-wedge scanner through evdev (/dev/input/by-id/...-event-kbd)",
        opener=f"{_SCANNERS}.hid:open_hid",
        prober=f"{_SCANNERS}.hid:probe_hid",
        needs="pip install evdev (Linux only)",
    ),
    Scheme(
        "scanner",
        "stdin",
        NOTHING,
        framing(),
        "a wedge typing into the agent's terminal, or piped input",
        opener=f"{_SCANNERS}.stdin:open_stdin",
        prober=f"{_SCANNERS}.stdin:probe_stdin",
    ),
    _camera("camera", "", "a V4L2 camera by index (camera://0) or path (camera:///dev/video0)"),
    _camera("file", "<path>", "a video file, played at its own frame rate and looped"),
    _camera(
        "http",
        "<host>/<path>",
        "an HTTP (MJPEG) stream; other options go to the stream",
        passthrough=True,
    ),
    _camera("https", "<host>/<path>", "the same over TLS", passthrough=True),
    _camera(
        "rtsp", "<host>/<path>", "an RTSP stream; other options go to the stream", passthrough=True
    ),
    Scheme(
        "printer",
        "tcp",
        host_port(9100),
        (),
        "raw TCP (Zebra port 9100); health: ~HS",
        opener=f"{_PRINTERS}.tcp:open_device",
        prober=_PRINTER_PROBE,
    ),
    Scheme(
        "printer",
        "serial",
        required("<device>", "the port"),
        SERIAL_LINE,
        "a serial port or any pyserial URL (serial://loop://, serial://socket://host:port); "
        "health: ~HS",
        opener=f"{_PRINTERS}.serialport:open_device",
        prober=_PRINTER_PROBE,
        needs="pip install pyserial",
    ),
    Scheme(
        "printer",
        "cups",
        QUEUE,
        (),
        "raw CUPS queue via the zebra package (lpr -o raw; pip install 'lotedge[cups]'); "
        "no health: assumed ready",
        opener=f"{_PRINTERS}.cups:open_device",
        prober=_PRINTER_PROBE,
    ),
    Scheme(
        "printer",
        "dir",
        absolute_path("/<directory>", "spool directory"),
        (),
        "one .zpl file per job, named after its lot and job (`26339L10001-job12.zpl`; "
        "characters a file name cannot hold become `_`), written and renamed atomically; the "
        "print record keeps the name (`output`); no health",
        opener=f"{_PRINTERS}.spool:open_device",
        prober=_PRINTER_PROBE,
    ),
    Scheme(
        "printer",
        "escpos+tcp",
        host_port(9100),
        (),
        "ESC/POS over TCP (python-escpos); health: DLE EOT online and paper",
        opener=f"{_PRINTERS}.escpos_printer:open_network",
        prober=_PRINTER_PROBE,
        needs=_ESCPOS,
    ),
    Scheme(
        "printer",
        "escpos+serial",
        absolute_path("/dev/<device>", "serial device"),
        SERIAL_LINE,
        "ESC/POS over a serial port; health: DLE EOT",
        opener=f"{_PRINTERS}.escpos_printer:open_serial",
        prober=_PRINTER_PROBE,
        needs=_ESCPOS,
    ),
    Scheme(
        "printer",
        "escpos+usb",
        USB_IDS,
        (),
        "ESC/POS over USB by hex vendor:product ids (needs pyusb); health: DLE EOT",
        opener=f"{_PRINTERS}.escpos_printer:open_usb",
        prober=_PRINTER_PROBE,
        needs="pip install 'python-escpos[usb]'",
    ),
    Scheme(
        "scale",
        "serial",
        required("<device>", "the port"),
        SERIAL_LINE + SCALE_OPTIONS,
        "a scale on a serial port (use /dev/serial/by-id/...) or any pyserial URL "
        "(serial://socket://host:port, serial://loop://)",
        opener=f"{_SCALES}:open_scale",
        prober=f"{_SCALES}:probe_scale",
        needs="pip install pyserial",
        check=f"{_SCALES}:check_scale",
    ),
    Scheme(
        "scale",
        "tcp",
        HOST_PORT,
        SCALE_OPTIONS,
        "a scale with a TCP server (MT-SICS over Ethernet, or a serial-to-Ethernet converter)",
        opener=f"{_SCALES}:open_scale",
        prober=f"{_SCALES}:probe_scale",
        check=f"{_SCALES}:check_scale",
    ),
)
