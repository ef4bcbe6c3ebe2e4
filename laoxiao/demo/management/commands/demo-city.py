"""``laoxiao demo-city [--seed N] [--scale F] [--as-of YYYY-MM-DD] [--years 2020,2021] [--if-empty]
[--skip-people]``

Builds the synthetic 淮北市 (see ``laoxiao.demo.generator``) as of a day (default today) through the
actions, so the change log and the population roll-up behave as after an import. Same seed and day,
same city.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from laoxiao.core.clock import today
from laoxiao.demo.generator import STEPS, build_demo_city
from laoxiao.demo.kernel import CITY_CODE, default_years
from laoxiao.demo.people import STEP_NAMES as PEOPLE_STEP_NAMES
from laoxiao.regions.models import PopulationFigure, Region


def _years(text: str) -> tuple[int, ...]:
    try:
        years = tuple(sorted({int(y) for y in text.replace(" ", "").split(",") if y}))
    except ValueError:
        raise CommandError(f"年份无效 / bad years: {text!r} (e.g. 2020,2021)") from None
    if not years or any(y < 1950 or y > 2100 for y in years):
        raise CommandError(f"年份无效 / bad years: {text!r} (e.g. 2020,2021)")
    return years


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"日期无效 / bad date: {text!r} (e.g. 2025-06-30)") from None


class Command(BaseCommand):
    help = "Build the demo city (synthetic 淮北市): regions, centres and population figures."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--seed", type=int, default=1, help="random seed (default 1): same seed, same city"
        )
        parser.add_argument(
            "--scale", type=float, default=1.0, help="multiply every count by this (default 1: the real city)"
        )
        parser.add_argument(
            "--as-of",
            dest="as_of",
            default="",
            help="the day the city is built as of, YYYY-MM-DD (default today)",
        )
        parser.add_argument(
            "--years",
            "--year",
            dest="years",
            default="",
            help="years of population figures, comma-separated (default 2020 … the as-of year)",
        )
        parser.add_argument("--if-empty", action="store_true", help="do nothing if any region exists already")
        parser.add_argument(
            "--skip",
            action="append",
            default=[],
            choices=[step.name for step in STEPS if step.name not in ("plan", "regions", "population")],
            help="leave out a step (repeatable), e.g. --skip supervision",
        )
        parser.add_argument(
            "--skip-people",
            action="store_true",
            help="leave out older people, children and their follow-up (laoxiao.demo.people)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["if_empty"] and Region.objects.exists():
            self.stdout.write(
                "已有区划，未生成演示城市 / regions exist already: demo city not built (--if-empty)"
            )
            return
        as_of = _day(opts["as_of"]) if opts.get("as_of") else today()
        seed, scale = opts["seed"], opts["scale"]
        years = _years(opts["years"]) if opts.get("years") else default_years(as_of)
        if seed < 0:
            raise CommandError("--seed must be ≥ 0")
        if scale <= 0:
            raise CommandError("--scale must be > 0")
        console = Console(stderr=True)
        started = time.perf_counter()
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as bar:

            def progress(description: str, total: int | None) -> Any:
                task = bar.add_task(description, total=total)
                return lambda n: bar.advance(task, n)

            skip = (*(PEOPLE_STEP_NAMES if opts.get("skip_people") else ()), *opts.get("skip", []))
            ctx = build_demo_city(seed, scale, progress, years=years, skip=skip, as_of=as_of)
        elapsed = time.perf_counter() - started

        levels = {
            lvl: sum(1 for r in ctx.regions if r.level == lvl) for lvl in ("county", "township", "community")
        }
        villages = sum(1 for r in ctx.regions if r.level == "community" and r.is_rural)
        table = Table(
            title=f"演示城市 demo city: 淮北市 (seed {seed}, scale {scale:g}, as of {as_of.isoformat()})"
        )
        for col in ("year", "population", "households", "0–2", "60+", "65+", "80+", "source"):
            table.add_column(col, justify="right")
        for fig in PopulationFigure.objects.filter(region_id=CITY_CODE.ljust(12, "0"), year__in=years):
            table.add_row(
                str(fig.year),
                *(
                    f"{v:,}" if v is not None else "—"
                    for v in (
                        fig.population,
                        fig.households,
                        fig.age_0_2,
                        fig.age_60_plus,
                        fig.age_65_plus,
                        fig.age_80_plus,
                    )
                ),
                fig.source,
            )
        Console().print(table)
        reg = ctx.summary["regions"]
        pop = ctx.summary["population"]
        self.stdout.write(
            f"区划 regions: {levels['county']} counties, {levels['township']} townships, "
            f"{levels['community'] - villages} communities, {villages} villages — "
            f"created {reg.created}, updated {reg.updated}, unchanged {reg.unchanged}"
        )
        self.stdout.write(
            f"人口 population figures: created {pop.created}, updated {pop.updated}, unchanged {pop.unchanged}"
        )
        foreign = ctx.summary.get("foreign_regions") or []
        if foreign:
            self.stdout.write(
                f"注意 note: {len(foreign)} regions under {CITY_CODE} are not part of this demo city and were "
                f"left as they are (e.g. {', '.join(foreign[:3])}); city totals include their figures."
            )
        people = ctx.summary.get("people")
        if people:
            self.stdout.write(f"人员 people: {_people_line(people)}")
        services = ctx.summary.get("services")
        if services:
            self.stdout.write(f"服务 a month of service: {_people_line(services)}")
        seconds = ctx.summary.get("seconds", {})
        steps = ", ".join(f"{name} {s:.1f}" for name, s in seconds.items())
        self.stdout.write(f"用时 took {elapsed:.1f} s ({steps})")


def _people_line(people: dict[str, Any]) -> str:
    parts = []
    for key, value in people.items():
        if isinstance(value, float):
            parts.append(f"{key} {value:.1%}")
        elif isinstance(value, int):
            parts.append(f"{key} {value:,}")
        else:
            parts.append(f"{key} {value}")
    return "; ".join(parts)
