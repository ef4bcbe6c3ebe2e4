from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "laoxiao.benefits"
    label = "benefits"
    verbose_name = "Benefits"
