from django.apps import AppConfig


class InstitutionsConfig(AppConfig):
    name = "laoxiao.institutions"
    label = "institutions"
