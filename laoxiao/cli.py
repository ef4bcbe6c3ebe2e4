"""The ``laoxiao`` command: the project's manage.py.

Every management command runs as ``laoxiao <command>``: ``laoxiao migrate``, ``laoxiao serve``,
``laoxiao demo-city``, ``laoxiao import regions FILE``, ``laoxiao export regions --format csv``...
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laoxiao.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["laoxiao", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
