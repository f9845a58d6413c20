# METADATA
# title: user.root in the cluster
# description: The Gatekeeper counterpart of the review rule user.root.
# custom:
#   id: user.root
package secure_run.gatekeeper.user_root

import data.lib.secure_run.workloads as lib
import future.keywords.contains
import future.keywords.if
import future.keywords.in

# A container that runs as uid 0, or may (no runAsUser and no runAsNonRoot).
violation contains lib.violation("user.root", msg, sprintf("%s.securityContext.runAsUser", [x.path])) if {
	some x in lib.containers
	lib.setting(x.c, "runAsUser") == 0
	msg := sprintf("container %s runs as uid 0 (root); use a dedicated user", [x.c.name])
}

violation contains lib.violation("user.root", msg, sprintf("%s.securityContext.runAsNonRoot", [x.path])) if {
	some x in lib.containers
	not lib.setting(x.c, "runAsUser")
	not lib.setting(x.c, "runAsNonRoot") == true
	msg := sprintf("container %s sets neither runAsUser nor runAsNonRoot: it runs as the image user, root in most images", [x.c.name])
}
