"""A survey's results as CSV: one row per figure (response rate, each question's score and distribution or choice
counts, each breakdown group), and its answers as CSV, text as written (formula-escaped, as every admin CSV)."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from server.admin.reporting.export import _cell, _n

if TYPE_CHECKING:
    from server.admin.reporting.survey_query import Answer
    from server.admin.reporting.survey_results import SurveyResults

HEADER = ["section", "question", "group", "n", "value", "low", "high"]
ANSWERS_HEADER = ["received_at", "question", "value", "choices", "text", "page", "device", "variants_seen"]


def survey_csv(results: SurveyResults) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180
    writer.writerow(HEADER)
    low, high = results.response_rate_ci or (None, None)
    writer.writerow(["response rate", "", "", results.shown, _n(results.response_rate), _n(low), _n(high)])
    for q in results.questions:
        writer.writerow(["answered", q.id, "", q.answered, _n(q.share_of_shown), "", ""])
        if q.score is not None:
            writer.writerow([q.score.kind, q.id, "", q.score.n, _n(q.score.value), _n(q.score.low), _n(q.score.high)])
        for count in q.counts:
            writer.writerow(["count", q.id, _cell(count.label), count.n, "", "", ""])
    for breakdown in results.breakdowns:
        for group in breakdown.groups:
            s = group.score
            writer.writerow([_cell(breakdown.by), results.headline, _cell(group.name), s.n, _n(s.value), _n(s.low),
                             _n(s.high)])
    return out.getvalue()


def answers_csv(answers: list[Answer]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(ANSWERS_HEADER)
    for a in answers:
        writer.writerow([a.received_at, a.question, _n(a.value), " ".join(a.choices), _cell(a.text), _cell(a.page),
                         _cell(str(a.context.get("device", ""))), _cell(" ".join(a.variants))])
    return out.getvalue()
