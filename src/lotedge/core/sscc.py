"""SSCCs (Serial Shipping Container Codes, GS1 AI 00) of our pallets: how a serial number
becomes an SSCC, and what is wrong with a company prefix. Pure: the counter is in the state.

An SSCC is 18 digits: extension digit, GS1 Company Prefix, serial reference (the digits the
prefix leaves, 16 in all with the prefix) and the check digit.

>>> scheme = SsccScheme("9520123", 0)
>>> scheme.render(1)
'095201230000000011'
>>> scheme.capacity
999999999
"""

from __future__ import annotations

from dataclasses import dataclass

from biip.gs1_prefixes import GS1CompanyPrefix

from lotedge.wire.epc import Epc
from lotedge.wire.gs1 import with_check_digit

#: Extension digit + company prefix + serial reference (the check digit comes after).
SSCC_BODY_DIGITS = 17
PREFIX_LENGTHS = range(4, 13)
"""A GS1 Company Prefix has 4 to 12 digits."""
FULL_RATIO = 0.9
"""`config check` warns once this share of the serial range is used."""


class SerialRangeExhausted(RuntimeError):
    """Every serial reference of the company prefix has been used."""


@dataclass(frozen=True)
class SsccScheme:
    """How our SSCCs are built: GS1 Company Prefix and extension digit."""

    company_prefix: str
    extension_digit: int

    @property
    def serial_digits(self) -> int:
        return SSCC_BODY_DIGITS - 1 - len(self.company_prefix)

    @property
    def capacity(self) -> int:
        """How many SSCCs the prefix allows (serial references 1 .. 10^digits - 1)."""
        return 10**self.serial_digits - 1 if self.serial_digits > 0 else 0

    @property
    def scope(self) -> str:
        """The counter's name in the state: one counter per prefix and extension digit."""
        return f"sscc|{self.extension_digit}|{self.company_prefix}"

    def render(self, serial: int) -> str:
        """The SSCC of serial reference `serial` (1-based); SerialRangeExhausted past the range."""
        if not 1 <= serial <= self.capacity:
            raise SerialRangeExhausted(
                f"GS1 Company Prefix {self.company_prefix} (extension digit "
                f"{self.extension_digit}) has no SSCC serial left: all {self.capacity} are used; "
                "configure another extension digit or a longer-serial prefix"
            )
        body = f"{self.extension_digit}{self.company_prefix}{serial:0{self.serial_digits}d}"
        return with_check_digit(body)


def prefix_problems(prefix: str) -> list[str]:
    """What is wrong with a GS1 Company Prefix for SSCCs; empty when it can be used.

    >>> prefix_problems("952")
    ['GS1 Company Prefix 952 has 3 digits; a GS1 Company Prefix has 4-12']
    >>> prefix_problems("95201")
    ['GS1 Company Prefix 95201 is shorter than the 6 digits GS1 assigns in the 952 range']
    """
    if not (prefix.isascii() and prefix.isdigit()):
        return [f"GS1 Company Prefix {prefix!r} must be digits only"]
    if len(prefix) >= SSCC_BODY_DIGITS - 1:
        return [
            f"GS1 Company Prefix {prefix} leaves no room for an SSCC serial reference "
            f"(prefix and serial are 16 digits together)"
        ]
    if len(prefix) not in PREFIX_LENGTHS:
        digits = len(prefix)
        return [f"GS1 Company Prefix {prefix} has {digits} digits; a GS1 Company Prefix has 4-12"]
    known = GS1CompanyPrefix.extract(prefix.ljust(13, "0"))
    if known is not None and len(prefix) < len(known.value):
        return [
            f"GS1 Company Prefix {prefix} is shorter than the {len(known.value)} digits GS1 "
            f"assigns in the {prefix[:3]} range"
        ]
    return []


def sscc_urn(sscc: str, company_prefix: str) -> str:
    """The SSCC as an EPC URN, split after our company prefix.

    >>> sscc_urn("095201230000000011", "9520123")
    'urn:epc:id:sscc:9520123.0000000001'
    """
    urn = Epc("sscc", sscc).urn(len(company_prefix))
    assert urn is not None  # the length is given, so the split is known
    return urn
