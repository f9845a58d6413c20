# METADATA
# title: capabilities.dangerous in the cluster
# description: The Gatekeeper counterpart of the review rule capabilities.dangerous.
# custom:
#   id: capabilities.dangerous
package secure_run.gatekeeper.capabilities_dangerous

import data.lib.secure_run.workloads as lib
import future.keywords.contains
import future.keywords.if
import future.keywords.in

# A dangerous capability added (and not allowed by name), or a privileged container: it has
# every capability.
violation contains lib.violation("capabilities.dangerous", msg, sprintf("%s.securityContext.capabilities.add", [x.path])) if {
	some x in lib.containers
	some name in lib.adds(x.c)
	name in input.parameters.dangerous
	not name in object.get(input.parameters, "allowed", [])
	msg := sprintf("container %s adds capability %s: it is dangerous and the organisation does not allow it", [x.c.name, name])
}

violation contains lib.violation("capabilities.dangerous", msg, sprintf("%s.securityContext.privileged", [x.path])) if {
	some x in lib.containers
	lib.privileged(x.c)
	msg := sprintf("container %s is privileged: it has every capability, the dangerous ones too", [x.c.name])
}
