"""Every amount lives in a rule version: no amount of a shipped benefits rule appears in the
benefits code as a literal (in fen, or as a yuan string)."""

from __future__ import annotations

import ast
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

APP = Path(__file__).resolve().parents[1]
AMOUNT_KEYS = ("monthly", "yearly", "amount", "max", "cap", "per_child_yearly", "per_household", "award")


def _amounts(data: Any, key: str = "") -> set[Decimal]:
    out: set[Decimal] = set()
    if isinstance(data, dict):
        for k, v in data.items():
            out |= _amounts(v, k if any(a in k for a in AMOUNT_KEYS) else key)
    elif isinstance(data, list):
        for v in data:
            out |= _amounts(v, key)
    elif key and isinstance(data, str | int | float) and not isinstance(data, bool):
        try:
            value = Decimal(str(data))
        except ArithmeticError:
            return out
        if value >= 100:  # page sizes and small counts are not amounts
            out.add(value)
    return out


def test_no_rule_amount_is_a_literal_in_the_code() -> None:
    amounts: set[Decimal] = set()
    for path in (APP / "rules").glob("*.json"):
        for version in json.loads(path.read_text(encoding="utf-8"))["versions"]:
            amounts |= _amounts(version["data"])
    assert Decimal(3600) in amounts or Decimal(300) in amounts  # the childcare subsidy is read
    fen = {int(a * 100) for a in amounts}
    found = []
    for path in APP.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and not isinstance(node.value, bool):
                if isinstance(node.value, int) and node.value in fen:
                    found.append(f"{path.relative_to(APP)}:{node.lineno} {node.value} (fen)")
                if isinstance(node.value, str) and node.value.strip():
                    try:
                        if Decimal(node.value) in amounts:
                            found.append(f"{path.relative_to(APP)}:{node.lineno} {node.value!r} (yuan)")
                    except ArithmeticError:
                        pass
    assert not found, found
