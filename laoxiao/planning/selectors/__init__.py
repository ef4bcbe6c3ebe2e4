"""Reads of the platform's data for the planning analyses, scoped by region, each with its cache
where the analysis is costly: ``circle`` (coverage, accessibility, siting on the registries and
providers), ``demand`` (projection, demand and gaps, computed once per state of the data),
``residential`` (residential projects and their check against the standards)."""
