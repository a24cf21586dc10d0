"""The simulator command line drives the real adapters."""

import argparse
import socket

import pytest

from lotedge.cli.main import main
from lotedge.cli.sim import register, script_path
from lotedge.scanners.base import open_source

from .conftest import running


def test_sim_scanner_tcp_client_plays_a_script_into_tcp_listen(tmp_path, collector, capsys):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    script = tmp_path / "two.scan"
    script.write_text("# two scans\n#LE:START:BREAD-800\n@aim ]C0\nYST-L1-20270131\n")
    source = open_source("fixed", f"tcp-listen://127.0.0.1:{port}")
    with running(source, collector):
        argv = ["scanner", "tcp-client", f"127.0.0.1:{port}", "--script", str(script)]
        assert main(["sim", *argv, "--wait", "0", "--hold", "0"]) == 0
        assert collector.wait_for(2) == [b"#LE:START:BREAD-800", b"]C0YST-L1-20270131"]
    assert "sent b'#LE:START:BREAD-800\\r'" in capsys.readouterr().out


def test_sim_camera_writes_a_video_of_the_example_codes(tmp_path, capsys):
    video = tmp_path / "line.avi"
    assert main(["sim", "camera", "--video", str(video), "--size", "320x240", "--fps", "5"]) == 0
    assert video.stat().st_size > 0
    assert "wrote" in capsys.readouterr().out


def test_shipped_scripts_are_found_by_name():
    assert script_path("bakery_line").name == "bakery_line.scan"
    with pytest.raises(argparse.ArgumentTypeError, match="shipped: bakery_line"):
        script_path("nope")


def test_register_adds_scanner_and_camera_only():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers()
    register(commands)
    assert set(commands.choices) == {"scanner", "camera"}
