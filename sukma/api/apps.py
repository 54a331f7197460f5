from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "sukma.api"
    label = "api"
    verbose_name = "API"
