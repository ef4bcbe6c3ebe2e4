from django.http import HttpRequest  # noqa: F401
from ninja import Router

router = Router(tags=["supervision"])
