"""Documents, in rooms: ``pdf/`` (engine, fetcher, QR, splitter, the WeasyPrint internals),
``files/`` (storage and serving), ``session_docs/``, ``certificates/``, ``invoices/``.

``models.py``, ``schemas.py``, ``cli.py`` and ``routes.py`` (the session documents pages
and API) stay at the feature root.
"""
