"""`laoxiao planning coverage|access|site` on files written by hand, and on the platform's data."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command

from laoxiao.planning.tests.factories import make_circle_city


def run(*args: str, command: str = "planning") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(command, *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def rows(path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def street(tmp_path):
    """People along a street in metres: facilities at x = 0 and x = 1500."""
    (tmp_path / "d.csv").write_text(
        "id,x,y,weight,region\nA,0,0,10,东\nB,600,0,20,东\nC,1000,0,30,西\nD,1100,0,40,西\nE,3000,0,50,西\n",
        encoding="utf-8",
    )
    (tmp_path / "s.csv").write_text("id,x,y,capacity\nS1,0,0,6\nS2,1500,0,9\n", encoding="utf-8")
    (tmp_path / "c.csv").write_text("id,x,y\nK1,3000,100\nK2,800,0\nK3,2600,0\n", encoding="utf-8")
    return tmp_path


def test_coverage_from_files(street):
    code, out, _ = run(
        "coverage", "--demand", str(street / "d.csv"), "--supply", str(street / "s.csv"),
        "--radius", "1000", "--out", str(street / "o.csv"),
    )  # fmt: skip
    assert code == 0
    assert rows(street / "o.csv") == [
        {"id": "A", "nearest_id": "S1", "distance": "0", "covered": "1", "count": "1"},
        {"id": "B", "nearest_id": "S1", "distance": "600", "covered": "1", "count": "2"},
        {"id": "C", "nearest_id": "S2", "distance": "500", "covered": "1", "count": "2"},
        {"id": "D", "nearest_id": "S2", "distance": "400", "covered": "1", "count": "1"},
        {"id": "E", "nearest_id": "S2", "distance": "1500", "covered": "0", "count": "0"},
    ]
    assert "100 / 150 = 66.7%" in out  # 10+20+30+40 of 150
    assert "region 东: 覆盖 covered 30 / 30 = 100.0%" in out
    assert "region 西: 覆盖 covered 70 / 120 = 58.3%" in out


def test_plan_is_an_alias_of_planning(street):
    """``laoxiao plan ...`` (the command's name before issue 11) runs the same analysis."""
    args = [
        "coverage",
        "--demand",
        str(street / "d.csv"),
        "--supply",
        str(street / "s.csv"),
        "--radius",
        "1000",
    ]
    code, out, _ = run(*args, "--out", str(street / "o.csv"))
    alias_code, alias_out, _ = run(*args, "--out", str(street / "alias.csv"), command="plan")
    assert alias_code == code == 0

    def summary(text: str) -> list[str]:  # without the file written and the time taken
        return [line for line in text.splitlines() if not line.startswith(("写入", "用时"))]

    assert summary(alias_out) == summary(out) and "100 / 150 = 66.7%" in alias_out
    assert rows(street / "alias.csv") == rows(street / "o.csv")


def test_coverage_with_a_detour_and_over_a_network(street):
    code, _, _ = run(
        "coverage", "--demand", str(street / "d.csv"), "--supply", str(street / "s.csv"),
        "--radius", "1000", "--detour", "1.3", "--out", str(street / "o.csv"),
    )  # fmt: skip
    assert code == 0
    got = rows(street / "o.csv")
    # walking ≈ straight × 1.3: B 780 m, C 650, D 520, E 1,950 (out); B no longer reaches S2 (1,170 m),
    assert [r["distance"] for r in got] == ["0", "780", "650", "520", "1950"]
    assert [r["covered"] for r in got] == ["1", "1", "1", "1", "0"]
    assert [r["count"] for r in got] == ["1", "1", "1", "1", "0"]  # C: S1 at 1,300 m
    # a network where the street is cut between x=600 and x=1000: from C one walks round by y=900
    (street / "n.csv").write_text(
        "id,x,y\n0,0,0\n1,600,0\n2,1000,0\n3,1500,0\n4,3000,0\n5,600,900\n6,1000,900\n"
    )
    (street / "e.csv").write_text("from,to,length\n0,1,600\n2,3,500\n3,4,1500\n1,5,900\n5,6,400\n6,2,900\n")
    code, out, _ = run(
        "coverage", "--demand", str(street / "d.csv"), "--supply", str(street / "s.csv"), "--radius", "1000",
        "--network-nodes", str(street / "n.csv"), "--network-edges", str(street / "e.csv"), "--out", str(street / "o.csv"),
    )  # fmt: skip
    assert code == 0, out
    got = rows(street / "o.csv")
    # D (x = 1100) snaps to the node at x = 1000 (100 m), then 500 m of street to S2
    assert [r["distance"] for r in got] == ["0", "600", "500", "600", "1500"]
    assert [r["count"] for r in got] == ["1", "1", "1", "1", "0"]  # B no longer reaches S2 (2,700 m round)


def test_access_from_files(street):
    code, out, _ = run(
        "access", "--method", "2sfca", "--radius", "1000", "--demand", str(street / "d.csv"),
        "--supply", str(street / "s.csv"), "--out", str(street / "a.csv"),
    )  # fmt: skip
    assert code == 0, out
    got = {r["id"]: float(r["score"]) for r in rows(street / "a.csv")}
    # pairs < 1000: S1 {A 0, B 600}; S2 {B 900, C 500, D 400}. R1 = 6/30 = 0.2, R2 = 9/90 = 0.1
    assert got == pytest.approx({"A": 0.2, "B": 0.3, "C": 0.1, "D": 0.1, "E": 0.0})
    code, _, _ = run(
        "access", "--method", "e2sfca", "--steps", "500:1,1000:0.5", "--radius", "1000",
        "--demand", str(street / "d.csv"), "--supply", str(street / "s.csv"), "--out", str(street / "a.csv"),
    )  # fmt: skip
    assert code == 0
    got = {r["id"]: float(r["score"]) for r in rows(street / "a.csv")}
    # S1: 10·1 + 20·0.5 = 20 → 0.3; S2: 20·0.5 + 30·1 + 40·1 = 80 → 0.1125
    assert got == pytest.approx({"A": 0.3, "B": 0.15 + 0.05625, "C": 0.1125, "D": 0.1125, "E": 0.0})
    code, _, _ = run(
        "access", "--method", "e2sfca", "--decay", "gaussian", "--radius", "1000",
        "--demand", str(street / "d.csv"), "--supply", str(street / "s.csv"), "--out", str(street / "g.csv"),
    )  # fmt: skip
    assert code == 0 and len(rows(street / "g.csv")) == 5


def test_site_from_files(street):
    code, out, _ = run(
        "site", "--demand", str(street / "d.csv"), "--candidates", str(street / "c.csv"),
        "--existing", str(street / "s.csv"), "--radius", "1000", "--k", "1", "--out", str(street / "k.csv"),
    )  # fmt: skip
    assert code == 0, out
    assert rows(street / "k.csv") == [{"id": "K1", "order": "1", "added_weight": "50"}]
    assert "before 100 (66.7%)" in out and "after 150 (100.0%)" in out
    assert "optimality gap: 0.000%" in out
    code, out, _ = run(
        "site", "--demand", str(street / "d.csv"), "--candidates", str(street / "c.csv"),
        "--radius", "1000", "--target", "0.9", "--out", str(street / "t.csv"),
    )  # fmt: skip
    assert code == 0, out
    assert sorted(r["id"] for r in rows(street / "t.csv")) == ["K2", "K3"]  # K2 reaches A–D, K3 reaches E


def test_a_bad_file_names_row_and_column_and_writes_nothing(street):
    (street / "bad.csv").write_text("id,x,y,weight\nA,0,0,10\nB,zz,0,5\n", encoding="utf-8")
    out = street / "never.csv"
    code, _, err = run(
        "coverage", "--demand", str(street / "bad.csv"), "--supply", str(street / "s.csv"),
        "--radius", "1000", "--out", str(out),
    )  # fmt: skip
    assert code == 1
    assert "row 3, column x: not a number 'zz'" in err
    assert "第 3 行「x」列" in err
    assert not out.exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["coverage", "--radius", "1000"], "missing: --demand, --supply"),
        (["coverage", "--radius", "-5", "--region", "340603"], "--radius must be more than 0"),
        (["access", "--method", "2sfca", "--sigma", "3", "--radius", "1000"], "--sigma and --steps apply"),
        (["site", "--radius", "1000"], "give one of --k and --target"),
    ],
)
def test_options_that_do_not_fit(tmp_path, args, message):
    code, _, err = run(*args, "--out", str(tmp_path / "o.csv"))
    assert code == 1
    assert message in err
    assert not (tmp_path / "o.csv").exists()


def test_k_larger_than_the_candidates(street):
    code, _, err = run(
        "site", "--demand", str(street / "d.csv"), "--candidates", str(street / "c.csv"),
        "--radius", "1000", "--k", "4", "--out", str(street / "k.csv"),
    )  # fmt: skip
    assert code == 1 and "between 1 and 3" in err


def test_mixed_coordinates_are_refused(street):
    (street / "ll.csv").write_text("id,lon,lat,capacity\nS,116.8,33.9,1\n")
    code, _, err = run(
        "coverage", "--demand", str(street / "d.csv"), "--supply", str(street / "ll.csv"),
        "--radius", "1000", "--out", str(street / "o.csv"),
    )  # fmt: skip
    assert code == 1 and "lon/lat in every file or metres in every file" in err


def test_the_platforms_own_data(db, city, admin_user, tmp_path):
    make_circle_city(admin_user)
    code, out, _ = run("coverage", "--region", "340603", "--radius", "1000", "--out", str(tmp_path / "o.csv"))
    assert code == 0, out
    got = {r["id"]: r for r in rows(tmp_path / "o.csv")}
    assert set(got) == {"340603001001", "340603001002"}
    assert got["340603001001"]["covered"] == "1"
    assert float(got["340603001001"]["distance"]) == pytest.approx(300, abs=0.5)
    assert got["340603001002"]["covered"] == "0"  # the draft home does not count
    assert "3 / 4 = 75.0%" in out
    code, out, _ = run(
        "access",
        "--region",
        "340603",
        "--method",
        "2sfca",
        "--radius",
        "1000",
        "--out",
        str(tmp_path / "a.csv"),
    )
    assert code == 0, out
    assert {r["id"]: float(r["score"]) for r in rows(tmp_path / "a.csv")} == pytest.approx(
        {"340603001001": 40 / 3, "340603001002": 0.0}
    )
    code, out, _ = run(
        "access", "--region", "340621", "--group", "children", "--method", "2sfca", "--radius", "1000",
        "--out", str(tmp_path / "c.csv"),
    )  # fmt: skip
    assert code == 0  # no children registered: scores 0, and no division by zero
    assert {r["score"] for r in rows(tmp_path / "c.csv")} == {"0"}
    code, out, _ = run(
        "site", "--region", "340603", "--radius", "1000", "--k", "1", "--out", str(tmp_path / "s.csv")
    )
    assert code == 0, out
    assert rows(tmp_path / "s.csv") == [{"id": "340603001002", "order": "1", "added_weight": "1"}]
    code, out, err = run(
        "coverage", "--region", "999999", "--radius", "1000", "--out", str(tmp_path / "x.csv")
    )
    assert code == 1 and "no such region" in err


def test_site_with_capacities(street):
    (street / "cap.csv").write_text("id,x,y,capacity\nK1,3000,100,20\nK2,800,0,200\nK3,2600,0,35\n")
    code, out, _ = run(
        "site", "--demand", str(street / "d.csv"), "--candidates", str(street / "cap.csv"), "--capacitated",
        "--radius", "1000", "--k", "1", "--out", str(street / "k.csv"),
    )  # fmt: skip
    assert code == 0, out
    assert rows(street / "k.csv") == [{"id": "K2", "order": "1", "added_weight": "100"}]  # A–D: 10+20+30+40
    code, out, _ = run(
        "site", "--demand", str(street / "d.csv"), "--candidates", str(street / "cap.csv"), "--capacitated",
        "--existing", str(street / "s.csv"), "--radius", "1000", "--k", "1", "--out", str(street / "k.csv"),
    )  # fmt: skip
    assert code == 0, out
    assert rows(street / "k.csv") == [
        {"id": "K3", "order": "1", "added_weight": "35"}
    ]  # E needs 50, K3 holds 35
    (street / "nocap.csv").write_text("id,x,y\nK1,3000,100\n")
    code, _, err = run(
        "site", "--demand", str(street / "d.csv"), "--candidates", str(street / "nocap.csv"), "--capacitated",
        "--radius", "1000", "--k", "1", "--out", str(street / "k.csv"),
    )  # fmt: skip
    assert code == 1 and "row 1, column capacity: this column is missing" in err
