from django.apps import AppConfig


class TestappConfig(AppConfig):
    name = "laoxiao.core.tests.testapp"
    label = "core_testapp"

    def ready(self) -> None:
        from laoxiao.core.reveal import register_scoped_read

        register_scoped_read("core_testapp.resident", "laoxiao.core.reveal:_manager_visible_to")
