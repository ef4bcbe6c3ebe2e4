"""A job kind for the broker tests only: ``tests.broker_rows`` writes ``n`` rows in chunks, each keyed
by a unique constraint (``PopulationFigure``: one per region and year), so a double write is visible.

Chunk ``i`` writes the figure for the year ``1901 + i`` unless an earlier attempt did (the rerun after a
lost worker resumes); the figure's population is the attempt that wrote it. When every chunk is written
the run inserts the "finished" figure (year 1900) with a plain INSERT: a second run to the end would hit
the unique constraint and fail. Params: ``n``, ``sleep`` (seconds per chunk).
"""

from __future__ import annotations

import time
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
            if not PopulationFigure.objects.filter(region=region, year=year).exists():
                PopulationFigure.objects.create(
                    region=region, region_code=region.code, year=year, population=job.attempts
                )
                written += 1
        time.sleep(pause)
        progress(i + 1, n, f"row {i + 1} of {n}")
    PopulationFigure.objects.create(
        region=region, region_code=region.code, year=FINISHED_YEAR, population=job.attempts
    )
    return {"rows": n, "written": written, "attempt": job.attempts}
