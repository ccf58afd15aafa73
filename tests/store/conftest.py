"""The store suite runs against SQLite and against a real PostgreSQL + PostGIS (never mocked):
the ``store_url`` and ``store`` fixtures of ``tests/pg.py``."""
