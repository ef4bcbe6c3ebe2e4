"""The planning analyses as pure numpy/scipy code: no Django, no database (pinned by
tests/test_geo.py, which imports every module of this package in a fresh interpreter).

``geo`` (to metres), ``coverage`` and ``network`` (service circles), ``accessibility`` (2SFCA),
``siting`` (maximal and set covering), ``io`` (the planners' CSV files); ``projection`` and
``projection_files`` (cohort-component projection), ``demand`` (need, supply, gaps),
``residential`` (the facilities standards of residential projects). See docs/planning.md.
"""
