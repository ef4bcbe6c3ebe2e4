from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "laoxiao.imports"
    label = "imports"
