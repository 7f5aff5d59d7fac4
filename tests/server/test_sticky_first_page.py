"""A new visitor's first page is decided before their id exists; the first impression sent with the new id
claims that decision as the visitor's sticky one: within minutes, once, and only for its own site."""

from __future__ import annotations

from tests.server.conftest import new_id, send
from tests.server.test_sticky import SITE, app, clock, config_path, decide, logged_rows  # noqa: F401 (fixtures)


def test_a_new_visitors_first_page_decision_is_claimed_by_its_impression_and_stays(app, clock):
    """The first page is decided before the visitor has an id; its impression, sent with the new id, makes
    that decision the visitor's sticky one: the second page shows it again, and no second row is logged."""
    first = decide(app, "hero", None)
    visitor = new_id()
    send(app.client, [{"id": new_id(), "type": "impression", "decision_id": first["decision_id"]}],
         site=SITE, visitor=visitor)
    assert all(decide(app, "hero", visitor) == first for _ in range(5))
    assert logged_rows(app, visitor, "hero") == 0  # logged once, before the id existed
    late = decide(app, "hero", None)
    clock.pass_minutes(11)  # an impression long after its decision claims nothing: another visitor's tab, maybe
    other = new_id()
    send(app.client, [{"id": new_id(), "type": "impression", "decision_id": late["decision_id"]}],
         site=SITE, visitor=other)
    assert decide(app, "hero", other)["decision_id"] != late["decision_id"]


def test_a_decision_is_claimed_once_and_never_across_sites(app):
    first = decide(app, "hero", None)
    thief, owner = new_id(), new_id()
    send(app.client, [{"id": new_id(), "type": "impression", "decision_id": first["decision_id"]}],
         site="pk_holdout", visitor=thief)  # another site's impression: unmatched, claims nothing
    send(app.client, [{"id": new_id(), "type": "impression", "decision_id": first["decision_id"]}],
         site=SITE, visitor=owner)
    send(app.client, [{"id": new_id(), "type": "impression", "decision_id": first["decision_id"]}],
         site=SITE, visitor=thief)  # already claimed
    assert decide(app, "hero", owner)["decision_id"] == first["decision_id"]
    assert decide(app, "hero", thief)["decision_id"] != first["decision_id"]
