"""``laoxiao user create USERNAME --role ROLE [--role ...] --region CODE [...] [--password P]``
and ``laoxiao user list``: accounts from the terminal (logged like every change)."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from laoxiao.accounts import roles
from laoxiao.accounts.actions import system_actor, user_create
from laoxiao.accounts.models import User


class Command(BaseCommand):
    help = "Create or list staff accounts with roles and regions."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create")
        create.add_argument("username")
        create.add_argument("--role", action="append", default=[], choices=list(roles.ROLE_BY_CODE))
        create.add_argument("--region", action="append", default=[], help="12-digit division code")
        create.add_argument("--password", help="(prompted when left out)")
        create.add_argument("--name", default="", help="display name")
        create.add_argument("--unit", help="responsible unit code (bureau reporters)")
        sub.add_parser("list")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["verb"] == "list":
            for u in User.objects.exclude(username="system").order_by("username"):
                regions = ",".join(a.region_id for a in u.region_assignments.all())
                self.stdout.write(f"{u.username:20} {','.join(u.role_codes()):40} {regions}")
            return
        password = opts.get("password") or getpass.getpass("password: ")
        try:
            user = user_create(
                actor=system_actor(),
                username=opts["username"],
                password=password,
                role_codes=opts["role"],
                region_codes=opts["region"],
                display_name=opts["name"],
                unit_code=opts.get("unit"),
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(f"created {user.username}")
