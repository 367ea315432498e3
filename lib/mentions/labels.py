"""Readable labels for codes: language and country names, service names, message types.

Codes stay in the data and the URL; only what the user reads is translated.
"""

from __future__ import annotations

from functools import lru_cache

import pycountry

from lib.mentions.schema import SERVICE_LABELS, readable

CONTINENTS = {
    "AF": "Africa",
    "AN": "Antarctica",
    "AS": "Asia",
    "EU": "Europe",
    "NA": "North America",
    "OC": "Oceania",
    "SA": "South America",
}


@lru_cache(maxsize=4096)
def language_name(code: str) -> str:
    if not code:
        return "(unknown language)"
    found = pycountry.languages.get(alpha_2=code) if len(code) == 2 else pycountry.languages.get(alpha_3=code)
    return f"{found.name} ({code})" if found else code


@lru_cache(maxsize=4096)
def country_name(code: str) -> str:
    if not code:
        return "(no location)"
    found = pycountry.countries.get(alpha_2=code) if len(code) == 2 else None
    return getattr(found, "common_name", None) or (found.name if found else code)


@lru_cache(maxsize=4096)
def country_alpha3(code: str) -> str | None:
    """ISO alpha-3 for a map, or None for a code that isn't a country."""
    found = pycountry.countries.get(alpha_2=code) if len(code) == 2 else None
    return found.alpha_3 if found else None


def label(column: str, value: str) -> str:
    """What to show for ``value`` of ``column``."""
    if column == "messageLanguage":
        return language_name(value)
    if column == "locationCountry":
        return country_name(value)
    if column == "locationContinent":
        return CONTINENTS.get(value, value or "(no location)")
    if column == "sourceService":
        return SERVICE_LABELS.get(value) or readable(value)
    if column in ("messageType", "sourceCategory", "status", "priority"):
        return readable(value)
    if column == "messageSentiment":
        return value.capitalize() if value else "Unset"
    return value if value else "(blank)"
