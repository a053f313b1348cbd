"""Enrolment: seats, holds, waitlist, bundles, seat packs, cancellations, transfers, attendance."""
