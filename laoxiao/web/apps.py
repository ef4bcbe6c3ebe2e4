from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "laoxiao.web"
    label = "web"
