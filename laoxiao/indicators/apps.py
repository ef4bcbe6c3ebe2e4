from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "laoxiao.indicators"
    label = "indicators"
