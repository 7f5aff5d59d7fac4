"""What a rating changed, in plain words for the preference center; honest when it changed nothing yet."""

from __future__ import annotations

from datetime import UTC, datetime

UNCHANGED = "Your rating is counted; what you see has not changed yet."


def rated_on(ms: int) -> str:
    """The day a rating was given, as a visitor reads it.

    >>> rated_on(1_796_300_000_000)
    '3 Dec 2026'
    """
    day = datetime.fromtimestamp(ms / 1000, UTC)
    return f"{day.day} {day:%b %Y}"


def is_rated_up(feedback: str | None, value: float) -> bool:
    """Thumbs up, or four or five stars."""
    return value >= 4 if feedback == "stars" else value > 0


def rating_effect(*, variant: str, rated_down: bool, rated_up: bool, hidden: bool, rated_at: int,
                  share_then: float | None, share_now: float | None) -> str:
    """`share_then`: the variant's probability when it was rated; `share_now`: under today's policy, for the
    visitor's last context on that block (None when it cannot be worked out).

    >>> rating_effect(variant="deal", rated_down=True, rated_up=False, hidden=True, rated_at=1_796_300_000_000,
    ...               share_then=None, share_now=None)
    'Since you rated “deal” down on 3 Dec 2026 it is hidden for you.'
    >>> rating_effect(variant="story", rated_down=False, rated_up=True, hidden=False, rated_at=0,
    ...               share_then=0.25, share_now=0.4149)
    'After your rating, visitors like you see “story” more often: 41% of choices now.'
    >>> rating_effect(variant="story", rated_down=False, rated_up=True, hidden=False, rated_at=0,
    ...               share_then=0.25, share_now=0.251)
    'Your rating is counted; what you see has not changed yet.'
    """
    if rated_down and hidden:
        return f"Since you rated “{variant}” down on {rated_on(rated_at)} it is hidden for you."
    known = share_then is not None and share_now is not None
    if rated_up and known and round(share_now * 100) > round(share_then * 100):
        return (f"After your rating, visitors like you see “{variant}” more often: "
                f"{round(share_now * 100)}% of choices now.")
    return UNCHANGED
