"""Everything one Attune process runs in embedded mode, started and stopped in order."""

from __future__ import annotations

import logging

import duckdb
import numpy as np

from server.feedback.intelligence_thread import FeedbackThread
from server.config.loader import DEMO_CONFIG
from server.config.schema import Config
from server.config.store import ConfigStore, start_config
from server.counters import table as counters_table
from server.counters.flush import CounterFlush, erase as erase_counters
from server.counters.tally import MAX_VISITORS_PER_SITE, VisitorCounters
from server.decide.service import DecideDeps, claim_first_page
from server.decide.sticky import MemoryStickyStore
from server.evaluate.background import BackgroundEvaluator
from server.events.rate_limit import EventRateLimit
from server.events.service import EventsDeps
from server.health import HealthDeps
from server.feedback.suppression import MemorySuppressionStore
from server.learner.runtime import LearnerRuntime
from server.privacy.interests import VisitorInterests
from server.privacy.rate_limit import AddressRateLimit
from server.privacy.service import PrivacyDeps
from server.privacy.retention import RetentionThread
from server.settings import Settings
from server.sites import SiteRegistry
from server.startup import data_dir_error, event_log_error
from server.storage.admin_db import AdminDb
from server.storage.event_log import EventLog
from server.storage.keys import load_or_create_key
from server.storage.rollup import RollupThread
from server.storage.writer import GroupCommitWriter
from server.surveys.history import SurveyHistory
from server.surveys.service import SurveysDeps
from server.surveys.traits import ProfileTraits

log = logging.getLogger("attune")


class Runtime:
    def __init__(self, settings: Settings, config: Config) -> None:
        """Open the data directory; what keeps it from being served raises a StartupError saying what to do."""
        try:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise data_dir_error(settings.data_dir, error) from error
        self.settings = settings
        self.event_log = EventLog(settings.data_dir / "attune.duckdb")
        try:
            self.admin_db = AdminDb(self.event_log)
            config = start_config(self.admin_db, config, file_path=settings.config_path or DEMO_CONFIG)
        except duckdb.Error as error:  # the admin's tables sit in a corrupt block
            self.event_log.close()
            raise event_log_error(self.event_log.path, error) from error
        self.sites = SiteRegistry(config)
        self.config_store = ConfigStore(db=self.admin_db, sites=self.sites)  # admin edits outlive a restart
        try:
            self.visitor_key = load_or_create_key(settings.data_dir / "visitor.key")
        except OSError as error:
            self.event_log.close()
            raise data_dir_error(settings.data_dir, error) from error
        self.suppression = MemorySuppressionStore()
        self.sticky = MemoryStickyStore()  # starts empty: a restart ends every visitor's stickiness once
        self.interests = VisitorInterests()  # loaded at start: decide reads them without a query
        self.counters = VisitorCounters(  # behavioural counters, loaded at start, stored by writer jobs
            page_groups=lambda key: site.counters.page_groups if (site := self.sites.sites.get(key)) and site.counters
            else None)
        self.survey_history = SurveyHistory()  # what each visitor was asked; loaded at start, fed by commits
        self.profile_traits = ProfileTraits(site=lambda key: self.sites.sites.get(key))  # profile answers
        self.learner = LearnerRuntime(
            sites=self.sites, event_log=self.event_log, snapshot_path=settings.data_dir / "learner.snapshot",
            suppression=self.suppression, snapshot_interval=settings.snapshot_interval,
            max_unseen_per_site=settings.max_pending_per_site,
        )
        self.writer = GroupCommitWriter(self.event_log, on_commit=self._committed,
                                        pending_site=lambda decision_id: self.learner.learner.join.site_of(decision_id))
        self.event_rate_limit = EventRateLimit(per_visitor=settings.events_per_visitor,
                                               per_address=settings.events_per_address)
        self.rollup = RollupThread(self.event_log)  # keeps results pages fast however long the log grows
        self.off_policy = BackgroundEvaluator(  # for the results page
            sites=self.sites, event_log=self.event_log, interval=settings.evaluate_minutes * 60,
            enabled=settings.evaluate_minutes > 0)
        # the Feedback page's themes, learned from the log in the background
        self.feedback = FeedbackThread(event_log=self.event_log, snapshot_path=settings.data_dir / "feedback.snapshot")
        # deletes what is past each site's retention periods, in the writer thread
        self.retention = RetentionThread(sites=self.sites, writer=self.writer, event_log=self.event_log,
                                         forget_interests=self.interests.forget, forget_counters=self.counters.expire,
                                         reload_surveys=self._reload_surveys)
        self.events_deps = EventsDeps(sites=self.sites, writer=self.writer, visitor_key=self.visitor_key,
                                      rate_limit=self.event_rate_limit, trusted_proxies=settings.trusted_proxies,
                                      claim_first_page=lambda **claim: claim_first_page(self.decide_deps, **claim))
        self.health_deps = HealthDeps(learner=self.learner, writer=self.writer, event_rate_limit=self.event_rate_limit)
        self.decide_deps = DecideDeps(
            sites=self.sites, log_decision=self.writer.log_decision, suppression=self.suppression,
            visitor_key=self.visitor_key, policy_version=lambda: self.learner.version,
            rng=np.random.default_rng(), interests=self.interests.of, sticky=self.sticky,
            profile_traits=self.profile_traits.of, counters=self.counters,
        )
        self.privacy_deps = PrivacyDeps(
            sites=self.sites, writer=self.writer, event_log=self.event_log, visitor_key=self.visitor_key,
            suppression=self.suppression, interests=self.interests, forget_sticky=self.sticky.forget,
            rate_limit=AddressRateLimit(per_minute=settings.privacy_per_minute),
            trusted_proxies=settings.trusted_proxies, learned_up_to=lambda: self.learner.learner.last_seq,
            profile_traits=self.profile_traits.of, forget_surveys=self._forget_surveys,
            trait_sources=self.profile_traits.sources, counters=self.counters.of, counter_facts=self.counters.facts,
            erase_counters=lambda cursor, **visitor: erase_counters(cursor, self.counters, **visitor),
        )
        self.surveys_deps = SurveysDeps(  # a page view asks once: four times the visitor-rights rate
            sites=self.sites, visitor_key=self.visitor_key, history=self.survey_history, traits=self.profile_traits,
            rate_limit=AddressRateLimit(per_minute=settings.privacy_per_minute * 4),
            trusted_proxies=settings.trusted_proxies, visitor_facts=self.counters.facts,
        )
        self.counter_flush = CounterFlush(counters=self.counters, writer=self.writer)

    def _committed(self, decisions: list, events: list) -> None:
        """The writer's commit hook: survey memory first (an answer's trait is there for the next decide)."""
        self.survey_history.observe(events)
        self.profile_traits.observe(events)
        self.counters.count_events(events)  # `track` events, for the next decide's `<name>_count`
        self.learner.submit(decisions, events)

    def _forget_surveys(self, *, site: str, visitor: str) -> int:
        self.survey_history.forget(site=site, visitor=visitor)
        return self.profile_traits.forget(site=site, visitor=visitor)

    def _reload_surveys(self, cursor, *, site: str, visitors: list[str]) -> None:
        """Retention deleted some of these visitors' survey events: what they were asked and their traits again."""
        self.survey_history.reload(cursor, site=site, visitors=visitors)
        self.profile_traits.reload(cursor, site=site, visitors=visitors)

    def start(self) -> None:
        replayed = self.learner.restore()
        with self.event_log.cursor() as cursor:
            self.interests.load(cursor)
            self.survey_history.load(cursor)
            self.profile_traits.load(cursor)
            self.counters.restore(counters_table.load(cursor, per_site=MAX_VISITORS_PER_SITE))
        log.info("restored the learner: %d rows replayed, %d examples learned", replayed, self.learner.version)
        self.learner.start()
        self.writer.start()
        self.counter_flush.start()
        self.rollup.start()
        self.retention.start()
        self.off_policy.start()
        self.feedback.start()

    def stop(self) -> None:
        self.feedback.stop()  # before the log closes: it reads it, then writes its snapshot
        self.off_policy.stop()  # before the log closes: a replay in progress reads it
        self.retention.stop()  # before the writer: its deletes run there
        self.rollup.stop()
        self.counter_flush.stop()  # stores the last changes: before the writer stops
        self.writer.stop()  # flush what was queued first, so the learner's last snapshot covers it
        self.learner.stop()
        self.event_log.close()
