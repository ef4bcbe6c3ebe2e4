"""The plan's spreadsheets: ``tasks`` (a joint meeting's agenda). Table 1 is ``laoxiao.plan.table1``."""
