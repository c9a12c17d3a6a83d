"""Queuing a task by its name, so that a lower layer can hand work up without importing the layer above.

The channel hands stored webhook events to the conversation floor, and the floor hands messages to the
engine, this way (DESIGN.md: imports run one way). A registered task's own `apply_async` is used, so eager
mode in the unit tests and every routing and retry option still apply.
"""

from celery import current_app


def task_queue(name: str, *args) -> None:
    """Queue the registered task `name` with positional arguments (primary keys, never model instances)."""
    if name not in current_app.tasks:
        # A web process imports task modules only as it uses them; load every app's `tasks` once, as a
        # worker does at start, so that the task is known here (and eager mode in tests applies).
        current_app.loader.import_default_modules()
    current_app.tasks[name].apply_async(args=args)
