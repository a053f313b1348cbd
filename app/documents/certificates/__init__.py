"""Certificates: issuing, composing and rendering their PDFs, verification, pages."""
