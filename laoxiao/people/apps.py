from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "laoxiao.people"
    label = "people"
