from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from laoxiao.web.navigation import navigation_for


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the page frame needs: the navigation the user may use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    return {"nav": navigation_for(user), "path": request.path}
