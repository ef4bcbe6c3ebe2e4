"""Services that reach people (issue 13): home-care orders with verified visits, meals, family care
beds, respite, emergency calls and hourly childcare, and the monthly claims that pay providers only
for what was verified. See ``docs/services.md``."""
