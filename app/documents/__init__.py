"""Documents: the PDF engine, certificates and verification, workbooks, guides, print packs."""
