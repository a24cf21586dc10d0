"""A simulated scale: MT-SICS level 0/1 or continuous output, on a pseudo-terminal or TCP.

`ScaleModel` is the scale: the load on it, how long it takes to settle, the tare, over- and
underload, and a "stuck" fault that answers with the previous stable weight (a real bug report:
a scale returned the previous weighing's weight). `ScaleServer` speaks for it on a transport:
``sics`` answers ``S``, ``SI``, ``T``, ``Z``, ``@``, ``I2`` (anything else: ``ES``);
``continuous`` writes an A&D-style line (``ST,NT,+0025.000kg``) every `interval` seconds.
`disconnect()` drops the line mid-weigh. A scale script (`parse_script`, `play`) drives it::

    load 25.000 settle=0.8     put 25 kg on, settling for 0.8 s
    wait 2                     wait 2 s
    overload                   over capacity (S +) until the next load
    underload                  under zero (S -) until the next load
    stuck 2                    the next 2 stable weights repeat the previous one
    disconnect                 drop the line (the agent reconnects)
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import threading
import time
import tty
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

_ZERO = Decimal("0.000")


class ScaleModel:
    """The scale's state; thread-safe. Weights in kg with three decimals."""

    def __init__(
        self,
        *,
        serial: str = "B123456789",
        model: str = "LOTEDGE-SIM 60 kg",
        s_timeout: float = 3.0,
    ) -> None:
        self.serial = serial
        self.model = model
        self.s_timeout = s_timeout
        """How long ``S`` waits for the weight to settle before answering ``S I``."""
        self._changed = threading.Condition()
        self._gross = _ZERO
        self._tare = _ZERO
        self._stable_at = 0.0
        self._limit = ""  # "+" overload, "-" underload
        self._stuck = 0
        self._last_stable: Decimal | None = None
        self.marks_gross = False
        """Continuous output marks weights gross (GS) unless a tare was taken; off: always net
        (NT), as a scale tared at its own keys."""
        self.commands: list[str] = []
        """Every command received, in order (for tests)."""

    # -- what happens on the platform --------------------------------------------------------
    def place(self, kg: Decimal | str | float, settle: float = 0.0) -> None:
        """A new gross load, stable after `settle` seconds."""
        with self._changed:
            self._gross = Decimal(str(kg)).quantize(_ZERO)
            self._stable_at = time.monotonic() + settle
            self._limit = ""
            self._changed.notify_all()

    def overload(self) -> None:
        with self._changed:
            self._limit = "+"
            self._changed.notify_all()

    def underload(self) -> None:
        with self._changed:
            self._limit = "-"
            self._changed.notify_all()

    def stick(self, times: int) -> None:
        """The next `times` stable weights repeat the previous stable weight sent."""
        with self._changed:
            self._stuck = times

    # -- what the scale shows ----------------------------------------------------------------
    def _net(self) -> Decimal:
        return self._gross - self._tare

    def _settled(self) -> bool:
        return time.monotonic() >= self._stable_at

    def _stable_weight(self) -> Decimal:
        if self._stuck > 0 and self._last_stable is not None:
            self._stuck -= 1
            return self._last_stable
        self._last_stable = self._net()
        return self._last_stable

    def _dynamic_weight(self) -> Decimal:
        """On the way to the load: short of it while settling."""
        left = max(0.0, self._stable_at - time.monotonic())
        return (self._net() * Decimal(str(1 - min(0.5, left)))).quantize(_ZERO)

    def answer(self, command: str) -> str:
        """The MT-SICS reply to one command line."""
        self.commands.append(command)
        verb = command.strip().split(" ")[0].upper() if command.strip() else ""
        handler = {
            "S": self._s,
            "SI": self._si,
            "T": self._t,
            "Z": self._z,
            "@": lambda: f'I4 A "{self.serial}"',
            "I2": lambda: f'I2 A "{self.model}"',
            "I4": lambda: f'I4 A "{self.serial}"',
        }.get(verb)
        return handler() if handler else "ES"

    def _s(self) -> str:
        with self._changed:
            self._changed.wait_for(
                lambda: self._limit or self._settled(),
                timeout=max(0.0, min(self.s_timeout, self._stable_at - time.monotonic())),
            )
            if self._limit:
                return f"S {self._limit}"
            if not self._settled():
                return "S I"
            return f"S S {self._stable_weight():>10} kg"

    def _si(self) -> str:
        with self._changed:
            if self._limit:
                return f"S {self._limit}"
            if self._settled():
                return f"S S {self._stable_weight():>10} kg"
            return f"S D {self._dynamic_weight():>10} kg"

    def _t(self) -> str:
        with self._changed:
            if self._limit:
                return f"T {self._limit}"
            if not self._settled():
                return "T I"
            self._tare = self._gross
            return f"T S {self._tare:>10} kg"

    def _z(self) -> str:
        with self._changed:
            if not self._settled():
                return "Z I"
            self._gross, self._tare = _ZERO, _ZERO
            return "Z A"

    def stream_line(self) -> str:
        """One line of continuous output (A&D style: status, gross/net, signed weight, unit)."""
        with self._changed:
            kind = "GS" if self.marks_gross and not self._tare else "NT"
            if self._limit:
                return f"OL,{kind},+9999.999kg" if self._limit == "+" else f"OL,{kind},-9999.999kg"
            if self._settled():
                weight, status = self._stable_weight(), "ST"
            else:
                weight, status = self._dynamic_weight(), "US"
            sign = "-" if weight < 0 else "+"
            return f"{status},{kind},{sign}{abs(weight):08.3f}kg"


class _Pty:
    """The scale's end of a pseudo-terminal; `path` is what the agent opens."""

    def __init__(self, link: Path | None) -> None:
        self.link = link
        self.closed = False
        self.master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.path = os.ttyname(self._slave)
        if link is not None:
            tmp = link.with_name(link.name + ".tmp")
            tmp.unlink(missing_ok=True)
            tmp.symlink_to(self.path)
            tmp.replace(link)

    def read(self) -> bytes | None:
        """What the agent wrote; None when nothing came for a moment (so a disconnect from
        another thread is noticed), b'' never: a closed pty raises OSError."""
        if self.closed:
            raise OSError("unplugged")
        ready, _, _ = select.select([self.master], [], [], 0.2)
        return os.read(self.master, 256) if ready else None

    def write(self, data: bytes) -> None:
        if self.closed:  # its descriptor number may already belong to the next pty
            raise OSError("unplugged")
        os.write(self.master, data)

    def close(self) -> None:
        self.closed = True
        for fd in (self.master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)


class _TcpClient:
    def __init__(self, conn: socket.socket) -> None:
        self.conn = conn

    def read(self) -> bytes | None:
        return self.conn.recv(256)

    def write(self, data: bytes) -> None:
        self.conn.sendall(data)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.shutdown(socket.SHUT_RDWR)
        self.conn.close()


class ScaleServer:
    """Serves `model` on a pty (`port` None) or on TCP 127.0.0.1:`port` (0: any free port).

    `device` is what the agent's URL names: the pty path (or `link`), or ``host:port``."""

    def __init__(
        self,
        model: ScaleModel,
        *,
        protocol: str = "sics",
        port: int | None = None,
        link: Path | None = None,
        interval: float = 0.1,
    ) -> None:
        self.model = model
        self.protocol = protocol
        self.interval = interval
        self._stop = threading.Event()
        self._end: _Pty | _TcpClient | None = None
        self._server: socket.socket | None = None
        self._link = link
        if port is None:
            self._end = _Pty(link)
            self.device = str(link) if link else self._end.path
            self._open_pty = True
        else:
            self._server = socket.create_server(("127.0.0.1", port))
            self.address = self._server.getsockname()[:2]
            self.device = f"{self.address[0]}:{self.address[1]}"
            self._open_pty = False
        self.connections = 0
        self._thread = threading.Thread(target=self._serve, name="scale-sim", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            end = self._end if self._open_pty else self._accept()
            if end is None:  # a pty between unplug and replug
                self._stop.wait(0.01)
                continue
            self.connections += 1
            with contextlib.suppress(OSError):
                if self.protocol == "continuous":
                    self._stream(end)
                else:
                    self._answer(end)
            if self._open_pty and not self._stop.is_set():
                self._stop.wait(0.05)  # disconnected: the pty reappears in _reopen

    def _accept(self) -> _TcpClient | None:
        assert self._server is not None
        self._server.settimeout(0.2)
        try:
            conn, _ = self._server.accept()
        except (TimeoutError, OSError):
            return None
        self._end = _TcpClient(conn)
        return self._end

    def _answer(self, end: _Pty | _TcpClient) -> None:
        buffer = b""
        while not self._stop.is_set():
            chunk = end.read()
            if chunk is None:
                if end is not self._end:
                    return  # disconnected from another thread
                continue
            if not chunk:
                return
            buffer += chunk
            while b"\n" in buffer or b"\r" in buffer:
                cut = min(i for i in (buffer.find(b"\r"), buffer.find(b"\n")) if i >= 0)
                line, buffer = buffer[:cut], buffer[cut + 1 :]
                if line.strip():
                    reply = self.model.answer(line.decode("ascii", "replace"))
                    end.write(reply.encode() + b"\r\n")

    def _stream(self, end: _Pty | _TcpClient) -> None:
        while not self._stop.wait(self.interval):
            end.write(self.model.stream_line().encode() + b"\r\n")

    def disconnect(self) -> None:
        """Drop the line: close the TCP connection, or close the pty and open a new one behind
        the same link (a USB unplug and replug)."""
        # The new pty first: its link replaces the old one atomically, never dangling.
        replug = _Pty(self._link) if self._open_pty else None
        end, self._end = self._end, replug
        if end is not None:
            end.close()
        if replug is not None and self._link is None:
            self.device = replug.path

    def close(self) -> None:
        self._stop.set()
        if self._end is not None:
            self._end.close()
        if self._server is not None:
            self._server.close()
        self._thread.join(2)
        if self._link is not None:
            self._link.unlink(missing_ok=True)


@dataclass(frozen=True)
class Step:
    """One line of a scale script."""

    verb: str
    value: str = ""
    settle: float = 0.0


_VERBS = ("load", "wait", "overload", "underload", "stuck", "disconnect")


class ScriptError(ValueError):
    """A line of a scale script that cannot be understood."""


def parse_script(text: str) -> list[Step]:
    """The steps of a scale script (``#`` starts a comment).

    >>> parse_script("load 25.000 settle=0.8  # a sack\\nstuck 2\\n")
    [Step(verb='load', value='25.000', settle=0.8), Step(verb='stuck', value='2', settle=0.0)]
    """
    steps = []
    for number, line in enumerate(text.splitlines(), 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        verb, args = words[0].lower(), words[1:]
        if verb not in _VERBS:
            raise ScriptError(f"line {number}: unknown step {verb!r}; known: {', '.join(_VERBS)}")
        settle = 0.0
        for arg in [a for a in args if a.startswith("settle=")]:
            settle = float(arg.removeprefix("settle="))
            args.remove(arg)
        needs_value = verb in ("load", "wait", "stuck")
        if needs_value != bool(args):
            raise ScriptError(f"line {number}: {verb} takes {'a value' if needs_value else '-'}")
        try:
            if args:
                float(args[0])
        except ValueError:
            raise ScriptError(f"line {number}: {args[0]!r} is not a number") from None
        steps.append(Step(verb, args[0] if args else "", settle))
    return steps


def play(
    steps: list[Step], server: ScaleServer, sleep: Callable[[float], None] = time.sleep
) -> None:
    """Carry out a script's steps on a served scale."""
    model = server.model
    for step in steps:
        if step.verb == "load":
            model.place(step.value, step.settle)
        elif step.verb == "wait":
            sleep(float(step.value))
        elif step.verb == "overload":
            model.overload()
        elif step.verb == "underload":
            model.underload()
        elif step.verb == "stuck":
            model.stick(int(float(step.value)))
        elif step.verb == "disconnect":
            server.disconnect()
