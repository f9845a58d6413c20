# METADATA
# title: filesystem.forbidden-path in the cluster
# description: The Gatekeeper counterpart of the review rule filesystem.forbidden-path.
# custom:
#   id: filesystem.forbidden-path
package secure_run.gatekeeper.filesystem_forbidden_path

import data.lib.secure_run.workloads as lib
import future.keywords.contains
import future.keywords.if
import future.keywords.in

# A hostPath below a path the organisation forbids to mount.
violation contains lib.violation("filesystem.forbidden-path", msg, sprintf("%s.volumes[%d].hostPath.path", [lib.spec_path, h.index])) if {
	some h in lib.host_paths
	some p in input.parameters.forbidden
	lib.under(h.path, p)
	msg := sprintf("volume %s mounts the host path %s, under %s, which the organisation forbids to mount", [h.volume, h.path, p])
}
