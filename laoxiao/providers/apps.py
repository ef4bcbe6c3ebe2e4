from django.apps import AppConfig


class ProvidersConfig(AppConfig):
    name = "laoxiao.providers"
    label = "providers"
