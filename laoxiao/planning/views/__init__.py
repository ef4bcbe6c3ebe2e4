"""Pages of the planning analyses: ``circle`` (coverage, accessibility, siting), ``demand``
(projection, demand and gaps, residential projects)."""
