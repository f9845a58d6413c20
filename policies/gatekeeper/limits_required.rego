# METADATA
# title: limits.required in the cluster
# description: The Gatekeeper counterpart of the review rule limits.required.
# custom:
#   id: limits.required
package secure_run.gatekeeper.limits_required

import data.lib.secure_run.workloads as lib
import future.keywords.contains
import future.keywords.if
import future.keywords.in

# A limit the organisation requires (memory, cpu) not set.
violation contains lib.violation("limits.required", msg, sprintf("%s.resources.limits.%s", [x.path, name])) if {
	some x in lib.containers
	some name in input.parameters.required
	name in {"memory", "cpu"}
	not x.c.resources.limits[name]
	msg := sprintf("container %s sets no %s limit; the organisation requires one", [x.c.name, name])
}
