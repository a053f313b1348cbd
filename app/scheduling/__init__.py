"""Scheduling: recurring series (rules + exceptions), sessions, venues, facilitators, calendars."""
