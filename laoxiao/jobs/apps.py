from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "laoxiao.jobs"
    label = "jobs"

    def ready(self) -> None:
        from laoxiao.jobs import kinds  # noqa: F401  (registers the job kinds)
