from django.apps import AppConfig


class ServicesConfig(AppConfig):
    name = "laoxiao.services"
    label = "services"
    verbose_name = "Services"
