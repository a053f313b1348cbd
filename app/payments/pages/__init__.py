"""Payments' HTML pages: checkout and orders (public); orders, promos, refunds (staff)."""
