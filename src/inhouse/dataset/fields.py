"""Field values of the dataset formats: one parser per kind of value, used by every reader.

Each parser takes the text of a cell or a request field and returns the value, or raises
``ValueError`` whose message is the reason to show (``"XX" is not an ISO 3166-1 …``).
"""

from __future__ import annotations

import re
from typing import Any

from stdnum import lei as stdnum_lei
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError
from stdnum.util import get_cc_module

from inhouse.groups.domain import Control, EmploymentKind

# ISO 3166-1 alpha-2, the 249 officially assigned codes.
_COUNTRY_CODES = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO
    BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ
    DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP
    GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG
    KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML
    MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE
    PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL
    SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM
    US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
"""

# ISO 4217 list one; the last line was withdrawn since 2021 but still fills older records.
_CURRENCY_CODES = """
    AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BHD BIF BMD BND BOB BOV BRL BSD BTN
    BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD
    EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR
    IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD
    MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD
    OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE
    SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI
    UYU UYW UZS VED VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF
    XPT XSU XTS XUA XXX YER ZAR ZMW ZWG
    ANG BGN CUC HRK SLL ZWL
"""
_COUNTRIES = frozenset(_COUNTRY_CODES.split())
_CURRENCIES = frozenset(_CURRENCY_CODES.split())

# VAT IDs with one of these prefixes are EU VAT IDs (Greece writes EL, Northern Ireland XI).
_EU_VAT_PREFIXES = frozenset(eu_vat.MEMBER_STATES) | {"el"}
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")
_CONTROLS = {"yes": Control.YES, "no": Control.NO}
_KINDS = {kind.value: kind for kind in EmploymentKind}


def country_code(text: str) -> str:
    code = text.upper()
    if code not in _COUNTRIES:
        raise ValueError(f'"{text}" is not an ISO 3166-1 alpha-2 country code')
    return code


def currency_code(text: str) -> str:
    code = text.upper()
    if code not in _CURRENCIES:
        raise ValueError(f'"{text}" is not an ISO 4217 currency code')
    return code


def _why(error: ValidationError) -> str:
    message = str(error).rstrip(".")
    return message[:1].lower() + message[1:]


def lei(text: str) -> str:
    try:
        return str(stdnum_lei.validate(text))
    except ValidationError as error:
        raise ValueError(f'"{text}" is not a valid LEI ({_why(error)})') from None


def vat_id(text: str, country: str | None) -> str:
    """Check a VAT ID where python-stdnum knows the country's format; accept it otherwise."""
    if text[:2].lower() in _EU_VAT_PREFIXES:
        validator: Any = eu_vat
        where = ""
    else:
        validator = get_cc_module(country, "vat") if country else None
        where = f" for {country}"
        if validator is None:
            return text
    try:
        return str(validator.validate(text))
    except ValidationError as error:
        raise ValueError(f'"{text}" is not a valid VAT ID{where} ({_why(error)})') from None


def email(text: str) -> str:
    if not _EMAIL.fullmatch(text):
        raise ValueError(f'"{text}" is not an email address')
    return text


def control(text: str) -> Control:
    control = _CONTROLS.get(text.lower())
    if control is None:
        raise ValueError(f'"{text}" is not a control value (expected yes, no or empty)')
    return control


def employment_kind(text: str) -> EmploymentKind:
    kind = _KINDS.get(text.lower())
    if kind is None:
        raise ValueError(f'"{text}" is not an employment kind (expected employee or retiree)')
    return kind
