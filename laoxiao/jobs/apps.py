from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "laoxiao.jobs"
    label = "jobs"

    def ready(self) -> None:
        # Django wiring: the kinds import models and other apps, so they register once the registry is ready
        from laoxiao.jobs import kinds  # noqa: F401
