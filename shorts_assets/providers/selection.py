"""A role's implementations as SHORTS_FOOTAGE or SHORTS_PLATFORMS select them: by name, in order."""

from __future__ import annotations

from typing import Any, ClassVar

from dagster import ConfigurableResource
from pydantic import model_validator


class Selection(ConfigurableResource):
    """One optional field per implementation; only the ones `order` names need to be set.

    A subclass declares the fields, `FIELDS` (selection name -> field name), `SETTING` (the
    variable that lists the names) and `KIND` (what one of them is called in a message).
    """

    SETTING: ClassVar[str]
    KIND: ClassVar[str]
    FIELDS: ClassVar[dict[str, str]]

    order: list[str]

    @model_validator(mode="after")
    def _every_named_one_is_set(self):
        if not self.order:
            raise ValueError(f"{self.SETTING} names no {self.KIND}")
        for name in self.order:
            if name not in self.FIELDS:
                raise ValueError(f"{self.SETTING} names {name!r}; choose from: {', '.join(self.FIELDS)}")
            if getattr(self, self.FIELDS[name]) is None:
                raise ValueError(f"{self.SETTING} names {name!r} but no {name} {self.KIND} is configured")
        return self

    def selected(self) -> list[tuple[str, Any]]:
        """(name, implementation) for each name in `order`."""
        return [(name, getattr(self, self.FIELDS[name])) for name in self.order]
