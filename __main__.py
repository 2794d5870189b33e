"""The main job: the monitors (and their alert routing) declared in this stack's configuration
(see Pulumi.<stack>.yaml)."""

import pulumi

from alertsite_pulumi.program import monitors_from_config, routing_from_config

monitors = monitors_from_config()
recipients, groups = routing_from_config(monitors)
pulumi.export("monitor_ids", {name: monitor.id for name, monitor in monitors.items()})
if recipients or groups:
    pulumi.export("recipient_ids", {name: recipient.id for name, recipient in recipients.items()})
    pulumi.export("group_ids", {name: group.id for name, group in groups.items()})
