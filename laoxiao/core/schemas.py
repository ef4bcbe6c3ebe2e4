from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema


class ChangeLogOut(Schema):
    id: int
    at: dt.datetime
    actor_name: str
    action: str
    target_type: str
    target_id: str
    target_repr: str
    region_code: str
    changes: dict[str, Any]
    note: str
