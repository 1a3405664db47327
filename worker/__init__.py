"""Background jobs (arq): `arq worker.settings.WorkerSettings` runs them; tasks live in worker/tasks.py."""
