# METADATA
# title: limits.above-max in the cluster
# description: The Gatekeeper counterpart of the review rule limits.above-max.
# custom:
#   id: limits.above-max
package secure_run.gatekeeper.limits_above_max

import data.lib.secure_run.workloads as lib
import future.keywords.contains
import future.keywords.if
import future.keywords.in

# A container limit above the organisation maximum (memory, cpu).
violation contains lib.violation("limits.above-max", msg, sprintf("%s.resources.limits.%s", [x.path, name])) if {
	some x in lib.containers
	some name, most in input.parameters.max
	value := x.c.resources.limits[name]
	amount(name, value) > most
	msg := sprintf("container %s has limits.%s %v; the organisation maximum is %v", [x.c.name, name, value, most])
}

amount("memory", v) := units.parse_bytes(sprintf("%v", [v]))

amount("cpu", v) := units.parse(sprintf("%v", [v]))
