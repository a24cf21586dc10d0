"""GS1 keys inside identifiers: GTIN-14, check digits and the company-prefix split.

biip does the GS1 work: its check-digit function and its table of GS1 company prefix lengths
(`biip.gs1_prefixes`, from GS1's published prefix list) decide where a GTIN or GLN splits into
company prefix and reference, which an EPC URN needs. When biip does not know the prefix
(GTIN-8, some GS1 prefixes), the split is None and the caller falls back to a Digital Link.
"""

from __future__ import annotations

import functools

from biip.checksums import gs1_standard_check_digit
from biip.gln import Gln
from biip.gtin import Gtin

GTIN_LENGTHS = (8, 12, 13, 14)


def _digits(value: str) -> bool:
    return value.isascii() and value.isdigit()


@functools.lru_cache(maxsize=4096)
def gtin_14(value: str) -> str | None:
    """A GTIN-8/12/13/14 as GTIN-14; None when it is not one (length, digits, check digit).

    >>> gtin_14("614141777778")
    '00614141777778'
    >>> gtin_14("00614141777779") is None
    True
    """
    digits = value.strip()
    if len(digits) not in GTIN_LENGTHS or not _digits(digits):
        return None
    gtin = digits.zfill(14)
    return gtin if gs1_standard_check_digit(gtin[:-1]) == int(gtin[-1]) else None


@functools.lru_cache(maxsize=4096)
def split_gtin(gtin: str) -> tuple[str, str] | None:
    """(company prefix, indicator digit + item reference) of a valid GTIN, as an LGTIN or SGTIN
    URN writes them; None when biip does not know the company prefix.

    >>> split_gtin("00614141777778")
    ('0614141', '077777')
    """
    parsed = Gtin.parse(gtin)
    if parsed.company_prefix is None:
        return None
    gtin14, prefix = parsed.as_gtin_14(), parsed.company_prefix.value
    return prefix, gtin14[0] + gtin14[1 + len(prefix) : 13]


@functools.lru_cache(maxsize=4096)
def join_gtin(company_prefix: str, item_reference: str) -> str | None:
    """The GTIN-14 (check digit computed) that `split_gtin` split; None when the parts are not
    digits or not 13 together.

    >>> join_gtin("0614141", "077777")
    '00614141777778'
    """
    if len(company_prefix) + len(item_reference) != 13 or not item_reference:
        return None
    if not (_digits(company_prefix) and _digits(item_reference)):
        return None
    body = item_reference[0] + company_prefix + item_reference[1:]
    return body + str(gs1_standard_check_digit(body))


@functools.lru_cache(maxsize=256)
def split_gln(gln: str) -> tuple[str, str] | None:
    """(company prefix, location or party reference) of a valid GLN; None when biip does not
    know the company prefix.

    >>> split_gln("7038010000003")
    ('703801', '000000')
    """
    parsed = Gln.parse(gln)
    if parsed.company_prefix is None:
        return None
    prefix = parsed.company_prefix.value
    return prefix, parsed.value[len(prefix) : 12]


def with_check_digit(body: str) -> str:
    """Digits with their GS1 check digit appended (any GS1 key: GTIN, GLN, SSCC, GRAI ...).

    >>> with_check_digit("0061414177777")
    '00614141777778'
    """
    return body + str(gs1_standard_check_digit(body))


def check_digit_ok(key: str) -> bool:
    """True when the last digit of a GS1 key is its check digit."""
    return len(key) > 1 and key.isascii() and key.isdigit() and with_check_digit(key[:-1]) == key
