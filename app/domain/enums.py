"""Business vocabularies shared by every layer. Values are stored; labels are French."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    EXPERT = "expert"
    SALES = "sales"
    MANAGER = "manager"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.EXPERT: "Expert qualification",
    Role.SALES: "Commercial",
    Role.MANAGER: "Manager",
    Role.ADMIN: "Administrateur",
}


class LeadStatus(StrEnum):
    TO_QUALIFY = "to_qualify"  # in the qualification call queue
    CALLBACK = "callback"  # waiting for a scheduled callback; back in the queue when due
    QUALIFIED = "qualified"  # re-qualified, waiting for release
    RELEASED = "released"  # released for dispatch to providers
    CLOSED = "closed"


LEAD_STATUS_LABELS = {
    LeadStatus.TO_QUALIFY: "À qualifier",
    LeadStatus.CALLBACK: "Rappel planifié",
    LeadStatus.QUALIFIED: "Qualifié – à libérer",
    LeadStatus.RELEASED: "Libéré pour diffusion",
    LeadStatus.CLOSED: "Clos",
}

OPEN_STATUSES = frozenset({LeadStatus.TO_QUALIFY, LeadStatus.CALLBACK, LeadStatus.QUALIFIED})


class Disposition(StrEnum):
    """Outcome of one call attempt."""

    # Recorded when the call starts, so that it counts at once; the outcome replaces it.
    PENDING = "pending"
    QUALIFIED = "qualified"
    NOT_INTERESTED = "not_interested"
    UNREACHABLE = "unreachable"
    WRONG_NUMBER = "wrong_number"
    CALLBACK_REQUESTED = "callback_requested"
    DUPLICATE = "duplicate"


DISPOSITION_LABELS = {
    Disposition.PENDING: "Sans issue",
    Disposition.QUALIFIED: "Qualifié",
    Disposition.NOT_INTERESTED: "Pas intéressé",
    Disposition.UNREACHABLE: "Injoignable",
    Disposition.WRONG_NUMBER: "Faux numéro",
    Disposition.CALLBACK_REQUESTED: "Rappel demandé",
    Disposition.DUPLICATE: "Doublon",
}


class CloseReason(StrEnum):
    NOT_INTERESTED = "not_interested"
    WRONG_NUMBER = "wrong_number"
    DUPLICATE = "duplicate"
    FAKE_REQUEST = "fake_request"
    ALREADY_HIRED = "already_hired"
    UNREACHABLE = "unreachable"
    OUT_OF_SCOPE = "out_of_scope"
    OPPOSITION = "opposition"


CLOSE_REASON_LABELS = {
    CloseReason.NOT_INTERESTED: "Pas intéressé",
    CloseReason.WRONG_NUMBER: "Faux numéro",
    CloseReason.DUPLICATE: "Doublon",
    CloseReason.FAKE_REQUEST: "Fausse demande",
    CloseReason.ALREADY_HIRED: "A déjà trouvé un prestataire",
    CloseReason.UNREACHABLE: "Injoignable",
    CloseReason.OUT_OF_SCOPE: "Hors périmètre",
    CloseReason.OPPOSITION: "Opposition aux appels",
}


class DesiredStart(StrEnum):
    ASAP = "asap"
    WITHIN_3_MONTHS = "within_3_months"
    WITHIN_6_MONTHS = "within_6_months"
    LATER = "later"
    UNKNOWN = "unknown"


DESIRED_START_LABELS = {
    DesiredStart.ASAP: "Dès que possible",
    DesiredStart.WITHIN_3_MONTHS: "Sous 3 mois",
    DesiredStart.WITHIN_6_MONTHS: "Sous 6 mois",
    DesiredStart.LATER: "Plus tard",
    DesiredStart.UNKNOWN: "Non précisé",
}


class CallbackStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    CANCELLED = "cancelled"


class SiteKind(StrEnum):
    OWN = "own"
    PARTNER = "partner"


class JourneyEventKind(StrEnum):
    LANDING = "landing"
    PAGE_VIEW = "page_view"
    CONTENT_VIEW = "content_view"  # price guides, project ideas: research before asking
    RETURN_VISIT = "return_visit"
    FORM_STEP = "form_step"
    PHOTO_UPLOAD = "photo_upload"
    FORM_SUBMIT = "form_submit"


JOURNEY_EVENT_LABELS = {
    JourneyEventKind.LANDING: "Arrivée sur le site",
    JourneyEventKind.PAGE_VIEW: "Page vue",
    JourneyEventKind.CONTENT_VIEW: "Guide consulté",
    JourneyEventKind.RETURN_VISIT: "Nouvelle visite",
    JourneyEventKind.FORM_STEP: "Étape du formulaire",
    JourneyEventKind.PHOTO_UPLOAD: "Photo ajoutée",
    JourneyEventKind.FORM_SUBMIT: "Demande envoyée",
}
