from __future__ import annotations

from pathlib import Path

from laoxiao.imports.docs import render_import_formats

DOC = Path(__file__).resolve().parents[3] / "docs" / "import-formats.md"


def test_import_formats_doc_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render_import_formats(), (
        "docs/import-formats.md is stale: run `laoxiao import-formats > docs/import-formats.md`"
    )
