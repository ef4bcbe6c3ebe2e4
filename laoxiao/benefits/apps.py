from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "laoxiao.benefits"
    label = "benefits"
    verbose_name = "Benefits"

    def ready(self) -> None:
        from laoxiao.benefits import cockpit_cards  # noqa: F401 - registers the cockpit card (core.cards)
