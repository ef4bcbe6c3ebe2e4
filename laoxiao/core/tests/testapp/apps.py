from django.apps import AppConfig


class TestappConfig(AppConfig):
    name = "laoxiao.core.tests.testapp"
    label = "core_testapp"
