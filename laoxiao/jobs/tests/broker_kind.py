"""A job kind for the broker tests only: ``tests.broker_rows`` writes ``n`` rows in chunks, each keyed
by a unique constraint (``PopulationFigure``: one per region and year), so a double write is visible.

Chunk ``i`` writes the figure for the year ``1901 + i`` unless an earlier attempt did (the rerun after a
lost worker resumes); the figure's population is the attempt that wrote it; a written chunk takes ``sleep`` seconds. When every chunk is written
the run inserts the "finished" figure (year 1900) with a plain INSERT: a second run to the end would hit
the unique constraint and fail. Params: ``n``, ``sleep`` (seconds per written chunk); ``hold_at`` and
``hold`` (a file): after chunk ``hold_at`` the run waits, renewing its lease, while the file exists —
the test kills the worker there, at a known chunk, however slow the machine.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.db import transaction

from laoxiao.core.access import is_city_admin
from laoxiao.jobs.registry import Progress, job_kind
from laoxiao.regions.models import PopulationFigure, Region

KIND = "tests.broker_rows"
FINISHED_YEAR = 1900
FIRST_YEAR = 1901  # the years 1900–1999: none of a real city's figures


@job_kind(KIND, allowed=is_city_admin, title="broker test rows")
def broker_rows_job(job: Any, progress: Progress) -> dict[str, Any]:
    region = Region.objects.get(code=job.region_code)
    n = int(job.params.get("n", 3))
    pause = float(job.params.get("sleep", 0))
    written = 0
    progress(0, n, "starting")
    for i in range(n):
        with transaction.atomic():
            year = FIRST_YEAR + i
            fresh = not PopulationFigure.objects.filter(region=region, year=year).exists()
            if fresh:
                PopulationFigure.objects.create(
                    region=region, region_code=region.code, year=year, population=job.attempts
                )
                written += 1
        if fresh:  # a chunk an earlier attempt wrote is skipped at once
            time.sleep(pause)
        progress(i + 1, n, f"row {i + 1} of {n}")
        while i + 1 == job.params.get("hold_at") and Path(str(job.params.get("hold"))).exists():
            time.sleep(0.1)
            progress(i + 1, n, f"row {i + 1} of {n}")  # a live worker keeps its lease
    PopulationFigure.objects.create(
        region=region, region_code=region.code, year=FINISHED_YEAR, population=job.attempts
    )
    return {"rows": n, "written": written, "attempt": job.attempts}
