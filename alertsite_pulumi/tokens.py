"""Names shared across layers: type tokens, stack-config keys, and the engine's marks.

This module imports nothing (no pulumi, no client), so that ``recover``, the policy pack
and the CLI can name resources and config keys without pulling in the provider.
"""

from __future__ import annotations

from typing import Final

#: The Pulumi type token of the dynamic EmailRoundTripMonitor; the policy pack matches on it.
EMAIL_ROUND_TRIP_MONITOR_TYPE: Final = "pulumi-python:dynamic/alertsite:EmailRoundTripMonitor"

#: The Pulumi package of the native plugin (pulumi-resource-alertsite) and its type tokens.
NATIVE_PACKAGE: Final = "alertsite"
NATIVE_EMAIL_ROUND_TRIP_MONITOR_TYPE: Final = "alertsite:index:EmailRoundTripMonitor"
#: Both type tokens of a round-trip monitor: the dynamic resource's and the native plugin's.
EMAIL_ROUND_TRIP_MONITOR_TYPES: Final = (EMAIL_ROUND_TRIP_MONITOR_TYPE, NATIVE_EMAIL_ROUND_TRIP_MONITOR_TYPE)
#: The alert routing resources: recipients and recipient groups, dynamic and native.
ALERT_RECIPIENT_TYPE: Final = "pulumi-python:dynamic/alertsite:AlertRecipient"
NATIVE_ALERT_RECIPIENT_TYPE: Final = "alertsite:index:AlertRecipient"
ALERT_RECIPIENT_TYPES: Final = (ALERT_RECIPIENT_TYPE, NATIVE_ALERT_RECIPIENT_TYPE)
RECIPIENT_GROUP_TYPE: Final = "pulumi-python:dynamic/alertsite:RecipientGroup"
NATIVE_RECIPIENT_GROUP_TYPE: Final = "alertsite:index:RecipientGroup"
RECIPIENT_GROUP_TYPES: Final = (RECIPIENT_GROUP_TYPE, NATIVE_RECIPIENT_GROUP_TYPE)
#: Blackouts (quiet windows of a monitor or a recipient), dynamic and native.
BLACKOUT_TYPE: Final = "pulumi-python:dynamic/alertsite:Blackout"
NATIVE_BLACKOUT_TYPE: Final = "alertsite:index:Blackout"
BLACKOUT_TYPES: Final = (BLACKOUT_TYPE, NATIVE_BLACKOUT_TYPE)
#: The native plugin's functions (invokes): look-ups of shared objects by name or id.
NATIVE_GET_RECIPIENT_FUNCTION: Final = "alertsite:index:getRecipient"
NATIVE_GET_RECIPIENT_GROUP_FUNCTION: Final = "alertsite:index:getRecipientGroup"
NATIVE_GET_MONITOR_FUNCTION: Final = "alertsite:index:getMonitor"

#: Stack config keys (in the project's namespace) of monitors declared from configuration.
DEFAULTS_KEY: Final = "defaults"
"""Fields every monitor gets unless it sets them itself."""
MONITORS_KEY: Final = "monitors"
"""The list of monitors."""
PASSWORDS_KEY: Final = "mailboxPasswords"
"""The secret map of resource name -> mailbox password."""
RECIPIENTS_KEY: Final = "recipients"
"""The list of alert recipients."""
GROUPS_KEY: Final = "recipientGroups"
"""The list of recipient groups (their monitors and recipients name resources of the config)."""
RECIPIENT_PASSWORDS_KEY: Final = "recipientPasswords"
"""The secret map of resource name -> recipient password (webhook, Splunk, ServiceNow logins)."""

#: How a secret is shown wherever a value must be shown (reprs, logs, previews, control answers).
SECRET_MASK: Final = "[secret]"  # noqa: S105 - a mask, not a password
#: The engine's encoding of a value not known before the update (on the wire, and in
#: `pulumi preview --json`).
UNKNOWN_SENTINEL: Final = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
#: The key under which a dynamic resource's state holds its pickled provider.
PROVIDER_KEY: Final = "__provider"
