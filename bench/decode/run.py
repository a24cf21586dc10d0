"""Decode benchmark: fps and recognition rate of zxing-cpp, zbar and OpenCV on the same frames.

Frames are rendered by the camera simulator at 720p and 1080p: each code is presented fully visible
with realistic random degradation, for 3 consecutive frames (as a camera sees a label held up;
noise and glare differ per frame). Each library decodes every frame on one pinned core, through
the same backend classes the agent uses, restricted to the formats it supports. Reported: frames
per CPU-second of the decoding thread (what one core sustains, independent of other load on the
machine) and per wall-clock second, the share of frames read, and codes missed (presentations
with no frame read). Then the cost of zxing-cpp's `try_invert` (the camera option): the same
frames decoded with it on, and the same codes printed light on dark, read with it off and on.

    .venv/bin/python -m bench.decode.run [--codes 15] [--seed 1] [--quick]
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from lotedge.camera.detection import BackendUnavailable, make_decoder
from lotedge.simulators.camera import Code, Degradation, render_frame

CODES = {
    "EAN13": Code("9501101530010", "EAN13"),
    "Code128": Code("YST-L4711-20490131", "Code128"),
    "DataMatrix": Code("(01)09501101530003(10)FL2611A(17)490131(3103)025000", "DataMatrix", True),
    "QRCode": Code("(01)09501101530010(10)SU-44871(15)270630", "QRCode", True),
}
SUPPORTED = {
    "zxing": list(CODES),
    "zbar": ["EAN13", "Code128", "QRCode"],
    "opencv": ["EAN13"],
}
#: Tilt limits: a row-scanning 1D decoder needs one scan line crossing every bar, so a linear
#: code may turn at most about atan(height/width); matrix codes can turn freely.
MAX_ROTATION = {"EAN13": 8.0, "Code128": 8.0, "DataMatrix": 45.0, "QRCode": 45.0}
FRAMES_PER_CODE = 3
RESOLUTIONS = {"720p": ((1280, 720), 3), "1080p": ((1920, 1080), 4)}  # size, module px


@dataclass
class Result:
    """One library at one resolution."""

    seconds: float = 0.0
    """CPU time of the decoding thread."""
    wall: float = 0.0
    frames: int = 0
    read: int = 0
    """Frames of supported formats read correctly."""
    supported: int = 0
    """Frames of supported formats."""
    missed: dict[str, int] = field(default_factory=dict)
    """Per supported format: presentations in which no frame was read."""
    wrong: int = 0
    """Codes reported that were not in the frame."""


def frames_for(
    size: tuple[int, int], module_px: int, count: int, seed: int, inverted: bool = False
):
    """(format, presentation, gray frame): `count` presentations per format, fully visible;
    `inverted`: the codes light on dark."""
    rng = np.random.default_rng(seed)
    out = []
    for name, plain in CODES.items():
        code = replace(plain, inverted=inverted)
        for presentation in range(count):
            degradation = Degradation(
                module_px=module_px,
                rotation=float(rng.uniform(-MAX_ROTATION[name], MAX_ROTATION[name])),
                perspective=float(rng.uniform(0, 0.06)),
                blur=float(rng.uniform(0, 1.0)),
                noise=float(rng.uniform(0, 5)),
                glare=float(rng.uniform(0, 0.3)),
            )
            center = (rng.uniform(0.3, 0.7) * size[0], rng.uniform(0.3, 0.7) * size[1])
            for _ in range(FRAMES_PER_CODE):
                frame = render_frame(code, size, degradation, rng, center)
                out.append((name, presentation, cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)))
    return out


def run_library(backend: str, frames, try_invert: bool = False) -> Result | None:
    try:
        decoder = make_decoder(backend, SUPPORTED[backend], try_invert)
    except BackendUnavailable as exc:
        print(f"  {backend}: skipped ({exc})")
        return None
    result = Result()
    seen: set[tuple[str, int]] = set()
    for name, presentation, gray in frames:
        started, cpu = time.perf_counter(), time.thread_time()
        found = decoder.decode(gray)
        result.seconds += time.thread_time() - cpu
        result.wall += time.perf_counter() - started
        result.frames += 1
        datas = {d.data for d in found}
        result.wrong += len(datas - {CODES[name].data})
        if name in SUPPORTED[backend]:
            result.supported += 1
            if CODES[name].data in datas:
                result.read += 1
                seen.add((name, presentation))
    presentations = {(name, p) for name, p, _ in frames}
    for name in SUPPORTED[backend]:
        result.missed[name] = sum(1 for n, p in presentations if n == name and (n, p) not in seen)
    return result


def report(label: str, size: tuple[int, int], codes: int, results: dict[str, Result]) -> None:
    print(f"\n{label} ({size[0]}x{size[1]}): {codes} codes per format x {FRAMES_PER_CODE} frames")
    header = (
        f"{'library':8} {'fps':>6} {'ms/frame':>8} {'wall fps':>8} {'frames read':>11} {'wrong':>5}"
    )
    header += "".join(f" {name:>10}" for name in CODES) + f" {'fps/zxing':>9}"
    print(header + "   (per format: codes missed)")
    base = results.get("zxing")
    for backend, r in results.items():
        fps = r.frames / r.seconds
        cells = "".join(f" {r.missed.get(n, 'n/a'):>10}" for n in CODES)
        ratio = fps / (base.frames / base.seconds) if base else float("nan")
        read = f"{r.read / r.supported:.1%}"
        wall = r.frames / r.wall
        print(
            f"{backend:8} {fps:6.1f} {1000 / fps:8.1f} {wall:8.1f} {read:>11} {r.wrong:5}{cells}"
            f" {ratio:9.2f}"
        )


def invert_cost(size: tuple[int, int], module_px: int, codes: int, seed: int, frames) -> None:
    """zxing-cpp with try_invert off and on: fps on the usual frames, and inverted codes read."""
    inverted = frames_for(size, module_px, codes, seed, inverted=True)
    runs = {
        flag: (run_library("zxing", frames, flag), run_library("zxing", inverted, flag))
        for flag in (False, True)
    }
    header = f"  try_invert ({size[0]}x{size[1]}):   fps  frames read  light-on-dark read"
    print(header + "".join(f" {name:>10}" for name in CODES) + "   (light on dark: missed)")
    for flag, (usual, dark) in runs.items():
        assert usual is not None and dark is not None
        fps = usual.frames / usual.seconds
        cells = "".join(f" {dark.missed[n]:>10}" for n in CODES)
        print(
            f"  {'on' if flag else 'off':>3} {fps:20.1f} {usual.read / usual.supported:>12.1%}"
            f" {dark.read / dark.supported:>19.1%}{cells}"
        )
    off, on = (runs[flag][0] for flag in (False, True))
    assert off is not None and on is not None
    ratio = (on.frames / on.seconds) / (off.frames / off.seconds)
    print(f"  fps with try_invert / without: {ratio:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--codes", type=int, default=15, help="presentations per format")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="3 codes per format")
    args = parser.parse_args()
    if args.quick:
        args.codes = 3
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    cv2.setNumThreads(1)
    for label, (size, module_px) in RESOLUTIONS.items():
        frames = frames_for(size, module_px, args.codes, args.seed)
        results = {b: r for b in SUPPORTED if (r := run_library(b, frames)) is not None}
        report(label, size, args.codes, results)
        invert_cost(size, module_px, args.codes, args.seed, frames)
    print("\nfps and ms/frame: CPU time of the decoding thread; wall fps: elapsed time.")
    print("'frames read' counts frames of the formats a library supports; n/a: not supported.")


if __name__ == "__main__":
    main()
