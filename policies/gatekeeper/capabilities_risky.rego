# METADATA
# title: capabilities.risky in the cluster
# description: The Gatekeeper counterpart of the review rule capabilities.risky.
# custom:
#   id: capabilities.risky
package secure_run.gatekeeper.capabilities_risky

import data.lib.secure_run.workloads as lib
import future.keywords.contains
import future.keywords.if
import future.keywords.in

# NET_RAW or MKNOD kept (added, or a runtime default not dropped).
violation contains lib.violation("capabilities.risky", msg, sprintf("%s.securityContext.capabilities", [x.path])) if {
	some x in lib.containers
	some name in lib.kept(x.c, input.parameters.runtimeDefaults)
	name in {"NET_RAW", "MKNOD"}
	msg := sprintf("container %s keeps capability %s: %s", [x.c.name, name, {"NET_RAW": "it can forge packets", "MKNOD": "it can create device nodes"}[name]])
}
