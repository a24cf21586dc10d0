"""The base of every validated table: unknown keys are errors, values are checked on assignment."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """A config or master-data table. A misspelt key is an error, never silently ignored."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)
