"""Background work: the Celery app (celery.py), its tasks and beat's schedule.

Tasks are thin: ids in, one service call, their own retry policy; each is idempotent.
Nothing imports this package but Celery itself: services send by task name
(sukma.background).
"""
