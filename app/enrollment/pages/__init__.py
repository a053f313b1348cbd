"""Enrolment's HTML pages: the public schedule, bookings, seat packs, rosters and requests."""
