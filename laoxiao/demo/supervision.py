"""The demo city's supervision records (step ``supervision``): inspections with checklist items and
rectification orders, complaints, incidents, risk signals and alerts, credit ratings, grades and
demonstration decisions, planned from the providers the ``providers`` step wrote.

Dates run from 2021 up to the as-of day (``DemoContext.as_of``), denser in its last 24 months:
inspections come in yearly rounds (2021 … the as-of year; rounds older than 24 months visit half as
many providers), the plan's yearly numbers of complaints and incidents are per year covered, and
follow-up inspections and rectification checks come after their inspections, never after as_of.
Credit ratings are computed on as_of."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import numpy as np

from laoxiao.demo.kernel import (
    PLAN_REFERENCE,
    STREAM_SUPERVISION,
    DemoContext,
    rng_for,
    scaled,
    until,
)
from laoxiao.demo.providers import (
    CHILDCARE,
    ELDER_KINDS,
    OURS,
    Advance,
    PlannedProvider,
    ProviderPlan,
    choose,
    day_between,
    person_name,
    weekday_after,
    years_later,
)
from laoxiao.providers.models import Provider
from laoxiao.supervision import actions as sv
from laoxiao.supervision.models import Alert, RectificationOrder

# --- supervision -------------------------------------------------------------------------------

FINDING_NOTES = {
    "minor": ("记录不完整", "台账未及时更新", "个别标识缺失", "交接班记录漏签"),
    "major": ("未按要求开展", "设施存在隐患", "制度未落实", "人员未经培训上岗"),
    "critical": ("存在重大安全隐患", "消防通道堵塞", "未落实基本安全制度"),
}
REQUIREMENTS = {
    "minor": "完善相关记录和台账，报送整改情况",
    "major": "落实整改措施并报送整改报告，接受复查",
    "critical": "立即停止相关服务并限期整改，整改完成前不得新收住人员",
}
COMPLAINT_TEXT = {
    "service_quality": ("护理员服务态度差，老人反映照料不及时", "服务内容与合同约定不符", "夜间无人巡查"),
    "fees": ("收费项目未公示", "退费迟迟不办理", "额外收取护理费"),
    "food": ("伙食质量差，饭菜不热", "餐食分量不足", "菜品长期单一"),
    "staff": ("工作人员频繁更换", "护理员未持证上岗", "工作人员言语粗鲁"),
    "safety": ("楼道堆放杂物", "卫生间无扶手，老人险些摔倒", "门禁管理松散"),
    "abuse": ("家属反映老人身上有不明淤青",),
}
CHILD_COMPLAINT_TEXT = {
    "service_quality": ("孩子午睡无人看护", "入托后未按约定开展活动"),
    "fees": ("收费标准调整未提前告知", "退托后费用未退还"),
    "food": ("餐食不符合婴幼儿营养要求",),
    "staff": ("保育人员更换频繁",),
    "safety": ("户外场地设施有安全隐患", "接送管理不严"),
}
OUTCOMES = (
    "已约谈机构负责人，责令改正",
    "经核实已整改，向投诉人反馈",
    "经调查情况不属实，已向投诉人解释",
    "协调双方达成一致，已退还相关费用",
)
INCIDENT_TEXT = {
    "fall": "老人在{where}跌倒，{hurt}",
    "fall_from_bed": "老人夜间坠床，{hurt}",
    "choking": "老人进食时发生噎食，经现场急救缓解",
    "wandering": "老人外出走失，经民警协助找回",
    "scald": "老人洗浴时被热水烫伤，{hurt}",
    "pressure_sore": "卧床老人出现压疮，已送医处理",
    "wrong_ingestion": "老人误服他人药物，送医观察",
    "outbreak": "机构内出现多名老人发热腹泻，已报告疾控部门",
    "other": "老人与他人发生争执受轻伤",
}
CHILD_INCIDENTS = {
    "fall": "幼儿在{where}摔倒，{hurt}",
    "scald": "幼儿被热汤烫伤，{hurt}",
    "other": "幼儿之间发生抓伤",
}
RISK_TEXT = {
    "prepaid_cards": "销售养老服务预付卡，承诺入住优惠，涉及老人较多",
    "memberships": "以办理会员卡名义收取高额会费，承诺返还本金",
    "promised_returns": "向老年人推销“养老项目投资”，承诺高额回报",
    "large_deposits": "收取大额床位押金，远超规定标准",
}


@dataclasses.dataclass
class SupervisionPlan:
    inspections: list[dict[str, Any]]
    complaints: list[dict[str, Any]]
    incidents: list[dict[str, Any]]
    risk_signals: list[dict[str, Any]]
    grades: list[dict[str, Any]]
    demonstrations: list[dict[str, Any]]


def _weekday_in(rng: np.random.Generator, start: dt.date, end: dt.date) -> dt.date:
    day = day_between(rng, start, end)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day if day >= start else weekday_after(start, 0)


def _office(p: PlannedProvider) -> str:
    return p.county_name + ("民政局" if p.kind in ELDER_KINDS else "卫生健康委员会")


def _years_covered(as_of: dt.date) -> int:
    """Whole years from 2021-01-01 to ``as_of`` (at least one): the yearly counts are multiplied by it."""
    return max(1, round(((as_of - dt.date(2021, 1, 1)).days + 1) / 365.25))


def _recent_day(rng: np.random.Generator, start: dt.date, end: dt.date) -> dt.date:
    """A day in ``start … end``, in its last 24 months two times in three (denser lately)."""
    recent = max(start, end - dt.timedelta(days=730))
    return day_between(rng, recent if rng.random() < 2 / 3 else start, end)


def plan_supervision(
    plan: ProviderPlan, *, seed: int, scale: float, as_of: dt.date = PLAN_REFERENCE
) -> SupervisionPlan:
    """The supervision records from 2021 up to ``as_of`` for the planned providers: pure,
    deterministic in ``seed`` and ``as_of``."""
    rng = rng_for(seed, STREAM_SUPERVISION)
    n_years = _years_covered(as_of)
    filed = [p for p in plan.providers if p.status == "filed"]
    homes = [p for p in filed if p.kind == "eldercare_home"]
    small_homes = [i for i, p in enumerate(homes) if not p.record.get("has_medical_room")]
    skip = {
        homes[small_homes[i]].uscc
        for i in choose(rng, len(small_homes), scaled(OURS["homes_not_inspected"], scale))
    }
    inspections: list[dict[str, Any]] = []
    # one round a year: the latest round covers the 12 months up to as_of, the earlier ones a
    # calendar year each back to 2021; rounds older than 24 months visit half as many providers
    rounds: list[tuple[dt.date, dt.date, float]] = []
    end = until(as_of, dt.date(2021, 12, 20))
    while end >= dt.date(2021, 2, 1):
        start = max(dt.date(2021, 2, 1), end - dt.timedelta(days=322))
        rounds.append((start, end, 1.0 if (as_of - end).days < 730 else 0.5))
        end = start - dt.timedelta(days=43)
    for start, end, density in reversed(rounds):
        for p in filed:
            if p.kind == "eldercare_home":
                chance, odds = (0.0 if p.uscc in skip else 1.0), (0.70, 0.25, 0.05)
            elif p.kind in CHILDCARE:
                chance, odds = 0.75, (0.8, 0.2, 0.0)
            elif p.kind == "community_centre":
                chance, odds = 0.2, (0.8, 0.2, 0.0)
            else:
                chance, odds = 0.1, (0.85, 0.15, 0.0)
            filed_on = p.record.get("filed_on") or start
            if rng.random() >= chance * density or filed_on > end:
                continue
            date = _weekday_in(rng, max(start, filed_on), end)
            result = ("pass", "rectify", "fail")[int(rng.choice(3, p=np.array(odds)))]
            inspections.append(
                _inspection(
                    p,
                    rng,
                    date,
                    result,
                    "routine" if rng.random() < 0.6 else ("random" if rng.random() < 0.6 else "special"),
                    as_of,
                )
            )
            last = inspections[-1]
            if (
                result != "pass"
                and max(o["deadline"] for o in last["orders"]) + dt.timedelta(days=10) < as_of
                and rng.random() < 0.6
            ):
                again = weekday_after(max(o["deadline"] for o in last["orders"]), int(rng.integers(3, 10)))
                inspections.append(
                    _inspection(p, rng, min(again, as_of - dt.timedelta(days=1)), "pass", "follow_up", as_of)
                )

    # complaints
    weights = []
    for p in filed:
        w = {"eldercare_home": 3 + p.beds / 50, "meal_point": 0.3, "community_centre": 0.4}.get(p.kind, 1.5)
        weights.append(w)
    w_arr = np.array(weights) / sum(weights) if filed else np.array([])
    complaints: list[dict[str, Any]] = []
    for _ in range(scaled(OURS["complaints"] * n_years, scale) if filed else 0):
        p = filed[int(rng.choice(len(filed), p=w_arr))]
        child = p.kind in CHILDCARE
        texts = CHILD_COMPLAINT_TEXT if child else COMPLAINT_TEXT
        cats = list(texts)
        cat_w = np.array(
            [
                {"service_quality": 35, "fees": 20, "food": 15, "staff": 15, "safety": 10, "abuse": 3}[c]
                for c in cats
            ],
            dtype=float,
        )
        category = cats[int(rng.choice(len(cats), p=cat_w / cat_w.sum()))]
        source = ("hotline_12345", "phone", "visit", "online", "media")[
            int(rng.choice(5, p=np.array([0.7, 0.12, 0.08, 0.08, 0.02])))
        ]
        received = _recent_day(rng, dt.date(2021, 1, 4), until(as_of, dt.date(2021, 12, 28)))
        steps: list[dict[str, Any]] = []
        if received <= as_of - dt.timedelta(days=20):
            steps += [
                {"action": "assigned", "note": f"转{_office(p)}办理"},
                {"action": "investigated", "note": "现场核查"},
            ]
            if rng.random() < 0.9:
                steps.append({"action": "replied", "note": "已电话回复投诉人"})
                steps.append(
                    {
                        "action": "resolved",
                        "note": "",
                        "outcome": OUTCOMES[int(rng.integers(len(OUTCOMES)))],
                        "substantiated": bool(rng.random() < 0.4),
                    }
                )
                if rng.random() < 0.7:
                    steps.append({"action": "closed", "note": "投诉人满意"})
        elif rng.random() < 0.6:
            steps.append({"action": "assigned", "note": f"转{_office(p)}办理"})
        options = texts[category]
        complaints.append(
            {
                "uscc": p.uscc,
                "received_on": received,
                "source": source,
                "category": category,
                "description": options[int(rng.integers(len(options)))],
                "steps": steps,
            }
        )

    # incidents: mostly falls in homes
    incidents: list[dict[str, Any]] = []
    occ = [(p, (p.record.get("occupied_beds") or 0) + 1) for p in homes] + [
        (p, 8) for p in filed if p.kind in CHILDCARE
    ]
    if occ:
        occ_w = np.array([w for _p, w in occ], dtype=float)
        for _ in range(scaled(OURS["incidents"] * n_years, scale)):
            p = occ[int(rng.choice(len(occ), p=occ_w / occ_w.sum()))][0]
            stories = CHILD_INCIDENTS if p.kind in CHILDCARE else INCIDENT_TEXT
            kinds = list(stories)
            kw = np.array(
                [
                    {
                        "fall": 50,
                        "fall_from_bed": 10,
                        "choking": 10,
                        "wandering": 8,
                        "scald": 6,
                        "pressure_sore": 6,
                        "wrong_ingestion": 4,
                        "outbreak": 3,
                        "other": 3,
                    }[k]
                    for k in kinds
                ],
                dtype=float,
            )
            kind = kinds[int(rng.choice(len(kinds), p=kw / kw.sum()))]
            severity = ("minor", "serious", "major", "critical")[
                int(rng.choice(4, p=np.array([0.55, 0.35, 0.08, 0.02])))
            ]
            day = _recent_day(rng, dt.date(2021, 1, 5), until(as_of, dt.date(2021, 12, 25)))
            occurred = dt.datetime(
                day.year,
                day.month,
                day.day,
                int(rng.integers(6, 22)),
                int(rng.integers(0, 60)),
                tzinfo=SHANGHAI,
            )
            limit = 2 if severity in ("major", "critical") else 24
            delay = rng.uniform(0.3, limit * 0.8) if rng.random() > 0.08 else limit + rng.uniform(2, 30)
            hurt = ("无明显外伤", "轻微擦伤", "经检查骨折，已送医治疗")[
                0 if severity == "minor" else 1 if severity == "serious" else 2
            ]
            closed = None
            if rng.random() < 0.85:
                closed_on = min(day + dt.timedelta(days=int(rng.integers(2, 21))), as_of)
                closed = {
                    "handling": "已通知家属并送医，机构完善防范措施"
                    if severity != "minor"
                    else "现场处置，已通知家属",
                    "closed_on": closed_on,
                }
            incidents.append(
                {
                    "uscc": p.uscc,
                    "occurred_at": occurred,
                    "kind": kind,
                    "severity": severity,
                    "description": stories[kind].format(
                        where=("房间", "走廊", "卫生间", "活动室")[int(rng.integers(4))], hurt=hurt
                    ),
                    "reported_at": occurred + dt.timedelta(hours=float(delay)),
                    "close": closed,
                }
            )

    # fund-raising risk signals at private providers
    risky = [
        p
        for p in filed
        if p.record["ownership"] != "public" and p.kind in ("eldercare_home", "community_centre")
    ]
    risky_w = [3.0 if p.record["ownership"] == "private" else 1.0 for p in risky]
    signals = []
    kinds_cycle = ("prepaid_cards", "memberships", "promised_returns", "large_deposits")
    for n, i in enumerate(choose(rng, len(risky), scaled(OURS["risk_signals"], scale), risky_w)):
        kind = kinds_cycle[n % len(kinds_cycle)]
        signals.append(
            {
                "uscc": risky[i].uscc,
                "kind": kind,
                "detected_on": _recent_day(rng, dt.date(2021, 4, 1), until(as_of, dt.date(2021, 12, 15))),
                "description": RISK_TEXT[kind],
                "amount": f"{int(rng.integers(5, 80)) * 10_000}.00",
                "status": "verified" if n == 0 else "open",
                "acknowledge": n == 0,
            }
        )

    # grades of homes (GB/T 37276): larger and medically equipped homes rate higher
    grade_w = [
        3.0 if p.record.get("has_medical_room") else 1.5 if p.group == "private_home" else 1.0 for p in homes
    ]
    grades = []
    for i in choose(rng, len(homes), scaled(OURS["graded_homes"], scale), grade_w):
        p = homes[i]
        base = 4 if p.beds >= 400 else 3 if p.beds >= 150 else 2
        grade = int(np.clip(base + rng.choice([-1, 0, 0, 1]), 1, 5))
        # grades run three years: rated within the last 2½ years, so all are in force on as_of
        rated = day_between(rng, as_of - dt.timedelta(days=900), until(as_of, dt.date(2021, 11, 30)))
        grades.append(
            {
                "uscc": p.uscc,
                "grade": grade,
                "rated_on": rated,
                "body": "淮北市养老机构等级评定委员会",
                "valid_until": years_later(rated, 3),
            }
        )

    demonstrations = [
        {
            "uscc": p.uscc,
            "granted": True,
            "decided_on": day_between(rng, dt.date(2021, 5, 1), until(as_of, dt.date(2021, 9, 30))),
            "body": "淮北市卫生健康委员会",
            "note": "示范性婴幼儿照护服务机构",
        }
        for p in plan.providers
        if p.group == "childcare_demonstration"
    ]
    return SupervisionPlan(inspections, complaints, incidents, signals, grades, demonstrations)


SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def _inspection(
    p: PlannedProvider, rng: np.random.Generator, date: dt.date, result: str, kind: str, as_of: dt.date
) -> dict[str, Any]:
    problems: list[dict[str, Any]] = []
    if result == "rectify":
        for _ in range(int(rng.integers(1, 4))):
            problems.append(
                {"position": int(rng.integers(0, 100)), "finding": "minor" if rng.random() < 0.6 else "major"}
            )
    elif result == "fail":
        problems = [
            {"position": int(rng.integers(0, 100)), "finding": "critical"},
            {"position": int(rng.integers(0, 100)), "finding": "major"},
        ]
    elif rng.random() < 0.2:
        problems = [{"position": int(rng.integers(0, 100)), "finding": "minor", "no_order": True}]
    orders = []
    for pr in problems:
        pr["note"] = FINDING_NOTES[pr["finding"]][int(rng.integers(len(FINDING_NOTES[pr["finding"]])))]
        if pr.get("no_order"):
            continue
        deadline = date + dt.timedelta(days=15 if pr["finding"] == "minor" else 30)
        follow = None
        if deadline < as_of:
            r = rng.random()
            if r < 0.8:
                follow = {
                    "on": min(max(date, deadline - dt.timedelta(days=int(rng.integers(0, 10)))), as_of),
                    "done": True,
                    "note": "复查已整改到位",
                }
            elif r < 0.9:
                follow = {"on": min(deadline, as_of), "done": False, "note": "复查仍未整改到位"}
        orders.append(
            {
                "position": pr["position"],
                "finding": pr["finding"],
                "requirement": REQUIREMENTS[pr["finding"]],
                "deadline": deadline,
                "follow_up": follow,
            }
        )
    officers = "、".join(sorted({person_name(rng) for _ in range(2)}))
    return {
        "uscc": p.uscc,
        "date": date,
        "kind": kind,
        "result": result,
        "inspectors": f"{_office(p)} {officers}",
        "summary": {
            "pass": "检查合格",
            "rectify": "发现问题，责令限期整改",
            "fail": "存在严重问题，检查不合格",
        }[result],
        "problems": problems,
        "orders": orders,
    }


def supervision_step(ctx: DemoContext, advance: Advance) -> None:
    """Write the supervision records of the providers created in this run, then rate every provider
    on as_of (7 progress units)."""
    plan: ProviderPlan | None = ctx.summary.pop("_providers_plan", None)
    new: set[str] = ctx.summary.pop("_providers_new", set())
    if plan is None:
        return
    actor = ctx.actor
    sp = plan_supervision(plan, seed=ctx.seed, scale=ctx.scale, as_of=ctx.as_of)
    insts = {i.uscc: i for i in Provider.objects.filter(uscc__in=list(new))}
    counts = dict.fromkeys(
        ("inspections", "complaints", "incidents", "risk_signals", "grades", "demonstrations"), 0
    )
    for spec in sp.inspections:
        inst = insts.get(spec["uscc"])
        if inst is None:
            continue
        checklist = sv.checklist_for(inst, on=spec["date"])
        findings: dict[str, dict[str, Any]] = {}
        for pr in spec["problems"]:
            code = checklist[pr["position"] % len(checklist)]["code"]
            findings.setdefault(code, pr)
        items = [
            {
                "code": c["code"],
                "finding": findings[c["code"]]["finding"] if c["code"] in findings else "ok",
                "note": findings[c["code"]]["note"] if c["code"] in findings else "",
            }
            for c in checklist
        ]
        orders: list[dict[str, Any]] = []
        follow_ups: list[dict[str, Any] | None] = []
        for o in spec["orders"]:
            code = checklist[o["position"] % len(checklist)]["code"]
            if any(x["item_code"] == code for x in orders):
                continue
            orders.append({"requirement": o["requirement"], "deadline": o["deadline"], "item_code": code})
            follow_ups.append(o["follow_up"])
        inspection = sv.inspection_record(
            actor=actor,
            provider=inst,
            date=spec["date"],
            kind=spec["kind"],
            inspectors=spec["inspectors"],
            result=spec["result"],
            summary=spec["summary"],
            items=items,
            orders=orders,
        )
        stored = list(RectificationOrder.objects.filter(inspection=inspection).order_by("id"))
        for order, follow in zip(stored, follow_ups, strict=True):
            if follow:
                sv.rectification_follow_up(
                    actor=actor, order=order, on=follow["on"], done=follow["done"], note=follow["note"]
                )
        counts["inspections"] += 1
    advance(1)
    for spec in sp.complaints:
        inst = insts.get(spec["uscc"])
        if inst is None:
            continue
        complaint = sv.complaint_receive(
            actor=actor,
            provider=inst,
            received_on=spec["received_on"],
            source=spec["source"],
            category=spec["category"],
            description=spec["description"],
        )
        for step in spec["steps"]:
            sv.complaint_step_add(
                actor=actor,
                complaint=complaint,
                action=step["action"],
                note=step["note"],
                outcome=step.get("outcome"),
                substantiated=step.get("substantiated"),
            )
        counts["complaints"] += 1
    advance(1)
    for spec in sp.incidents:
        inst = insts.get(spec["uscc"])
        if inst is None:
            continue
        incident = sv.incident_report(
            actor=actor,
            provider=inst,
            occurred_at=spec["occurred_at"],
            kind=spec["kind"],
            severity=spec["severity"],
            description=spec["description"],
            reported_at=spec["reported_at"],
        )
        if spec["close"]:
            sv.incident_close(actor=actor, incident=incident, **spec["close"])
        counts["incidents"] += 1
    advance(1)
    for spec in sp.risk_signals:
        inst = insts.get(spec["uscc"])
        if inst is None:
            continue
        signal = sv.risk_signal_record(
            actor=actor,
            provider=inst,
            kind=spec["kind"],
            detected_on=spec["detected_on"],
            description=spec["description"],
            amount=Decimal(spec["amount"]),
        )
        if spec["status"] != "open":
            sv.risk_signal_set_status(
                actor=actor, signal=signal, status=spec["status"], note="经核查属实，已移交处置非法集资部门"
            )
        if spec["acknowledge"]:
            for alert in Alert.objects.filter(risk_signal=signal):
                sv.alert_acknowledge(actor=actor, alert=alert)
        counts["risk_signals"] += 1
    advance(1)
    for spec in sp.grades:
        inst = insts.get(spec["uscc"])
        if inst is None:
            continue
        sv.grade_record(
            actor=actor,
            provider=inst,
            grade=spec["grade"],
            rated_on=spec["rated_on"],
            body=spec["body"],
            valid_until=spec["valid_until"],
        )
        counts["grades"] += 1
    advance(1)
    for spec in sp.demonstrations:
        inst = insts.get(spec["uscc"])
        if inst is None:
            continue
        sv.demonstration_decide(
            actor=actor,
            provider=inst,
            granted=spec["granted"],
            decided_on=spec["decided_on"],
            body=spec["body"],
            note=spec["note"],
        )
        counts["demonstrations"] += 1
    advance(1)
    counts["credit_ratings"] = sv.credit_compute_all(actor=actor, on=ctx.as_of)
    advance(1)
    ctx.summary["supervision"] = counts
