"""Properties of scan decisions over generated input (Hypothesis): any bytes give a decision
with a clear message; an accepted lot never holds a control character, a separator token or a
glued field with valid content; the reason never depends on whether an AIM identifier (in band
or from a camera, with its GS1 flag) came with the same data."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lotedge.config.model import Config
from lotedge.core.decisions import Decision, Outcome, ScanContext, decide_material
from lotedge.core.reasons import Reason
from lotedge.core.scan import RawScan, parse_scan
from lotedge.core.separators import KNOWN_TOKENS, glued_field

GS = "\x1d"
FLOUR = "0109501101530003"
AIMS = ["]C1", "]C0", "]d2", "]d1", "]d8", "]Q3", "]Q1", "]e0", "]E0", "]I1", "]z1", "]A0"]
#: Pieces of lots as scanners mangle them: text, digits, dates and GTINs that read as fields,
#: separators sent as text, Alt+029, control characters.
LOT_PIECES = [
    "A", "b", "7", "42", "-", ".", "/", "_", "17291231", "17290230", "1729123", "15300101",
    "3103001250", "0109501101530003", "0109501101530004", "11260101", "21", "10", GS, "<GS>",
    "{GS}", "^]", "~", "029", "0029", "\x04", "\x1e", " ", "é", "(B)",
]  # fmt: skip
TAILS = ["", GS + "17291231", "17291231", GS + "3103001000", GS + "21S1", "11260101"]

settings.register_profile(
    "scans", deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
gs1_like = st.builds(
    lambda lead, lot, tail: lead + "10" + "".join(lot) + tail,
    st.sampled_from(["", GS, FLOUR, GS + FLOUR, FLOUR + "17291231"]),
    st.lists(st.sampled_from(LOT_PIECES), min_size=1, max_size=6),
    st.sampled_from(TAILS),
)
scan_text = st.one_of(
    gs1_like,
    st.text(alphabet="0123456789ABCXYZabc()/-_.:?=<>{}^~\x1d\x04 ", max_size=60),
    st.sampled_from(["(01)", "https://id.gs1.org/01/", "YST-"]).flatmap(
        lambda start: st.text(max_size=40).map(lambda rest: start + rest)
    ),
)


def decide(example: Config, raw: RawScan) -> Decision:
    now = datetime(2026, 6, 1, 10).astimezone()
    context = ScanContext(now, example.product("BREAD"), example.materials, timedelta(0))
    return decide_material(parse_scan(raw, example.materials, "#LE:"), context)


@settings(max_examples=500, deadline=None)
@given(data=st.binary(max_size=300))
def test_any_bytes_give_a_decision_with_a_clear_message(example: Config, data: bytes):
    decision = decide(example, RawScan(data))
    assert decision.reason in Reason
    ours = re.sub(r"'[^']*'|\"[^\"]*\"", "", decision.message)  # minus the quoted scan
    assert decision.message.endswith(".") and ".." not in ours
    assert "Failed to" not in decision.message  # biip's words are rewritten in ours
    if decision.outcome is Outcome.REJECTED and decision.scan is not None:
        assert decision.scan.error is None or decision.scan.error.rstrip(".") in decision.message


@settings(max_examples=1500, deadline=None)
@given(text=scan_text, aim=st.sampled_from(["", *AIMS]))
def test_an_accepted_lot_is_never_mangled(example: Config, text: str, aim: str):
    decision = decide(example, RawScan((aim + text).encode()))
    if decision.outcome is not Outcome.ACCEPTED:
        return
    assert decision.scan is not None
    lot = decision.scan.lot or ""
    assert lot.isprintable(), lot
    assert not any(token in lot for token in KNOWN_TOKENS), lot
    assert glued_field("10", lot) is None, lot


@settings(max_examples=1000, deadline=None)
@given(text=scan_text | st.binary(max_size=80).map(lambda b: b.decode("latin-1")))
def test_the_reason_never_depends_on_an_aim_prefix(example: Config, text: str):
    if text.startswith("]"):  # the text would carry an identifier of its own
        text = "x" + text
    bare = decide(example, RawScan(text.encode())).reason
    for aim in AIMS:
        assert decide(example, RawScan((aim + text).encode())).reason is bare, aim
    for gs1 in (True, False):  # a camera: the identifier and the decoder's flag out of band
        camera = RawScan(text.encode(), "cam", symbology="]d2" if gs1 else "]Q1", gs1=gs1)
        assert decide(example, camera).reason is bare
