"""The SQL migrations (``NNNN_name.sql``, one source for both dialects; see :mod:`geowarn.store.schema`)."""
