"""The document worker process: ``dramatiq app.worker``.

Dramatiq imports this module to find the actors. It wires the features' hooks first, as
the web app and the ``apex`` command do, so work done in the worker (rendering a batch
of certificates that issues them) reaches the same receivers.
"""

from app import wiring
from app.documents.session_docs.jobs import broker, render_document_job

wiring.wire()

__all__ = ["broker", "render_document_job"]
