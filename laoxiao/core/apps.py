from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "laoxiao.core"
    label = "core"
    verbose_name = "Core"
