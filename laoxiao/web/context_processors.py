from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the page frame needs: the navigation the user may use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    from laoxiao.web.navigation import navigation_for

    return {"nav": navigation_for(user), "path": request.path}
