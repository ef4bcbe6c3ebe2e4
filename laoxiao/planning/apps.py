from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "laoxiao.planning"
    label = "planning"

    def ready(self) -> None:
        # E05 is computed from residential projects: register its definition with the engine.
        from laoxiao.planning import indicators  # noqa: F401
