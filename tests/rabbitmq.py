"""A RabbitMQ cluster of the test's own on loopback: N nodes, each with its AMQP and MQTT
listeners on free ports, its own data directory and Erlang cookie, clustered at boot
(classic peer discovery), the MQTT plugin on; ready once every node is in the cluster and in
the MQTT plugin's client-ID tracking. Skipped where rabbitmq-server is not installed
(Debian: `apt-get install rabbitmq-server`; .ci/run installs it).

Each node is `rabbitmq-server` in the foreground (not -detached), so a test can stop one hard
(SIGKILL, as when its machine dies) and start it again.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from lotedge.apps.broker import free_port

#: The server script itself: Debian's /usr/sbin wrapper switches to the rabbitmq user.
SERVER = next(
    (p for p in ("/usr/lib/rabbitmq/bin/rabbitmq-server",) if os.access(p, os.X_OK)),
    shutil.which("rabbitmq-server"),
)
CTL = next(
    (p for p in ("/usr/lib/rabbitmq/bin/rabbitmqctl",) if os.access(p, os.X_OK)),
    shutil.which("rabbitmqctl"),
)


class NodeExited(RuntimeError):
    """A node's server process ended while it was booting."""


@dataclass
class Node:
    """One node: its name, ports and process."""

    name: str
    dir: Path
    amqp_port: int = field(default_factory=free_port)
    mqtt_port: int = field(default_factory=free_port)
    dist_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None


class RabbitCluster:
    """`size` nodes; `start()` boots them and waits until every one serves AMQP and MQTT."""

    def __init__(self, workdir: Path, size: int = 3) -> None:
        assert SERVER is not None and CTL is not None, "rabbitmq-server not installed"
        self.workdir = workdir
        tag = uuid.uuid4().hex[:8]
        self.nodes = [
            Node(f"lotedge-{tag}-{i}@localhost", workdir / f"node{i}") for i in range(size)
        ]
        self.home = workdir / "home"  # HOME of every node: its .erlang.cookie is the cluster's
        self.home.mkdir(parents=True, exist_ok=True)
        cookie = self.home / ".erlang.cookie"
        cookie.write_text(secrets.token_hex(16))
        cookie.chmod(0o400)
        for node in self.nodes:
            self._configure(node)

    def _configure(self, node: Node) -> None:
        node.dir.mkdir(parents=True, exist_ok=True)
        peers = "".join(
            f"cluster_formation.classic_config.nodes.{i} = {n.name}\n"
            for i, n in enumerate(self.nodes, 1)
        )
        (node.dir / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{node.amqp_port}\n"
            f"mqtt.listeners.tcp.default = 127.0.0.1:{node.mqtt_port}\n"
            "loopback_users = none\n"
            "mqtt.allow_anonymous = true\n"
            "mqtt.durable_queue_type = quorum\n"
            "cluster_formation.peer_discovery_backend = classic_config\n" + peers
        )
        (node.dir / "enabled_plugins").write_text("[rabbitmq_mqtt].\n")

    def env(self, node: Node) -> dict[str, str]:
        return {
            **os.environ,
            "HOME": str(self.home),
            "RABBITMQ_NODENAME": node.name,
            "RABBITMQ_NODE_PORT": str(node.amqp_port),
            "RABBITMQ_DIST_PORT": str(node.dist_port),
            "RABBITMQ_MNESIA_BASE": str(node.dir / "mnesia"),
            "RABBITMQ_LOG_BASE": str(node.dir / "log"),
            "RABBITMQ_CONFIG_FILE": str(node.dir / "rabbitmq"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(node.dir / "enabled_plugins"),
            "RABBITMQ_PLUGINS_EXPAND_DIR": str(node.dir / "plugins-expand"),
            "RABBITMQ_PID_FILE": str(node.dir / "pid"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(node.dir / "advanced.config"),
        }

    def start(self, timeout: float = 120) -> None:
        for node in self.nodes:
            self.start_node(node, wait=False)
        for node in self.nodes:
            try:
                self._wait(node, timeout)
            except NodeExited:
                # Seen once on a loaded machine: a node gave up booting. Once more, on new ports
                # (one may have been taken between choosing and binding it).
                node.amqp_port, node.mqtt_port, node.dist_port = (
                    free_port(),
                    free_port(),
                    free_port(),
                )
                self._configure(node)
                self.start_node(node, timeout=timeout)

    def start_node(self, node: Node, *, wait: bool = True, timeout: float = 120) -> None:
        log = (node.dir / "server.out").open("ab")
        node.process = subprocess.Popen(
            [SERVER],
            env=self.env(node),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if wait:
            self._wait(node, timeout)

    def _wait(self, node: Node, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert node.process is not None
            if node.process.poll() is not None:
                output = (node.dir / "server.out").read_text(errors="replace")[-2000:]
                raise NodeExited(f"{node.name} exited; the end of its output:\n{output}")
            if _listening(node.amqp_port) and _listening(node.mqtt_port):
                return
            time.sleep(0.2)
        raise RuntimeError(f"{node.name} did not start within {timeout} s")

    def formed(self, timeout: float = 30) -> bool:
        """Every node runs in the one cluster and in the MQTT plugin's client-ID tracking (a Ra
        cluster of its own). A node that boots late can be refused that one
        (`cluster_change_not_permitted`, seen on a loaded machine): the tracking then has two
        members, and with either of them dead every MQTT client is refused on every node."""
        want = f"{{{len(self.nodes)},{len(self.nodes)}}}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if all(self.ctl(node, "eval", _MEMBERS).strip() == want for node in self.nodes):
                    return True
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
                pass  # still electing
            time.sleep(1)
        return False

    def ctl(self, node: Node, *args: str) -> str:
        result = subprocess.run(
            [CTL, "-n", node.name, *args],
            env=self.env(node),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return result.stdout

    def kill(self, node: Node) -> None:
        """Stop a node hard: SIGKILL to its whole process group (beam and its helpers)."""
        if node.process is not None and node.process.poll() is None:
            os.killpg(node.process.pid, signal.SIGKILL)
            node.process.wait(30)
        node.process = None

    def stop(self) -> None:
        for node in self.nodes:
            if node.process is not None and node.process.poll() is None:
                os.killpg(node.process.pid, signal.SIGTERM)
        for node in self.nodes:
            if node.process is not None:
                try:
                    node.process.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(node.process.pid, signal.SIGKILL)
                    node.process.wait(10)
            node.process = None


#: (running nodes, members of the MQTT client-ID tracking) as one node sees them.
_MEMBERS = (
    "{ok, Members, _} = ra:members({mqtt_node, node()}),"
    " {length(rabbit_nodes:all_running()), length(Members)}."
)


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


@contextmanager
def rabbit_cluster(workdir: Path, size: int = 3) -> Iterator[RabbitCluster]:
    """A cluster for one test (or module); skips when rabbitmq-server is missing."""
    if SERVER is None or CTL is None:
        import pytest

        pytest.skip("rabbitmq-server not installed (apt-get install rabbitmq-server)")
    for attempt in range(1, 4):
        cluster = RabbitCluster(workdir / f"try{attempt}", size)
        try:
            cluster.start()
            if cluster.formed():
                break
        except BaseException:
            cluster.stop()
            raise
        cluster.stop()  # not formed: a fresh cluster on new ports and directories
    else:
        raise RuntimeError(f"the {size} nodes did not form one cluster in 3 tries ({workdir})")
    try:
        yield cluster
    finally:
        cluster.stop()
