"""Invoice PDFs for orders paid by invoice, and their download route."""
