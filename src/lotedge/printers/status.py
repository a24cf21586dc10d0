"""Printer health: parsing the Zebra ``~HS`` host status reply. Pure.

The reply is three strings, each framed ``<STX>...<ETX><CR><LF>``::

    <STX>aaa,b,c,dddd,eee,f,g,h,iii,j,k,l<ETX>   b paper out, c paused, eee formats in buffer,
                                                 f buffer full, k/l under/over temperature
    <STX>mmm,n,o,p,q,r,s,t,uuuuuuuu,v,www<ETX>   o head open, p ribbon out, uuuuuuuu labels left
    <STX>xxxx,y<ETX>                             password, static RAM installed
"""

from __future__ import annotations

from dataclasses import dataclass

STX, ETX = b"\x02", b"\x03"
HOST_STATUS = b"~HS"
HOST_IDENTIFICATION = b"~HI"

#: Fault names as reported in alerts and `PrintWorker.state`.
FAULTS = ("paper_out", "paused", "head_open", "ribbon_out", "buffer_full", "over_temperature")


@dataclass(frozen=True)
class HostStatus:
    """The flags of a ``~HS`` reply that decide whether a label can print."""

    paper_out: bool = False
    paused: bool = False
    head_open: bool = False
    ribbon_out: bool = False
    buffer_full: bool = False
    over_temperature: bool = False
    #: Formats received but not yet printed.
    formats_in_buffer: int = 0
    #: Label length setting, in dots.
    label_length: int = 0

    @property
    def faults(self) -> tuple[str, ...]:
        """Names of the active faults; empty when the printer can print."""
        return tuple(name for name in FAULTS if getattr(self, name))


def host_status_complete(reply: bytes) -> bool:
    """Whether a (partial) reply already holds all three strings."""
    return reply.count(ETX) >= 3


def parse_host_status(reply: bytes) -> HostStatus:
    """Parse a ``~HS`` reply; raises ValueError quoting the reply when it is malformed.

    >>> parse_host_status(format_host_status(HostStatus(paper_out=True))).faults
    ('paper_out',)
    """
    strings = [
        part.split(ETX, 1)[0].decode("ascii", "replace").split(",") for part in reply.split(STX)[1:]
    ]
    if len(strings) < 3 or len(strings[0]) != 12 or len(strings[1]) != 11:
        raise ValueError(f"not a ~HS reply (3 strings of 12, 11 and 2 fields): {reply!r}")
    first, second = strings[0], strings[1]
    try:
        return HostStatus(
            paper_out=first[1] == "1",
            paused=first[2] == "1",
            head_open=second[2] == "1",
            ribbon_out=second[3] == "1",
            buffer_full=first[5] == "1",
            over_temperature=first[11] == "1",
            formats_in_buffer=int(first[4]),
            label_length=int(first[3]),
        )
    except ValueError:
        raise ValueError(f"not a ~HS reply (non-numeric field): {reply!r}") from None


def format_host_status(status: HostStatus) -> bytes:
    """The ``~HS`` reply a printer in this state sends (used by the simulator)."""

    def flag(value: bool) -> str:
        return "1" if value else "0"

    strings = [
        f"030,{flag(status.paper_out)},{flag(status.paused)},{status.label_length:04d},"
        f"{status.formats_in_buffer:03d},{flag(status.buffer_full)},0,0,000,0,0,"
        f"{flag(status.over_temperature)}",
        f"001,0,{flag(status.head_open)},{flag(status.ribbon_out)},1,2,6,0,00000000,1,000",
        "1234,0",
    ]
    return b"".join(STX + s.encode("ascii") + ETX + b"\r\n" for s in strings)
