from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "laoxiao.portal"
    label = "portal"
