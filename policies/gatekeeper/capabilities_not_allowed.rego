# METADATA
# title: capabilities.not-allowed in the cluster
# description: The Gatekeeper counterpart of the review rule capabilities.not-allowed.
# custom:
#   id: capabilities.not-allowed
package secure_run.gatekeeper.capabilities_not_allowed

import data.lib.secure_run.workloads as lib
import future.keywords.contains
import future.keywords.if
import future.keywords.in

# A capability kept (added, or a runtime default not dropped) that the organisation does not allow.
violation contains lib.violation("capabilities.not-allowed", msg, sprintf("%s.securityContext.capabilities", [x.path])) if {
	some x in lib.containers
	not lib.privileged(x.c)
	some name in lib.kept(x.c, input.parameters.runtimeDefaults)
	not name in input.parameters.dangerous
	not name in input.parameters.allowed
	msg := sprintf("container %s keeps capability %s, which is not among the capabilities the organisation allows (%s); drop ALL and add only those", [x.c.name, name, concat(", ", sort(input.parameters.allowed))])
}
