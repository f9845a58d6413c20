# METADATA
# title: filesystem.writable-system-path in the cluster
# description: The Gatekeeper counterpart of the review rule filesystem.writable-system-path.
# custom:
#   id: filesystem.writable-system-path
package secure_run.gatekeeper.filesystem_writable_system_path

import data.lib.secure_run.workloads as lib
import future.keywords.contains
import future.keywords.if
import future.keywords.in

# A host system path (or one the organisation protects) mounted writable.
violation contains lib.violation("filesystem.writable-system-path", msg, sprintf("%s.volumes[%d].hostPath.path", [lib.spec_path, h.index])) if {
	some h in lib.host_paths
	some p in input.parameters.readOnly
	lib.under(h.path, p)
	lib.writable_mount(h.volume)
	msg := sprintf("volume %s mounts the host path %s writable; it is under %s, which must stay read-only (mount it with readOnly: true)", [h.volume, h.path, p])
}
