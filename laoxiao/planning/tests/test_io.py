"""The planner's files: every bad cell is named by row and column, in Chinese and English."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from laoxiao.planning.analysis.io import PlanningFileError, read_edges, read_points, same_crs, write_csv


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_a_demand_file_in_degrees(tmp_path):
    path = write(tmp_path, "d.csv", "id,lon,lat,weight\nA,116.80,33.95,120\nB,116.81,33.96,0\n\n")
    t = read_points(path, value="weight")
    assert t.ids == ["A", "B"]
    assert t.crs == "lonlat"
    assert t.coords.tolist() == [[116.8, 33.95], [116.81, 33.96]]
    assert t.values is not None and t.values.tolist() == [120, 0]


def test_metres_chinese_headers_bom_and_gb18030(tmp_path):
    path = write(tmp_path, "s.csv", "\ufeff编号,x,y,床位\nS1,100,200,30\n")
    t = read_points(path, value="capacity")
    assert (t.crs, t.ids, t.values.tolist()) == ("xy", ["S1"], [30])
    path = write(tmp_path, "c.csv", "编号,经度,纬度,备注\n候选一,116.8,33.9,东门外\n", encoding="gb18030")
    t = read_points(path)
    assert (t.crs, t.ids) == ("lonlat", ["候选一"])


def test_every_error_names_its_row_and_column(tmp_path):
    path = write(
        tmp_path,
        "d.csv",
        "id,lon,lat,weight\nA,116.8,33.9,10\nA,116.8,33.9,10\nB,abc,33.9,5\nC,200,33.9,\nD,116.8,33.9,-1\n,116.8,33.9,1\n",
    )
    with pytest.raises(PlanningFileError) as exc:
        read_points(path, value="weight")
    got = [(e.row, e.column) for e in exc.value.errors]
    assert got == [(3, "id"), (4, "lon"), (5, "lon"), (5, "weight"), (6, "weight"), (7, "id")]
    text = exc.value.message()
    assert "第 4 行「lon」列：不是数字 'abc'" in text
    assert "row 4, column lon: not a number 'abc'" in text
    assert "row 3, column id: duplicate id (as in row 2)" in text


def test_missing_columns_and_empty_files(tmp_path):
    with pytest.raises(PlanningFileError) as exc:
        read_points(write(tmp_path, "d.csv", "id,lon,weight\nA,1,2\n"), value="weight")
    assert [(e.row, e.column) for e in exc.value.errors] == [(1, "lat")]
    with pytest.raises(PlanningFileError) as exc:
        read_points(write(tmp_path, "d.csv", "id,east,north,weight\nA,1,2,3\n"), value="weight")
    assert [e.column for e in exc.value.errors] == ["x", "y"]
    assert "lon,lat" in exc.value.errors[0].en
    with pytest.raises(PlanningFileError, match="empty"):
        read_points(write(tmp_path, "e.csv", ""))
    with pytest.raises(PlanningFileError, match="no data rows"):
        read_points(write(tmp_path, "h.csv", "id,x,y\n"))
    with pytest.raises(PlanningFileError, match="cannot read"):
        read_points(tmp_path / "absent.csv")


def test_capacity_may_be_left_out_for_coverage(tmp_path):
    t = read_points(write(tmp_path, "s.csv", "id,x,y\nS,0,0\n"), value="capacity", value_required=False)
    assert t.values is None


def test_edges_refer_to_nodes(tmp_path):
    nodes = read_points(write(tmp_path, "n.csv", "id,x,y\nn1,0,0\nn2,100,0\n"))
    edges = read_edges(write(tmp_path, "e.csv", "from,to,length\nn1,n2,120\n"), nodes.ids)
    assert (edges.source.tolist(), edges.target.tolist(), edges.length.tolist()) == ([0], [1], [120])
    with pytest.raises(PlanningFileError) as exc:
        read_edges(write(tmp_path, "e.csv", "from,to,length\nn1,n9,120\nn1,n2,0\nn2,n1,x\n"), nodes.ids)
    assert [(e.row, e.column) for e in exc.value.errors] == [(2, "to"), (3, "length"), (4, "length")]
    with pytest.raises(PlanningFileError) as exc:
        read_edges(write(tmp_path, "e.csv", "a,b,length\n"), nodes.ids)
    assert [e.column for e in exc.value.errors] == ["from", "to"]


def test_files_must_share_their_coordinates(tmp_path):
    a = read_points(write(tmp_path, "a.csv", "id,lon,lat\nA,116,33\n"))
    b = read_points(write(tmp_path, "b.csv", "id,x,y\nB,0,0\n"))
    with pytest.raises(PlanningFileError, match="lon/lat in every file"):
        same_crs(a, b)


def test_write_csv_is_all_or_nothing(tmp_path):
    out = tmp_path / "out.csv"
    assert (
        write_csv(out, ["id", "v"], [("a", 1.0), ("b", 0.1), ("c", np.float64(2.5)), ("d", float("nan"))])
        == 4
    )
    assert list(csv.reader(out.open())) == [["id", "v"], ["a", "1"], ["b", "0.1"], ["c", "2.5"], ["d", ""]]

    def broken():
        yield ("x", 1)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_csv(tmp_path / "never.csv", ["id", "v"], broken())
    assert not (tmp_path / "never.csv").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".plan-")] == []
