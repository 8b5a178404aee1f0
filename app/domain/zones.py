"""Where a provider works or buys leads: a whole département, or a postcode and a radius."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.errors import FieldErrors
from app.domain.postcodes import InvalidPostcode, normalize_postcode
from app.reference import departements

MAX_RADIUS_KM = 200


@dataclass(frozen=True)
class ZoneInput:
    departement_code: str | None = None
    postcode: str | None = None
    radius_km: int | None = None

    @property
    def label(self) -> str:
        if self.departement_code:
            dep = departements().get(self.departement_code)
            return f"{self.departement_code} – {dep.name}" if dep else self.departement_code
        return f"{self.postcode} + {self.radius_km} km"


def check_zones(zones: list[ZoneInput]) -> list[ZoneInput]:
    checked = []
    for zone in zones:
        if zone.departement_code:
            if zone.departement_code not in departements():
                raise FieldErrors({"zones": f"Département inconnu : {zone.departement_code}."})
            checked.append(ZoneInput(departement_code=zone.departement_code))
            continue
        try:
            postcode = normalize_postcode(zone.postcode or "")
        except InvalidPostcode as exc:
            raise FieldErrors({"zones": f"Zone : {exc}"}) from None
        if zone.radius_km is None or not 1 <= zone.radius_km <= MAX_RADIUS_KM:
            raise FieldErrors({"zones": f"Le rayon d'une zone va de 1 à {MAX_RADIUS_KM} km."})
        checked.append(ZoneInput(postcode=postcode, radius_km=zone.radius_km))
    return checked


def parse_departement_codes(text: str) -> list[str]:
    """The département codes typed in a field: « 75, 92 ; 2A, 1 » -> ["75", "92", "2A", "01"].

    Separated by commas, semicolons or spaces; a one-digit code gets its leading zero; case
    does not matter (« 2a »). Raises FieldErrors on `departements` naming the unknown ones.
    """
    codes: list[str] = []
    for part in text.replace(";", ",").replace(" ", ",").split(","):
        code = part.strip().upper()
        if not code:
            continue
        if code.isdigit() and len(code) == 1:
            code = code.zfill(2)
        if code not in codes:
            codes.append(code)
    unknown = [c for c in codes if c not in departements()]
    if unknown:
        raise FieldErrors({"departements": f"Département(s) inconnu(s) : {', '.join(unknown)}."})
    return codes
