"""The subcommands of ``laoxiao planning``: ``demand`` (``project``, ``residential``); coverage,
access and site are in the command module itself (``management/commands/planning.py``)."""
