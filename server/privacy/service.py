"""Visitors' data rights: consent receipts, the preference center, export and erasure.

Reads run on a cursor of their own (in a worker thread); every write is a job for the writer thread, so a
delete never races the insert of a row it removes. No answer tells whether a visitor id was ever seen.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from server.decide.service import visitor_hash
from server.errors import BadRequest
from server.feedback.suppression import SuppressionStore
from server.privacy import store
from server.privacy.interests import VisitorInterests
from server.privacy.profile import ShareNow, known_traits, rating_records, survey_answers
from server.privacy.rate_limit import AddressRateLimit
from server.privacy.schemas import (
    ConsentReceipt, ConsentRecord, ConsentRequest, Erased, ErasureCounts, Export, InterestsRequest, InterestsSaved,
    Profile, ProfileTrait, RatingUndone, UndoRatingRequest, VisitorCounts, VisitorRequest,
)
from server.sites import SiteRegistry
from server.storage.event_log import EventLog
from server.storage.writer import GroupCommitWriter

LEARNER_WAIT_S = 5.0  # the longest an undo or erasure waits for the learner to see every rating stored before it


@dataclass(slots=True)
class PrivacyDeps:
    sites: SiteRegistry
    writer: GroupCommitWriter
    event_log: EventLog
    visitor_key: bytes
    suppression: SuppressionStore
    interests: VisitorInterests
    rate_limit: AddressRateLimit
    trusted_proxies: frozenset[str]
    learned_up_to: Callable[[], int]  # the log position the learner has processed
    forget_sticky: Callable[..., int] = lambda *, site, visitor: 0  # decide's memory of what a visitor was shown
    profile_traits: Callable[[str, str], dict] = lambda site, visitor: {}  # traits from profile answers
    trait_sources: Callable[[str, str], dict] = lambda site, visitor: {}  # trait -> surveys.traits.TraitSource
    counters: Callable[[str, str], object] = lambda site, visitor: None  # counters.tally.Tally or None
    counter_facts: Callable[[str, str], dict] = lambda site, visitor: {}  # the same as rule facts
    forget_surveys: Callable[..., int] = lambda *, site, visitor: 0  # what they were asked, and answered as traits
    # (cursor, site=, visitor=): their behavioural counters, in memory and stored; a writer job, so no flush undoes it
    erase_counters: Callable[..., int] = lambda cursor, *, site, visitor: 0


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def new_receipt() -> str:
    return secrets.token_hex(16)  # 128 random bits


def _hash(deps: PrivacyDeps, site: str, visitor: str) -> str:
    return visitor_hash(deps.visitor_key, site, visitor)


async def record_consent(*, request: ConsentRequest, gpc: bool, deps: PrivacyDeps) -> ConsentReceipt:
    """Append a receipt (a withdrawal is one with every category off); nothing is ever updated in place."""
    hashed = _hash(deps, request.site, request.visitor) if request.visitor else None
    record = ConsentRecord(receipt=new_receipt(), categories=request.categories, source=request.source,
                           policy_version=request.policy_version, gpc=gpc, recorded_at=now_ms())
    await deps.writer.run_job(lambda cursor: store.insert_consent(cursor, site=request.site, visitor=hashed,
                                                                  record=record))
    return ConsentReceipt(record.receipt)


def profile(*, request: VisitorRequest, deps: PrivacyDeps) -> Profile:
    site, hashed = request.site, _hash(deps, request.site, request.visitor)
    with deps.event_log.cursor() as cursor:
        ratings = store.ratings(cursor, site=site, visitor=hashed)
        contexts = store.contexts(cursor, site=site, visitor=hashed)
        consents = store.consents(cursor, site=site, visitor=hashed)
    interests = list(deps.interests.of(site, hashed))
    return Profile(
        interests=interests, traits={**known_traits(contexts, interests), **deps.profile_traits(site, hashed)},
        consents=consents, profile_traits=profile_traits(deps, site, hashed),
        ratings=rating_records(ratings, site=site, visitor=hashed, suppression=deps.suppression,
                               share_now=ShareNow(sites=deps.sites, site=site, contexts=contexts)),
    )


async def export(*, request: VisitorRequest, deps: PrivacyDeps) -> Export:
    site, hashed, at = request.site, _hash(deps, request.site, request.visitor), now_ms()
    # counted first: as a writer job it also waits for every decision queued before it to be stored
    await deps.writer.run_job(lambda cursor: store.record_request(cursor, site=site, kind="export", at=at))

    def read() -> Export:
        with deps.event_log.cursor() as cursor:
            decisions = store.decision_rows(cursor, site=site, visitor=hashed)
            events = store.event_rows(cursor, site=site, visitor=hashed)
        shown = profile(request=request, deps=deps)
        hidden = deps.suppression.of_visitor(site=site, visitor=hashed)
        return Export(
            site=site, exported_at=at, interests=shown.interests, traits=shown.traits, decisions=decisions,
            events=events, ratings=shown.ratings, consents=shown.consents,
            suppressions=[{"block": block, "variant": variant}
                          for block in sorted(hidden) for variant in sorted(hidden[block])],
            survey_answers=survey_answers(events), profile_traits=shown.profile_traits,
            counters=visitor_counts(deps, site, hashed),
        )
    return await asyncio.to_thread(read)


def profile_traits(deps: PrivacyDeps, site: str, hashed: str) -> list[ProfileTrait]:
    return [ProfileTrait(trait=trait, value=source.value, survey=source.survey, question=source.question,
                         answered_at=source.answered_at)
            for trait, source in sorted(deps.trait_sources(site, hashed).items())]


def visitor_counts(deps: PrivacyDeps, site: str, hashed: str) -> VisitorCounts | None:
    tally = deps.counters(site, hashed)
    if tally is None:
        return None
    return VisitorCounts(first_seen=tally.first_seen, last_seen=tally.last_seen, sessions=tally.sessions,
                         page_views=dict(tally.views), tracked_events=dict(tally.events),
                         facts=deps.counter_facts(site, hashed))


async def erase(*, request: VisitorRequest, deps: PrivacyDeps) -> Erased:
    site, hashed = request.site, _hash(deps, request.site, request.visitor)
    rows = await deps.writer.run_job(lambda cursor: store.erase(cursor, log=deps.event_log, site=site, visitor=hashed))
    await deps.writer.run_job(lambda cursor: deps.erase_counters(cursor, site=site, visitor=hashed))
    await _learner_caught_up(deps, rows.rows_end)  # else it could hide a variant again from a rating just erased
    suppressions = deps.suppression.forget(site=site, visitor=hashed)
    deps.interests.forget(site=site, visitor=hashed)
    deps.forget_sticky(site=site, visitor=hashed)
    deps.forget_surveys(site=site, visitor=hashed)
    counts = ErasureCounts(decisions=rows.decisions, events=rows.events, consents=rows.consents,
                           interests=rows.interests, suppressions=suppressions)
    receipt, at = new_receipt(), now_ms()
    await deps.writer.run_job(lambda cursor: store.insert_erasure_receipt(
        cursor, receipt=receipt, site=site, at=at,
        counts=(counts.decisions, counts.events, counts.consents, counts.interests, counts.suppressions)))
    return Erased(deleted=counts, receipt=receipt)


async def save_interests(*, request: InterestsRequest, deps: PrivacyDeps) -> InterestsSaved:
    """Replace the visitor's interests; each must be one the site offers (400 naming the first that is not)."""
    site = deps.sites.site(request.site)
    offered = [interest.id for interest in site.privacy.interests]
    for index, interest in enumerate(request.interests):
        if interest not in offered:
            known = ", ".join(offered) or "none"
            raise BadRequest(f"interests[{index}]: unknown interest {interest!r} for site {site.key!r} "
                             f"(known: {known})")
    chosen = list(dict.fromkeys(request.interests))
    hashed, at = _hash(deps, site.key, request.visitor), now_ms()
    await deps.writer.run_job(lambda cursor: store.save_interests(cursor, site=site.key, visitor=hashed,
                                                                  interests=chosen, at=at))
    deps.interests.set(site=site.key, visitor=hashed, interests=tuple(chosen))
    return InterestsSaved(chosen)


async def undo_rating(*, request: UndoRatingRequest, deps: PrivacyDeps) -> RatingUndone:
    """Withdraw the visitor's ratings of one decision; its variant shows again unless another rating hides it."""
    site, hashed = request.site, _hash(deps, request.site, request.visitor)
    undone = await deps.writer.run_job(lambda cursor: store.undo_rating(
        cursor, log=deps.event_log, site=site, visitor=hashed, decision_id=request.decision_id))
    if undone.ratings and not undone.still_rated_down:
        await _learner_caught_up(deps, undone.rows_end)  # else it could hide the variant again from that rating
        deps.suppression.remove(site=site, visitor=hashed, block=undone.block, variant=undone.variant)
        deps.forget_sticky(site=site, visitor=hashed)  # what was shown instead is decided afresh
    return RatingUndone(undone.ratings)


async def _learner_caught_up(deps: PrivacyDeps, position: int) -> None:
    deadline = time.monotonic() + LEARNER_WAIT_S
    while deps.learned_up_to() < position and time.monotonic() < deadline:
        await asyncio.sleep(0.005)
