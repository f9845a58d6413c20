# METADATA
# title: filesystem.writable-root-exposed in the cluster
# description: The Gatekeeper counterpart of the review rule filesystem.writable-root-exposed.
# custom:
#   id: filesystem.writable-root-exposed
package secure_run.gatekeeper.filesystem_writable_root_exposed

import data.lib.secure_run.workloads as lib
import future.keywords.contains
import future.keywords.if
import future.keywords.in

# A writable root filesystem in a container that is on the host network or keeps capabilities.
violation contains lib.violation("filesystem.writable-root-exposed", msg, sprintf("%s.securityContext.readOnlyRootFilesystem", [x.path])) if {
	some x in lib.containers
	not lib.setting(x.c, "readOnlyRootFilesystem") == true
	some why in exposure(x.c)
	msg := sprintf("container %s has a writable root filesystem and %s: a compromise could change its own system files", [x.c.name, why])
}

exposure(c) := ({"is on the host network" | lib.spec.hostNetwork == true} | {sprintf("keeps %s", [concat(", ", sort(lib.adds(c)))]) | count(lib.adds(c)) > 0}) | {"is privileged" | lib.privileged(c)}
