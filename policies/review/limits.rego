# METADATA
# title: resource limit rules
# description: Limits the app should set, and the organisation's maximums.
package secure_run.review.limits

import data.secure_run.lib
import data.secure_run.review.lib as review

required := {l | some l in object.get(lib.config, ["limits", "required"], [])}

resources := object.get(input.app, "resources", {})

max := object.get(lib.config, ["limits", "max"], {})

# METADATA
# title: Limit not set
# description: >-
#   The app does not set its own memory, cpu or pids limit, so the default (or none, for cpu)
#   applies. A warning, unless the organisation requires the limit (see limits.required).
# custom:
#   id: limits.missing
#   level: warn
decisions contains review.decision(rego.metadata.rule(), msg, sprintf("resources.%s", [limit])) if {
	some limit in ["memory", "cpu", "pids"]
	not limit in required
	not resources[limit]
	msg := sprintf("resources.%s is not set: %s", [limit, missing_effect[limit]])
}

# METADATA
# title: Required limit not set
# description: The organisation requires every app to set this limit itself.
# custom:
#   id: limits.required
#   level: deny
decisions contains review.decision(rego.metadata.rule(), msg, sprintf("resources.%s", [limit])) if {
	some limit in required
	not resources[limit]
	msg := sprintf("resources.%s is required by the organisation", [limit])
}

missing_effect := {
	"memory": sprintf("the default of %d bytes applies", [input.plan.cgroup.memory.max]),
	"cpu": "the app may use every core",
	"pids": sprintf("the default of %d processes applies", [input.plan.cgroup.pids.max]),
}

# METADATA
# title: Limit above the maximum
# description: The app asks for more than the organisation's maximum.
# custom:
#   id: limits.above-max
#   level: deny
decisions contains review.decision(rego.metadata.rule(), msg, sprintf("resources.%s", [limit])) if {
	some limit, most in max
	resources[limit] > most
	msg := sprintf("resources.%s is %v; the organisation's maximum is %v", [limit, resources[limit], most])
}
