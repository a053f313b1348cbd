"""The PDF engine: templates laid out by WeasyPrint, the URL fetcher, QR codes, the PDF splitter."""
