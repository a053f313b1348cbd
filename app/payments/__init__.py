"""Payments: orders, the invoice and Stripe providers, webhook intake, refunds, promo codes."""
