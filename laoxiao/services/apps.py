from django.apps import AppConfig


class ServicesConfig(AppConfig):
    name = "laoxiao.services"
    label = "services"
    verbose_name = "Services"

    def ready(self) -> None:
        from laoxiao.services import indicators  # noqa: F401 - registers E04 from records
