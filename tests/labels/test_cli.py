from __future__ import annotations

import json
import subprocess
import sys

import pytest

from lotedge.cli.main import main
from lotedge.config.loader import load_config
from lotedge.config.problems import ConfigError
from lotedge.printers.transport import open_printer
from tests.labels.label_checks import TEMPLATES, gs1_read

CONFIG = f"""
[identity]
site = "PLANT1"
line = "L1"
device_id = "edge1"

[[materials]]
code = "FLOUR"
name = "Flour"

[[products]]
code = "BREAD"
name = "Sourdough loaf"
gtin = "09501101530003"
unit = "KGM"
shelf_life_days = 30
bom = ["FLOUR"]

[labels]
dir = "{TEMPLATES}"
"""


def test_label_render_writes_a_png_that_scans(tmp_path, capsys):
    config = tmp_path / "lotedge.toml"
    config.write_text(CONFIG)
    png = tmp_path / "label.png"
    argv = ["label", "render", "-c", str(config), "--product", "BREAD", "--lot", "26032L10007"]
    argv += ["--qty", "12.5", "--date", "2026-02-01", "-o", str(png)]
    assert main(argv) == 0
    assert capsys.readouterr().out == f"wrote {png} (lot 26032L10007, product BREAD)\n"
    assert gs1_read(png.read_bytes())["]d2"] == [
        ("01", "09501101530003"),
        ("11", "260201"),
        ("17", "260303"),
        ("3101", "000125"),
        ("10", "26032L10007"),
    ]


def test_label_render_names_an_unknown_product(tmp_path, capsys):
    config = tmp_path / "lotedge.toml"
    config.write_text(CONFIG)
    argv = ["label", "render", "-c", str(config), "--product", "BRAED", "--lot", "X"]
    assert main([*argv, "-o", str(tmp_path / "x.zpl")]) == 2
    assert capsys.readouterr().err == (
        "error: unknown product 'BRAED' (did you mean 'BREAD'? known: BREAD)\n"
    )


def test_sim_printer_process_switches_faults_from_stdin(tmp_path):
    command = [sys.executable, "-m", "lotedge.cli.main", "sim", "printer", "--port", "0"]
    proc = subprocess.Popen(
        [*command, "--out", str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdin is not None
        first = proc.stdout.readline()
        assert first.startswith("printer simulator on tcp://127.0.0.1:")
        port = int(first.rsplit(":", 1)[1])
        assert proc.stdout.readline().startswith("commands:")
        proc.stdin.write("paper_out 1\n")
        proc.stdin.flush()
        assert json.loads(proc.stdout.readline())["faults"] == ["paper_out"]
        with open_printer(f"tcp://127.0.0.1:{port}") as printer:
            assert printer.health(5).faults == ("paper_out",)
        proc.stdin.write("quit\n")
        proc.stdin.flush()
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()


def test_config_check_matches_templates_to_the_printer_kind(tmp_path):
    config_file = tmp_path / "lotedge.toml"
    config_file.write_text(CONFIG + '\n[printer]\nurl = "escpos+tcp://192.0.2.9"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(config_file)
    (problem,) = caught.value.problems
    # The template is the default, not written: the product's own table is blamed.
    assert str(problem) == (
        "line 11: products[0].label_template: product BREAD uses 'lot_label.zpl.j2', but printer "
        "line (escpos+tcp://192.0.2.9) needs a '*.escpos' layout (hint: use lot_label.escpos for "
        "ESC/POS printers, lot_label.zpl.j2 for Zebra printers)"
    )
    config_file.write_text(CONFIG + '\n[printer]\nurl = "tcp://192.0.2.9"\n')
    assert load_config(config_file).printer is not None
