"""Statistics of the cooperation (issue 17): volumes, receipts, answer times. Pure rules, no I/O."""

from samhandling.domain.statistics.figures import (
    DIALOGUE_STARTS,
    MessageFacts,
    Receipt,
    ReceiptShares,
    TimeSummary,
    dialogue_answer_times,
    percentile,
    period_key,
    receipt_shares,
    receipt_times,
    silent_partners,
    summarise,
    volumes,
)

__all__ = [
    "DIALOGUE_STARTS",
    "MessageFacts",
    "Receipt",
    "ReceiptShares",
    "TimeSummary",
    "dialogue_answer_times",
    "percentile",
    "period_key",
    "receipt_shares",
    "receipt_times",
    "silent_partners",
    "summarise",
    "volumes",
]
