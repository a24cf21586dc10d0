"""Hypothesis strategies for identifier parts: lots and codes with awkward characters, GTINs."""

from __future__ import annotations

import string

from biip.checksums import gs1_standard_check_digit
from hypothesis import strategies as st

from lotedge.core.lots import GS1_CSET82

#: Any text an identifier may carry: the separators of the identifiers themselves (often), GS1's
#: set 82, its neighbours outside it, and any other character (no NUL, which no database column
#: can hold; no lone surrogate).
SEPARATORS = ":./%~ "
AWKWARD = "".join(sorted(GS1_CSET82)) + "~ #[]@$^`{|}\\\t\n"
lots = st.text(
    st.sampled_from(SEPARATORS)
    | st.sampled_from(AWKWARD)
    | st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"),
    min_size=1,
    max_size=30,
)
bodies = st.text(string.digits, min_size=13, max_size=13)
#: GTIN-14s: random ones (mostly prefixes biip does not know) and ones under prefixes it knows.
gtins = (bodies | st.text(string.digits, min_size=6, max_size=6).map("0614141".__add__)).map(
    lambda body: body + str(gs1_standard_check_digit(body))
)
codes = st.from_regex(r"[A-Za-z0-9_-]{1,20}", fullmatch=True)
