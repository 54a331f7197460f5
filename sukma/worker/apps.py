from django.apps import AppConfig


class WorkerConfig(AppConfig):
    name = "sukma.worker"
    label = "worker"
    verbose_name = "Worker"

    def ready(self):
        # Makes the worker's Celery app the current one in every process, so that
        # sukma.background sends by task name through it (broker, schema headers).
        from sukma.worker import celery  # noqa: F401
