from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "sukma.demo"
    label = "demo"
    verbose_name = "Demo"
