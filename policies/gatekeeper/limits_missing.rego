# METADATA
# title: limits.missing in the cluster
# description: The Gatekeeper counterpart of the review rule limits.missing.
# custom:
#   id: limits.missing
package secure_run.gatekeeper.limits_missing

import data.lib.secure_run.workloads as lib
import future.keywords.contains
import future.keywords.if
import future.keywords.in

# A memory or cpu limit not set (and not required: see limits.required).
violation contains lib.violation("limits.missing", msg, sprintf("%s.resources.limits", [x.path])) if {
	some x in lib.containers
	some name in ["memory", "cpu"]
	not name in input.parameters.required
	not x.c.resources.limits[name]
	msg := sprintf("container %s sets no %s limit: %s", [x.c.name, name, {"memory": "it may use all the memory of the node", "cpu": "it may use every core"}[name]])
}
