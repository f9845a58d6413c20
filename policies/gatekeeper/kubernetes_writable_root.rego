# METADATA
# title: Writable root filesystem
# description: >-
#   A container without readOnlyRootFilesystem: true may change its own image files. secure-run
#   apps have a read-only root unless root.writable asks for a layer (then the review warns when it
#   is exposed: filesystem.writable-root-exposed).
# custom:
#   id: kubernetes.writable-root
#   level: warn
package secure_run.gatekeeper.kubernetes_writable_root

import data.lib.secure_run.workloads as lib
import future.keywords.contains
import future.keywords.if
import future.keywords.in

violation contains lib.violation("kubernetes.writable-root", msg, sprintf("%s.securityContext.readOnlyRootFilesystem", [x.path])) if {
	some x in lib.containers
	not lib.setting(x.c, "readOnlyRootFilesystem") == true
	msg := sprintf("container %s has a writable root filesystem (set readOnlyRootFilesystem: true and give it volumes for its data)", [x.c.name])
}
