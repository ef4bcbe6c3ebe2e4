"""``laoxiao planning coverage|access|site|...``: the planning analyses on a planner's CSV files or on the
platform's own data (``--region``). Formats and methods: docs/planning.md.

    laoxiao planning coverage --demand D.csv --supply S.csv --radius 1000 [--detour 1.3]
                              [--network-nodes N.csv --network-edges E.csv] --out OUT.csv
    laoxiao planning access --method 2sfca|e2sfca [--decay step|gaussian] [--sigma S]
                            [--steps 'd1:w1,d2:w2,...'] --radius R --demand D.csv --supply S.csv --out OUT.csv
    laoxiao planning site --demand D.csv --candidates C.csv [--existing S.csv] --radius R --k K --out OUT.csv

A bad file stops the command with every error (row and column, in Chinese and English) and exit
code 1, and nothing is written. ``project`` and ``residential`` come from ``cli/demand.py``.
``laoxiao plan`` is an alias of this command (``plan.py``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand

from laoxiao.core.errors import NotFound
from laoxiao.planning.analysis import accessibility, coverage, siting
from laoxiao.planning.analysis.geo import projection_for, to_metres
from laoxiao.planning.analysis.io import (
    PlanningFileError,
    PointTable,
    read_edges,
    read_points,
    same_crs,
    write_csv,
)
from laoxiao.planning.analysis.network import Network, network_coverage, network_pairs
from laoxiao.planning.cli import demand as cli_demand
from laoxiao.planning.selectors.circle import (
    CAPACITIES,
    Points,
    circle_rules,
    platform_candidates,
    platform_demand,
    platform_supply,
    region_for,
)


class UsageError(Exception):
    """Options that do not fit together (exit code 1, nothing written)."""


class Command(BaseCommand):
    help = "Planning analyses (docs/planning.md): coverage, access, site; project, residential."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="analysis", metavar="ANALYSIS", required=True)

        cov = sub.add_parser("coverage", help="nearest facility, distance, covered, count per demand point")
        self._common(cov)
        cov.add_argument("--supply", type=Path, help="id,lon,lat[,capacity] or id,x,y[,capacity]")
        self._network(cov)

        acc = sub.add_parser("access", help="2SFCA / enhanced 2SFCA accessibility score per demand point")
        self._common(acc)
        acc.add_argument("--supply", type=Path, help="id,lon,lat,capacity or id,x,y,capacity")
        acc.add_argument("--method", choices=("2sfca", "e2sfca"), required=True)
        acc.add_argument(
            "--decay", choices=("step", "gaussian"), default="step", help="for e2sfca (default step)"
        )
        acc.add_argument("--sigma", type=float, help="Gaussian width in metres (default radius/2)")
        acc.add_argument("--steps", help="'d1:w1,d2:w2,...' in metres (default R/3:1,2R/3:0.68,R:0.22)")
        acc.add_argument(
            "--capacity",
            choices=("beds", "nursing_beds", "slots"),
            help="with --region: which capacity (default beds for older people, slots for children)",
        )
        self._network(acc)

        site = sub.add_parser("site", help="choose k new sites to cover the most demand (maximal covering)")
        self._common(site)
        site.add_argument("--candidates", type=Path, help="id,lon,lat or id,x,y")
        site.add_argument("--existing", type=Path, help="existing facilities (kept): id,lon,lat or id,x,y")
        site.add_argument("--k", type=int, help="how many sites to choose")
        site.add_argument(
            "--target", type=float, help="instead of --k: the fewest sites to reach this covered share (0–1]"
        )
        site.add_argument(
            "--capacitated",
            action="store_true",
            help="each new site serves at most the capacity column of the candidates file",
        )
        site.add_argument("--method", choices=("auto", "exact", "greedy"), default="auto")
        site.add_argument("--time-limit", type=float, default=300.0, help="seconds for the exact solver")

        cli_demand.register(sub)

    @staticmethod
    def _common(p: Any) -> None:
        p.add_argument("--demand", type=Path, help="id,lon,lat,weight or id,x,y,weight")
        p.add_argument(
            "--radius", type=float, help="metres (with --region: the service circle's rule by default)"
        )
        p.add_argument(
            "--detour", type=float, default=1.0, help="straight-line distance × this (default 1.0)"
        )
        p.add_argument("--out", type=Path, required=True, help="the CSV to write")
        p.add_argument("--region", help="use the platform's data for this region (e.g. 340603)")
        p.add_argument("--group", choices=("elders", "children"), default="elders", help="with --region")

    @staticmethod
    def _network(p: Any) -> None:
        p.add_argument("--network-nodes", type=Path, help="road network nodes: id,lon,lat or id,x,y")
        p.add_argument("--network-edges", type=Path, help="road network edges: from,to,length (metres)")

    def handle(self, *args: Any, **opts: Any) -> None:
        name = opts["analysis"]
        if name in cli_demand.NAMES:
            code = cli_demand.handle(name, opts, self.stdout)
            if code:
                raise SystemExit(code)
            return
        try:
            started = time.perf_counter()
            getattr(self, f"run_{name}")(opts)
            self.stdout.write(f"用时 / took {time.perf_counter() - started:.2f} s")
        except PlanningFileError as exc:
            self.stderr.write(f"文件有误，未写入任何结果 / bad file, nothing written\n{exc.message()}")
            raise SystemExit(1) from None
        except (UsageError, ValueError) as exc:
            self.stderr.write(f"错误 / error: {exc}")
            raise SystemExit(1) from None
        except NotFound as exc:
            self.stderr.write(f"没有此地区 / no such region: {exc}")
            raise SystemExit(1) from None

    # -- inputs -----------------------------------------------------------------------------------

    def _radius(self, opts: dict[str, Any]) -> float:
        radius = opts.get("radius")
        if radius is None:
            if not opts.get("region"):
                raise UsageError("需要 --radius（米）/ --radius (metres) is required")

            radius = float(circle_rules()["radius_m"])
        if not np.isfinite(radius) or radius <= 0:
            raise UsageError("--radius 应大于 0 / --radius must be more than 0")
        if not np.isfinite(opts["detour"]) or opts["detour"] < 1:
            raise UsageError("--detour 应不小于 1 / --detour must be at least 1")
        return float(radius)

    def _files_or_region(self, opts: dict[str, Any], files: tuple[str, ...]) -> bool:
        given = [f for f in files if opts.get(f)]
        if opts.get("region"):
            if given:
                raise UsageError(
                    "--region 与文件不能同时使用 / give either --region or the files, not both: "
                    + ", ".join("--" + f for f in given)
                )
            if opts.get("network_nodes") or opts.get("network_edges"):
                raise UsageError("--region 不能与路网同时使用 / --region cannot be combined with a network")
            return True
        missing = [f for f in files if not opts.get(f)]
        if missing:
            raise UsageError(
                "缺少文件 / missing: "
                + ", ".join("--" + f for f in missing)
                + "（或用 --region / or use --region）"
            )
        return False

    def _network_of(self, opts: dict[str, Any], crs: str, project: Any) -> Network | None:
        nodes_path, edges_path = opts.get("network_nodes"), opts.get("network_edges")
        if not nodes_path and not edges_path:
            return None
        if not (nodes_path and edges_path):
            raise UsageError(
                "路网需要节点和边两个文件 / a network needs both --network-nodes and --network-edges"
            )
        nodes = read_points(nodes_path)
        if nodes.crs != crs:
            same_crs(PointTable(str(opts["demand"]), [], np.zeros((0, 2)), crs), nodes)
        edges = read_edges(edges_path, nodes.ids)
        return Network.build(project(nodes), edges.source, edges.target, edges.length)

    @staticmethod
    def _projector(*tables: PointTable) -> Any:
        """A function PointTable → metres: the files' metres, or one projection for every file."""
        if tables[0].crs == "xy":
            return lambda t: t.coords
        proj = projection_for(*(t.coords for t in tables))
        return lambda t: to_metres(t.coords, proj)

    def _platform(self, opts: dict[str, Any], *, capacity: str = "") -> tuple[Any, Any, Any]:

        region = region_for(opts["region"])
        radius = self._radius(opts)
        demand = platform_demand(region, opts["group"])
        supply = platform_supply(region, opts["group"], capacity=capacity, margin_m=radius * opts["detour"])
        proj = projection_for(demand.lonlat, supply.lonlat)
        self.stdout.write(
            f"{region.name} {region.code}: {len(demand.ids)} 个社区 communities, "
            f"{int(demand.weight.sum())} 人 people ({opts['group']}), {len(supply.ids)} 个机构 providers"
        )
        d = PointTable(
            "demand", demand.ids, demand.lonlat, "lonlat", demand.weight, {"region": demand.labels}
        )
        s = PointTable("supply", supply.ids, supply.lonlat, "lonlat", supply.weight)
        return d, s, (lambda t: to_metres(t.coords, proj))

    # -- coverage ---------------------------------------------------------------------------------

    def run_coverage(self, opts: dict[str, Any]) -> None:
        radius = self._radius(opts)
        if self._files_or_region(opts, ("demand", "supply")):
            demand, supply, project = self._platform(opts)
            net = None
        else:
            demand = read_points(opts["demand"], value="weight", labels=("region", "group"))
            supply = read_points(opts["supply"], value="capacity", value_required=False)
            same_crs(demand, supply)
            project = self._projector(demand, supply)
            net = self._network_of(opts, demand.crs, project)
        d_xy, s_xy = project(demand), project(supply)
        if net is not None:
            if opts["detour"] != 1.0:
                self.stdout.write("路网距离不乘绕行系数 / --detour is not applied to network distances")
            cov = network_coverage(net, d_xy, s_xy, radius)
        else:
            cov = coverage.straight_coverage(d_xy, s_xy, radius, detour=opts["detour"])
        rows = (
            (
                demand.ids[i],
                supply.ids[cov.nearest[i]] if cov.nearest[i] >= 0 else "",
                round(float(cov.distance[i]), 3) if np.isfinite(cov.distance[i]) else "",
                int(cov.covered[i]),
                int(cov.count[i]),
            )
            for i in range(len(cov))
        )
        n = write_csv(opts["out"], ("id", "nearest_id", "distance", "covered", "count"), rows)
        weight = demand.values if demand.values is not None else np.ones(len(demand))
        self.stdout.write(f"写入 / wrote {opts['out']}: {n} rows")
        mode = "路网 network" if net is not None else f"直线 × {opts['detour']:g} straight line"
        self.stdout.write(f"服务半径 radius {radius:g} m, {mode}")
        for key in ("", "region", "group"):
            labels = demand.labels.get(key) if key else None
            if key and not labels:
                continue
            shares = coverage.coverage_shares(cov.covered, weight, labels)
            for s in shares[1:] if key else shares[:1]:
                label = f"{key} {s.label}" if key else "合计 all"
                share = "—" if s.share is None else f"{100 * s.share:.1f}%"
                self.stdout.write(
                    f"  {label}: 覆盖 covered {s.covered_weight:g} / {s.total_weight:g} = {share}"
                    f" ({s.covered_points}/{s.points} points)"
                )

    # -- access -----------------------------------------------------------------------------------

    def run_access(self, opts: dict[str, Any]) -> None:
        radius = self._radius(opts)
        if opts["method"] == "2sfca" and (opts.get("sigma") or opts.get("steps")):
            raise UsageError("--sigma/--steps 只用于 e2sfca / --sigma and --steps apply to --method e2sfca")
        if opts.get("sigma") is not None and opts["decay"] != "gaussian":
            raise UsageError("--sigma 需要 --decay gaussian / --sigma needs --decay gaussian")
        if opts.get("steps") and opts["decay"] != "step":
            raise UsageError("--steps 需要 --decay step / --steps needs --decay step")
        if opts.get("sigma") is not None and not opts["sigma"] > 0:
            raise UsageError("--sigma 应大于 0 / --sigma must be more than 0")
        decay = None
        if opts["method"] == "e2sfca":
            if opts["decay"] == "gaussian":
                decay = accessibility.gaussian_decay(opts.get("sigma") or radius / 2)
            else:
                steps = accessibility.parse_steps(opts["steps"]) if opts.get("steps") else None
                decay = accessibility.step_decay(steps or accessibility.default_steps(radius))
        if self._files_or_region(opts, ("demand", "supply")):
            capacity = opts.get("capacity") or ("beds" if opts["group"] == "elders" else "slots")

            if capacity not in CAPACITIES[opts["group"]]:
                raise UsageError(
                    f"--capacity {capacity} 不适用于 {opts['group']} / does not apply to {opts['group']}"
                )
            demand, supply, project = self._platform(opts, capacity=capacity)
            net = None
        else:
            demand = read_points(opts["demand"], value="weight")
            supply = read_points(opts["supply"], value="capacity")
            same_crs(demand, supply)
            project = self._projector(demand, supply)
            net = self._network_of(opts, demand.crs, project)
        d_xy, s_xy = project(demand), project(supply)
        if net is not None:
            i, j, d = network_pairs(net, d_xy, s_xy, radius, strict=True)
            pairs = accessibility.Pairs(i, j, d)
        else:
            pairs = accessibility.straight_pairs(d_xy, s_xy, radius, detour=opts["detour"])
        assert demand.values is not None and supply.values is not None
        score, _ratio = accessibility.fca_scores(pairs, demand.values, supply.values, decay=decay)
        n = write_csv(
            opts["out"], ("id", "score"), ((demand.ids[i], float(score[i])) for i in range(len(score)))
        )
        reached = np.bincount(pairs.demand, minlength=len(score)) > 0
        self.stdout.write(
            f"写入 / wrote {opts['out']}: {n} rows ({opts['method']}, {len(pairs.demand)} pairs < {radius:g} m)"
        )
        self.stdout.write(
            f"  可达 reached: {int(reached.sum())}/{len(score)} points; "
            f"加权平均 weighted mean score {float((score * demand.values).sum() / max(demand.values.sum(), 1e-300)):.6g}"
        )

    # -- site -------------------------------------------------------------------------------------

    def run_site(self, opts: dict[str, Any]) -> None:
        radius = self._radius(opts)
        if (opts.get("k") is None) == (opts.get("target") is None):
            raise UsageError("给出 --k 或 --target 之一 / give one of --k and --target")
        if opts.get("capacitated") and (opts.get("region") or opts.get("target") is not None):
            raise UsageError(
                "--capacitated 需要带 capacity 列的候选点文件和 --k / "
                "--capacitated needs a candidates file with a capacity column, and --k"
            )
        if opts.get("region"):
            if opts.get("candidates") or opts.get("existing") or opts.get("demand"):
                raise UsageError("--region 与文件不能同时使用 / give either --region or the files, not both")

            demand, existing, project = self._platform(opts)
            region = region_for(opts["region"])

            as_points = Points(
                demand.ids, [""] * len(demand), demand.coords, demand.values, demand.labels["region"]
            )
            cand = platform_candidates(region, opts["group"], as_points)
            candidates: PointTable | None = PointTable("candidates", cand.ids, cand.lonlat, "lonlat")
            self.stdout.write(f"  候选点 candidate sites (communities without a provider): {len(cand.ids)}")
        else:
            if not opts.get("demand") or not opts.get("candidates"):
                raise UsageError("缺少文件 / missing: --demand and --candidates (or use --region)")
            demand = read_points(opts["demand"], value="weight")
            candidates = read_points(
                opts["candidates"], value="capacity" if opts.get("capacitated") else None
            )
            existing = read_points(opts["existing"]) if opts.get("existing") else None
            same_crs(demand, candidates, existing)
            project = self._projector(*(t for t in (demand, candidates, existing) if t is not None))
        assert candidates is not None and demand.values is not None
        d_xy = project(demand)
        cover = siting.cover_matrix(d_xy, project(candidates), radius, detour=opts["detour"])
        already = (
            siting.cover_matrix(d_xy, project(existing), radius, detour=opts["detour"])
            if existing is not None
            else None
        )
        if opts.get("k") is not None:
            k = opts["k"]
            if not 1 <= k <= len(candidates):
                raise UsageError(
                    f"--k 应在 1 到 {len(candidates)} 之间 / --k must lie between 1 and {len(candidates)}"
                )
            if opts.get("capacitated"):
                assert candidates.values is not None
                result = siting.capacitated_covering(
                    cover,
                    demand.values,
                    candidates.values,
                    k,
                    existing=already,
                    time_limit=opts["time_limit"],
                )
            else:
                result = siting.maximal_covering(
                    cover,
                    demand.values,
                    k,
                    existing=already,
                    method=opts["method"],
                    time_limit=opts["time_limit"],
                )
        else:
            result = siting.set_covering(
                cover, demand.values, float(opts["target"]), existing=already, time_limit=opts["time_limit"]
            )
        rows = (
            (candidates.ids[j], n + 1, w)
            for n, (j, w) in enumerate(zip(result.chosen, result.added_weight, strict=True))
        )
        n = write_csv(opts["out"], ("id", "order", "added_weight"), rows)
        total = result.weight_total or 1.0
        self.stdout.write(f"写入 / wrote {opts['out']}: {n} sites")
        self.stdout.write(
            f"  覆盖需求 covered weight: 之前 before {result.covered_before:g} ({100 * result.covered_before / total:.1f}%)"
            f" → 之后 after {result.covered_after:g} ({100 * result.covered_after / total:.1f}%) of {result.weight_total:g}"
        )
        self.stdout.write(
            f"  最优性差距 optimality gap: {100 * result.gap:.3f}% ({result.method}, {result.status}; "
            f"upper bound {result.upper_bound:g})"
        )
