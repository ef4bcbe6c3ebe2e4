"""The benefits models, one topic per module; imported here so Django finds them."""

from laoxiao.benefits.models.accounts import PaymentAccount
from laoxiao.benefits.models.applications import Application, ApplicationVote
from laoxiao.benefits.models.batches import BatchChunk, Overpayment, PaymentBatch, PaymentItem
from laoxiao.benefits.models.programmes import Programme, ProgrammeBudget
from laoxiao.benefits.models.reconciliation import ReconciliationFile

__all__ = [
    "Application",
    "ApplicationVote",
    "BatchChunk",
    "Overpayment",
    "PaymentAccount",
    "PaymentBatch",
    "PaymentItem",
    "Programme",
    "ProgrammeBudget",
    "ReconciliationFile",
]
