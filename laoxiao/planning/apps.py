from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "laoxiao.planning"
    label = "planning"
