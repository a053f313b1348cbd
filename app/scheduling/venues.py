"""Venues: rooms with an address, or online meeting places."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Invalid, NotFound
from app.scheduling.models import Venue


def list_venues(db: Session) -> list[Venue]:
    """Every venue, by name."""
    return list(db.scalars(select(Venue).order_by(Venue.name, Venue.id)))


def get_venue(db: Session, venue_id: int) -> Venue:
    """One venue; ``NotFound`` when there is none with this id."""
    venue = db.get(Venue, venue_id)
    if venue is None:
        raise NotFound(f"There is no venue {venue_id}.")
    return venue


def create_venue(
    db: Session, *, name: str, address: str = "", online_url: str | None = None
) -> Venue:
    """Add a venue: a name and an address, or an https link for online sessions."""
    name = name.strip()
    address = address.strip()
    link = (online_url or "").strip() or None
    if not name:
        raise Invalid("Give the venue a name.")
    if len(name) > 200:
        raise Invalid("A venue name has at most 200 characters.")
    if not address and link is None:
        raise Invalid("Give an address for a room, or a link for an online venue.")
    if link is not None and (not link.startswith(("https://", "http://")) or len(link) > 500):
        raise Invalid("An online link starts with https:// and has at most 500 characters.")
    if db.scalar(select(Venue.id).where(Venue.name == name)) is not None:
        raise Invalid(f"There is already a venue called '{name}'.")
    venue = Venue(name=name, address=address, online_url=link)
    db.add(venue)
    db.flush()
    return venue
