"""The vocabulary of provider prospecting: pipeline stages, activities, sources."""

from __future__ import annotations

from enum import StrEnum


class ProviderStage(StrEnum):
    PROSPECT = "prospect"
    CONTACTED = "contacted"
    SIMULATION_SHOWN = "simulation_shown"
    PROPOSAL_SENT = "proposal_sent"
    SIGNED = "signed"
    LOST = "lost"


PIPELINE_STAGES = tuple(ProviderStage)
STAGE_LABELS = {
    ProviderStage.PROSPECT: "Prospect",
    ProviderStage.CONTACTED: "Contacté",
    ProviderStage.SIMULATION_SHOWN: "Simulation présentée",
    ProviderStage.PROPOSAL_SENT: "Proposition envoyée",
    ProviderStage.SIGNED: "Signé",
    ProviderStage.LOST: "Perdu",
}


class LostReason(StrEnum):
    PRICE = "price"
    NOT_ENOUGH_DEMAND = "not_enough_demand"
    COMPETITOR = "competitor"
    NO_NEED = "no_need"
    UNREACHABLE = "unreachable"
    OTHER = "other"


LOST_REASON_LABELS = {
    LostReason.PRICE: "Prix trop élevé",
    LostReason.NOT_ENOUGH_DEMAND: "Pas assez de demandes",
    LostReason.COMPETITOR: "Travaille avec un concurrent",
    LostReason.NO_NEED: "Pas de besoin (carnet plein)",
    LostReason.UNREACHABLE: "Injoignable",
    LostReason.OTHER: "Autre",
}


class ProviderSource(StrEnum):
    MANUAL = "manual"
    IMPORT = "import"
    REFERRAL = "referral"
    INBOUND = "inbound"
    TRADE_FAIR = "trade_fair"


SOURCE_LABELS = {
    ProviderSource.MANUAL: "Saisie manuelle",
    ProviderSource.IMPORT: "Fichier de prospects",
    ProviderSource.REFERRAL: "Recommandation",
    ProviderSource.INBOUND: "Demande entrante",
    ProviderSource.TRADE_FAIR: "Salon",
}

LEGAL_FORMS = ("EI", "EIRL", "EURL", "SARL", "SAS", "SASU", "SA", "SCOP", "SNC", "Autre")


class ActivityKind(StrEnum):
    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    NOTE = "note"
    TASK = "task"


ACTIVITY_LABELS = {
    ActivityKind.CALL: "Appel",
    ActivityKind.EMAIL: "E-mail",
    ActivityKind.MEETING: "Rendez-vous",
    ActivityKind.NOTE: "Note",
    ActivityKind.TASK: "Tâche",
}


class CallOutcome(StrEnum):
    REACHED = "reached"
    VOICEMAIL = "voicemail"
    NO_ANSWER = "no_answer"
    WRONG_NUMBER = "wrong_number"


CALL_OUTCOME_LABELS = {
    CallOutcome.REACHED: "Joint",
    CallOutcome.VOICEMAIL: "Messagerie",
    CallOutcome.NO_ANSWER: "Pas de réponse",
    CallOutcome.WRONG_NUMBER: "Faux numéro",
}

CONTACT_ROLES = ("Gérant", "Associé", "Assistant(e)", "Commercial", "Comptable", "Autre")
