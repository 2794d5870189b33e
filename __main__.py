"""The main job: the monitors declared in this stack's configuration (see Pulumi.<stack>.yaml)."""

import pulumi

from alertsite_pulumi.program import monitors_from_config

monitors = monitors_from_config()
pulumi.export("monitor_ids", {name: monitor.id for name, monitor in monitors.items()})
