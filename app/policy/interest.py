"""Journey-based interest score: how serious a request looks from the consumer's visit.

The score (0-100) sums five signals taken from the journey events recorded before the form
was submitted. Each one is a sign of a real project rather than curiosity or a careless click:

- research (up to 25): guides and price pages read before asking (4 pts per page, at most 5)
  plus project pages browsed (1 pt per page, at most 5);
- return visits (up to 20): 10 pts per earlier visit, at most 2. People come back when the
  project is real;
- care on the form (up to 25): time spent on the form steps. Under 30 s is a bot or a
  careless click (0); 30 s-1 min scores 10; 1-15 min scores 25; beyond 15 min (tab left open)
  scores 15;
- detail (up to 20): a description of 80+ characters scores 15 (30+: 8), a photo adds 5;
- completion (10): an optional form step filled in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from app.domain.enums import JourneyEventKind


@dataclass(frozen=True)
class JourneyStep:
    kind: JourneyEventKind
    duration_seconds: int = 0
    optional_step: bool = False


def interest_score(journey: Iterable[JourneyStep], description: str = "") -> int:
    steps = list(journey)
    content_views = sum(1 for s in steps if s.kind == JourneyEventKind.CONTENT_VIEW)
    page_views = sum(1 for s in steps if s.kind == JourneyEventKind.PAGE_VIEW)
    returns = sum(1 for s in steps if s.kind == JourneyEventKind.RETURN_VISIT)
    form_steps = [s for s in steps if s.kind == JourneyEventKind.FORM_STEP]
    photos = any(s.kind == JourneyEventKind.PHOTO_UPLOAD for s in steps)

    research = min(content_views, 5) * 4 + min(page_views, 5)
    loyalty = min(returns, 2) * 10

    form_seconds = sum(s.duration_seconds for s in form_steps)
    if form_seconds < 30:
        care = 0
    elif form_seconds < 60:
        care = 10
    elif form_seconds <= 15 * 60:
        care = 25
    else:
        care = 15

    text_length = len(description.strip())
    detail = 15 if text_length >= 80 else 8 if text_length >= 30 else 0
    detail += 5 if photos else 0

    optional = [s for s in form_steps if s.optional_step]
    completion = 10 if optional else 0

    return max(0, min(100, research + loyalty + care + detail + min(completion, 10)))
