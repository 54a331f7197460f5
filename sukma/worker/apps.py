from django.apps import AppConfig


class WorkerConfig(AppConfig):
    name = "sukma.worker"
    label = "worker"
    verbose_name = "Worker"
