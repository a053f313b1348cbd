"""Enrolment: seats, holds, waitlist, programmes, group bookings, seat packs, cancellations,
transfers, attendance."""
