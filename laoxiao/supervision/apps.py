from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "laoxiao.supervision"
    label = "supervision"
