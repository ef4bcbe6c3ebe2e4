from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "laoxiao.benefits"
    label = "benefits"
    verbose_name = "Benefits"

    def ready(self) -> None:
        from laoxiao.benefits import cockpit_cards  # noqa: F401 - registers the cockpit card (core.cards)

        # Django wiring: the registry's end of a record (death, move out) stops payments, through
        # the explicit registry ``laoxiao.people.lifecycle`` (imports here: the app registry is ready)
        from laoxiao.benefits.actions.stops import people_ended
        from laoxiao.people import lifecycle

        lifecycle.on_person_ended(people_ended)
