"""AlertSite's rules for round-trip monitors, as numbers and names: one place for each fact.

The field table (``fields.py``), its validators and the policy pack take their thresholds
from here. The emulator keeps its own copy on purpose (see its package docstring).
"""

from __future__ import annotations

from typing import Final

#: Interval values (minutes) AlertSite accepts for round-trip monitors.
ALLOWED_INTERVALS: Final = (5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 720, 1440)
#: Monitoring modes; the last two need at least two locations.
ALLOWED_MODES: Final = ("Primary", "Global Notify", "Global Verify", "Round Robin", "SLA (MultiPOP)")
MULTI_LOCATION_MODES: Final = ("Round Robin", "SLA (MultiPOP)")
#: How many distinct locations a multi-location mode needs at the least.
MULTI_LOCATION_MIN_LOCATIONS: Final = 2
MIN_TIMEOUT_SECONDS: Final = 1
MAX_TIMEOUT_SECONDS: Final = 300
NOTE_MAX: Final = 255
ALERT_NOTE_MAX: Final = 1000
NAME_MAX: Final = 255
DEFAULT_PORTS: Final = {"smtp": 25, "smtps": 465, "pop3": 110, "pop3s": 995}
#: What the account fills in when a field is omitted (AlertSite's documented or assumed defaults).
ACCOUNT_DEFAULT_INTERVAL: Final = 15
ACCOUNT_DEFAULT_TIMEOUT: Final = 300


#: Fields AlertSite computes. It ignores them in a create or update, so setting one through
#: extra_fields would leave a difference that no `pulumi up` can clear.
READ_ONLY_FIELDS: Final = ("id", "type", "access_type", "created", "last_status")
#: The engine carries every number as a double: a larger integer would not arrive intact.
MAX_EXACT_INTEGER: Final = 2**53
#: How deep lists and mappings may nest in a value (custom properties and extra fields).
MAX_DEPTH: Final = 16
#: How much of a refused value a message repeats.
SHOWN_MAX: Final = 60
EMAIL_MAX: Final = 254
PLAN_CODE_MAX: Final = 255
#: Free-form values (custom properties, extra fields) as JSON, so that a request stays far
#: below what AlertSite (and the emulator, 1 MiB) accept in one body.
JSON_MAX: Final = 64 * 1024


# -- Alert recipients and recipient groups (docs: /recipients, /notifier-groups) -------------

#: A group's name: "up to 128 characters" (documented). A recipient's name has no documented
#: bound; the provider holds it to the same 128 so that both names fit where the other fits.
GROUP_NAME_MAX: Final = 128
RECIPIENT_NAME_MAX: Final = 128
#: The recipient (address, number or URL): no documented bound; a URL of 2048 characters is
#: what browsers and most servers still take.
RECIPIENT_MAX: Final = 2048
#: A webhook's Basic-auth user and password, and a performance alert type code: no documented
#: bound; these leave room for any real value.
LOGIN_MAX: Final = 255
PERFORMANCE_ALERT_TYPE_MAX: Final = 4
#: Start notify (errors before the first alert) and stop notify (alerts sent while an error
#: lasts): the documented examples use 1 and 10 and no range is documented; the provider's
#: bound, so that a typo (1000) is refused at preview.
THRESHOLD_MIN: Final = 1
THRESHOLD_MAX: Final = 100
#: Phone numbers (SMS, voice): ITU E.164 numbers have at most 15 digits.
PHONE_DIGITS_MIN: Final = 3
PHONE_DIGITS_MAX: Final = 15
#: A group's error types: "the error code, up to 3 digits".
ERRORTYPE_MIN: Final = 1
ERRORTYPE_MAX: Final = 999
#: Items of one group list (monitors, recipients, error types, templates): no documented
#: bound; the provider's, far above any real group, so that a request stays small.
GROUP_LIST_MAX: Final = 1000


# -- Blackouts (docs: /blackouts) --------------------------------------------------------------

#: A blackout's note: "up to 255 characters" (documented).
BLACKOUT_NOTE_MAX: Final = 255
#: What a blackout silences: no monitoring, no availability alerts, or one recipient's alerts.
BLACKOUT_TYPES: Final = ("Monitor", "Alert", "Notifier")
#: The days of a recurring blackout, as AlertSite numbers them (Sunday = 1).
BLACKOUT_DAYS: Final = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
