from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "laoxiao.demo"
    label = "demo"
