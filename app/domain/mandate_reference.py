"""The SEPA mandate reference (RUM): its format rule, shared by contracts and collection.

In the domain layer because both a contract's terms (app.domain.contracts) and the direct
debits (app.billing.sepa) check it; billing builds on the domain, never the reverse.
"""

from __future__ import annotations

import re

# A mandate reference (RUM, EPC SDD rulebook AT-01, and the EPC implementation guidelines
# for identifiers): 1 to 35 characters of the SEPA Latin set without spaces, neither starting
# nor ending with "/" and without "//".
_RUM = re.compile(r"^(?!/)(?!.*//)[A-Za-z0-9+?/:().,'-]{1,35}(?<!/)$")
RUM_FORMAT = (
    "Référence unique de mandat (RUM) : 1 à 35 caractères sans espace, lettres sans accent, "
    "chiffres et + ? / : ( ) . , ' - ; ni « / » au début ou à la fin, ni « // »."
)


def valid_rum(text: str) -> bool:
    return bool(_RUM.match(text))
