from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "laoxiao.api"
    label = "api"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Django wiring: the job worker prunes the stored answers of idempotent requests hourly
        from laoxiao.api.idempotency import prune
        from laoxiao.jobs.periodic import register_periodic

        register_periodic("api.idempotency_prune", 3600, prune)
