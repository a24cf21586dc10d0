"""Device URLs in a config file: `lotedge config check` and `lotedge run` report an unknown scheme,
an unknown option or a bad value with its line, key path and a hint (never a traceback), and list
every problem in one run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lotedge.cli.main import main
from lotedge.config.loader import load_config
from tests.conftest import write_config
from tests.core.daemon_helpers import lotedge

SERIAL_FORM = (
    "serial://<device>?baud=N&parity=N|E|O|M|S&bytesize=5|6|7|8&stopbits=1|1.5|2"
    "&suffix=auto|CR|LF|CRLF|TAB|0xHH&gs=TEXT&alt029=1|0"
)
CAMERA_FORM = (
    "camera://<index>|/dev/videoN?formats=A,B&backend=zxing|zbar&dedupe=SECONDS&max_fps=FPS"
    "&try_invert=1|0"
)
SCANNER_SCHEMES = "serial, tcp, tcp-listen, hid, stdin, camera, file, http, https, rtsp"
CAMERA_SCHEMES = "camera, file, http, https, rtsp"
PRINTER_SCHEMES = "tcp, serial, cups, dir, escpos+tcp, escpos+serial, escpos+usb"

#: (section, url, message, hint) for an unknown scheme, an unknown option and a bad value of
#: each kind of device.
CASES = [
    ("scanners", "foo://bar", "unknown scanner scheme foo://", f"known: {SCANNER_SCHEMES}"),
    (
        "scanners",
        "serial:///dev/ttyACM0?bauds=9600",
        "unknown option 'bauds'",
        "did you mean 'baud'?",
    ),
    (
        "scanners",
        "serial:///dev/ttyACM0?baud=fast",
        "option baud='fast' is not a positive whole number",
        f"expected {SERIAL_FORM}",
    ),
    ("cameras", "webcam://0", "unknown camera scheme webcam://", f"known: {CAMERA_SCHEMES}"),
    ("cameras", "camera://0?dedup=3", "unknown option 'dedup'", "did you mean 'dedupe'?"),
    (
        "cameras",
        "camera://0?max_fps=fast",
        "option max_fps='fast' is not a number of 0 or more",
        f"expected {CAMERA_FORM}",
    ),
    ("printer", "zebra://10.0.0.5", "unknown printer scheme zebra://", f"known: {PRINTER_SCHEMES}"),
    ("printer", "tcp://10.0.0.5?copies=2", "unknown option 'copies'", "tcp:// takes no options"),
    (
        "printer",
        "serial:///dev/ttyUSB0?baud=9600&parity=X",
        "option parity='X' is not one of N, E, O, M, S",
        "expected serial://<device>?baud=N&parity=N|E|O|M|S&bytesize=5|6|7|8&stopbits=1|1.5|2",
    ),
    # the separator options (issue 17) and try_invert
    (
        "scanners",
        "tcp://reader:4001?gs=029",
        "option gs='029' is not 1 to 16 characters, not all digits (Alt+029: alt029=1),"
        " no CR or LF",
        "expected tcp://<host>:<port>?timeout=SECONDS&suffix=auto|CR|LF|CRLF|TAB|0xHH&gs=TEXT"
        "&alt029=1|0",
    ),
    (
        "scanners",
        "stdin://?alt029=maybe",
        "option alt029='maybe' is not 1 or 0",
        "expected stdin://?suffix=auto|CR|LF|CRLF|TAB|0xHH&gs=TEXT&alt029=1|0",
    ),
    (
        "cameras",
        "camera://0?try_invert=2",
        "option try_invert='2' is not 1 or 0",
        f"expected {CAMERA_FORM}",
    ),
]


def section(kind: str, url: str, name: str = "dev") -> str:
    if kind == "printer":
        return f'[printer]\nurl = "{url}"\n'
    return f'[[{kind}]]\nname = "{name}"\nurl = "{url}"\n'


def line_of(path: Path, text: str) -> int:
    return path.read_text().splitlines().index(text) + 1


@pytest.mark.parametrize(("kind", "url", "message", "hint"), CASES)
def test_config_check_names_line_key_and_hint(tmp_path, capsys, kind, url, message, hint):
    path = write_config(tmp_path, extra=section(kind, url))
    assert main(["config", "check", str(path)]) == 1
    key = "printer.url" if kind == "printer" else f"{kind}[0].url"
    line = line_of(path, f'url = "{url}"')
    assert capsys.readouterr().err == (
        f"{path}: line {line}: {key}: {message} (hint: {hint})\n1 problem found\n"
    )


#: Three bad scanners, three bad cameras and a bad printer, with their key paths.
EVERY = [
    *((f"scanners[{i}].url", *case) for i, case in enumerate(CASES[0:3])),
    *((f"cameras[{i}].url", *case) for i, case in enumerate(CASES[3:6])),
    ("printer.url", *CASES[7]),
]


def every_problem_config(tmp_path: Path) -> Path:
    """Every URL of `EVERY` and a type error elsewhere (dpi), in one file."""
    devices = "".join(section(kind, url, f"d{i}") for i, (_k, kind, url, *_) in enumerate(EVERY))
    return write_config(tmp_path, replace={"dpi = 203": "dpi = 250"}, extra=devices)


def test_config_check_lists_every_problem_in_one_run(tmp_path):
    path = every_problem_config(tmp_path)
    result = lotedge("config", "check", str(path))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[-1] == "8 problems found"
    dpi = next(i for i, x in enumerate(path.read_text().splitlines(), 1) if "dpi = 250" in x)
    assert lines[0].startswith(f"{path}: line {dpi}: labels.dpi: must be 203 or 300")
    url_lines = {url: line_of(path, f'url = "{url}"') for _key, _kind, url, *_ in EVERY}
    assert lines[1:-1] == [
        f"{path}: line {url_lines[url]}: {key}: {message} (hint: {hint})"
        for key, _kind, url, message, hint in EVERY
    ]


def test_run_exits_2_with_the_same_message_and_no_traceback(tmp_path):
    path = every_problem_config(tmp_path)
    result = lotedge("run", "-c", str(path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    line = line_of(path, 'url = "serial:///dev/ttyACM0?baud=fast"')
    assert (
        f"line {line}: scanners[2].url: option baud='fast' is not a positive whole number"
        in result.stderr
    )
    assert "run 'lotedge config check FILE' for details" in result.stderr


def test_a_camera_field_the_url_does_not_override_is_blamed_itself(tmp_path):
    path = write_config(
        tmp_path,
        extra='[[cameras]]\nname = "cam"\nurl = "camera://0"\nformats = ["DataMatrx", "Code128"]\n',
    )
    result = lotedge("config", "check", str(path))
    line = line_of(path, 'formats = ["DataMatrx", "Code128"]')
    assert (
        f"line {line}: cameras[0].formats: unknown barcode format in ['DataMatrx'" in result.stderr
    )
    zbar = tmp_path / "zbar"
    zbar.mkdir()
    path = write_config(zbar, extra='[[cameras]]\nname = "cam"\nurl = "camera://0?backend=zbar"\n')
    result = lotedge("config", "check", str(path))
    assert "cameras[0].formats: zbar cannot read DataMatrix; use backend 'zxing'" in result.stderr


def test_valid_urls_and_the_old_serial_spelling_pass(tmp_path, capsys):
    extra = (
        section("scanners", "serial://loop://?baud=115200&parity=E&suffix=CR", "a")
        + section("scanners", "hid:///dev/input/by-id/usb-X-event-kbd?layout=de&gs=~", "b")
        + section("scanners", "http://127.0.0.1:8000/video?formats=Code128&auth=x", "c")
        + section("cameras", "rtsp://cam.local/stream?max_fps=5", "d")
        + section("printer", "serial+loop://?baud=19200")
    )
    path = write_config(tmp_path, extra=extra)
    config = load_config(path)
    assert [s.name for s in config.scanners] == ["a", "b", "c"]
    assert main(["config", "check", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "ok (3 materials, 2 products, 3 scanners, 1 camera)" in out
    notes = [line for line in err.splitlines() if ": note: " in line]  # beside warnings
    assert notes == [
        f"{path}: note: printer.url: 'serial+loop://' is the old spelling of 'serial://loop://'"
    ]


def test_validating_urls_imports_no_device_library(tmp_path):
    """config check (and every CLI command loading a config) stays fast: adapters are named in
    the registry, not imported, to check a URL."""
    extra = (
        section("scanners", "hid:///dev/input/by-id/kbd", "a")
        + section("scanners", "serial:///dev/ttyACM0", "b")
        + section("cameras", "camera://0", "c")
        + section("printer", "cups://zebra_line")
    )
    path = write_config(tmp_path, extra=extra)
    code = (
        "import sys; from lotedge.config.loader import load_config; "
        f"load_config({str(path)!r}); "
        "print(sorted(m for m in ('cv2', 'evdev', 'escpos', 'zebra', 'serial', 'numpy', "
        "'lotedge.scanners', 'lotedge.printers') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_lines_stay_inside_the_device_table(tmp_path):
    """A blank line before the url, a url later in another table, a key the table lacks: each
    problem points at its own table's line, never a blank line or another table's key."""
    extra = (
        '[[scanners]]\nname = "a"\n\n# the hopper\n\nurl = "serial:///dev/x?baud=fast"\n\n'
        '[[cameras]]\nname = "c"\nurl = "camera://0?backend=zbar"\n\n'
        '[[cameras]]\nname = "d"\nurl = "camera://1"\nformats = ["Code128"]\n'
    )
    path = write_config(tmp_path, extra=extra)
    result = lotedge("config", "check", str(path))
    lines = path.read_text().splitlines()
    scanner = line_of(path, 'url = "serial:///dev/x?baud=fast"')
    camera = next(i for i, x in enumerate(lines, 1) if x == "[[cameras]]")
    assert f"line {scanner}: scanners[0].url: option baud='fast'" in result.stderr
    # zbar with the default formats: the field is blamed, at its table (it has no such line)
    assert f"line {camera}: cameras[0].formats: zbar cannot read DataMatrix" in result.stderr


def test_a_device_in_an_inline_array_points_at_the_array(tmp_path):
    path = write_config(tmp_path, extra='[printer]\nurl = "tcp://127.0.0.1:9100"\n')
    path.write_text('scanners = [{ name = "a", url = "foo://x" }]\n' + path.read_text())
    result = lotedge("config", "check", str(path))
    assert "line 1: scanners[0].url: unknown scanner scheme foo://" in result.stderr


def test_run_with_a_device_library_missing_exits_2_saying_what_to_install(tmp_path):
    """A valid URL whose adapter cannot be imported (evdev absent) stops `lotedge run` with the
    install hint, not a traceback."""
    path = write_config(tmp_path, extra=section("scanners", "hid:///dev/input/by-id/kbd"))
    code = (
        "import sys; sys.modules['evdev'] = None; from lotedge.cli.main import main; "
        f"sys.exit(main(['run', '-c', {str(path)!r}]))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert (
        "error: hid:// needs evdev, which is not installed; pip install evdev (Linux only) "
        "(in 'hid:///dev/input/by-id/kbd')" in result.stderr
    )
