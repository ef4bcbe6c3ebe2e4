from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "laoxiao.regions"
    label = "regions"
