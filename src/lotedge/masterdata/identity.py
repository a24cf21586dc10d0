"""Who this agent is: site, line and device."""

from __future__ import annotations

from pydantic import Field, field_validator

from lotedge.masterdata.items import check_gln
from lotedge.masterdata.section import Section

_CODE = r"^[A-Za-z0-9_-]{1,20}$"


class Identity(Section):
    """Site, line and device identity, used in lot numbers, topics and event locations."""

    site: str = Field(pattern=_CODE, description="Site (plant) code, e.g. PLANT1.")
    site_gln: str | None = Field(
        default=None, description="GS1 GLN (13 digits) of the site; used for readPoint/bizLocation."
    )
    line: str = Field(pattern=_CODE, description="Line code, e.g. L1.")
    device_id: str = Field(pattern=_CODE, description="This device's id, unique per site.")

    _gln_valid = field_validator("site_gln")(check_gln)
