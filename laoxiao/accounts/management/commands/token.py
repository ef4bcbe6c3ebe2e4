"""API tokens for integrations.

``laoxiao token create USERNAME [--name NAME]``  prints the new token once (only its hash is kept)
``laoxiao token list USERNAME``                  lists the user's tokens by prefix
``laoxiao token revoke PREFIX``                  revokes the token whose prefix this is
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from laoxiao.accounts.actions import system_actor, token_create, token_revoke
from laoxiao.accounts.models import ApiToken, User


class Command(BaseCommand):
    help = "Create, list and revoke API tokens (Authorization: Bearer <token>)."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="verb", required=True, metavar="create|list|revoke")
        create = sub.add_parser("create", help="create a token for a user and print it once")
        create.add_argument("username")
        create.add_argument("--name", default="", help="what the token is for")
        listing = sub.add_parser("list", help="list a user's tokens")
        listing.add_argument("username")
        revoke = sub.add_parser("revoke", help="revoke a token by its prefix")
        revoke.add_argument("prefix", help="the token's first characters, as `token list` shows them")

    def handle(self, *args: Any, **opts: Any) -> None:
        getattr(self, f"_{opts['verb']}")(opts)

    def _user(self, username: str) -> Any:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"没有此用户 / no such user: {username}")
        return user

    def _create(self, opts: dict[str, Any]) -> None:
        user = self._user(opts["username"])
        if not user.is_active:
            raise CommandError(f"此用户已停用 / this user is inactive: {user.username}")
        token, raw = token_create(actor=system_actor(), user=user, name=opts["name"])
        self.stderr.write(
            f"已为 {user.username} 创建令牌 {token.prefix}…；只显示这一次 / "
            f"token {token.prefix}… created for {user.username}; it is shown only this once:"
        )
        self.stdout.write(raw)

    def _list(self, opts: dict[str, Any]) -> None:
        user = self._user(opts["username"])
        tokens = list(user.api_tokens.order_by("created_at", "pk"))
        if not tokens:
            self.stdout.write(f"{user.username}: 没有令牌 / no tokens")
            return
        for t in tokens:
            used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "-"
            state = f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "active"
            self.stdout.write(
                f"{t.prefix}\t{t.name or '-'}\tcreated {t.created_at:%Y-%m-%d %H:%M}\tused {used}\t{state}"
            )

    def _revoke(self, opts: dict[str, Any]) -> None:
        prefix = opts["prefix"].rstrip("…").strip()
        if len(prefix) < 4:
            raise CommandError("前缀太短 / give at least 4 characters of the prefix")
        matches = list(ApiToken.objects.filter(prefix__startswith=prefix, revoked_at__isnull=True)[:2])
        if not matches:
            raise CommandError(f"没有此有效令牌 / no active token with prefix {prefix}")
        if len(matches) > 1:
            raise CommandError(f"前缀不唯一 / more than one token starts with {prefix}")
        token = token_revoke(actor=system_actor(), token=matches[0])
        self.stdout.write(f"已撤销 / revoked {token.prefix}… ({token.user.username})")
