# METADATA
# title: capability rules
# description: Dangerous and unexpected capabilities.
package secure_run.review.capabilities

import data.secure_run.lib
import data.secure_run.review.lib as review

configured := {c | some c in object.get(lib.config, ["capabilities", "allowed"], [])}

allowed := {c | some c in lib.allowed_capabilities}

# METADATA
# title: Dangerous capability
# description: >-
#   A capability that amounts to control of the host or of other processes (SYS_ADMIN,
#   SYS_PTRACE, SYS_MODULE, NET_ADMIN, DAC_READ_SEARCH, BPF, PERFMON, …) unless the
#   organisation's configuration allows it by name.
# custom:
#   id: capabilities.dangerous
#   level: deny
decisions contains review.decision(rego.metadata.rule(), msg, sprintf("capabilities[%d]", [i])) if {
	some i, name in object.get(input.app, "capabilities", [])
	name in lib.dangerous_capabilities
	not name in configured
	msg := sprintf("capability %s is dangerous and the organisation does not allow it; it is not kept", [name])
}

# METADATA
# title: Capability not allowed
# description: A capability outside the organisation's allowed list.
# custom:
#   id: capabilities.not-allowed
#   level: deny
decisions contains review.decision(rego.metadata.rule(), msg, sprintf("capabilities[%d]", [i])) if {
	some i, name in object.get(input.app, "capabilities", [])
	not name in lib.dangerous_capabilities
	not name in allowed
	msg := sprintf("capability %s is not among the capabilities the organisation allows (%s); it is not kept", [name, concat(", ", sort(allowed))])
}

# METADATA
# title: Privileged port on the host's network
# description: >-
#   Binding a port below 1024 on the host's network needs NET_BIND_SERVICE in the host's user
#   namespace. A private network namespace needs no capability for it.
# custom:
#   id: capabilities.privileged-port-on-host
#   level: warn
decisions contains review.decision(rego.metadata.rule(), msg, sprintf("network.listen[%d]", [i])) if {
	object.get(input.app, ["network", "mode"], "none") == "host"
	some i, p in object.get(input.app, ["network", "listen"], [])
	p.port < 1024
	msg := sprintf("port %d is below 1024 on the host's network: the app keeps NET_BIND_SERVICE (a private network namespace would need none)", [p.port])
}

# METADATA
# title: Raw sockets or device nodes
# description: NET_RAW allows forging packets; MKNOD allows creating device nodes.
# custom:
#   id: capabilities.risky
#   level: warn
decisions contains review.decision(rego.metadata.rule(), msg, sprintf("capabilities[%d]", [i])) if {
	some i, name in object.get(input.app, "capabilities", [])
	name in {"NET_RAW", "MKNOD"}
	name in allowed
	msg := sprintf("capability %s is kept: %s", [name, {"NET_RAW": "the app can forge packets", "MKNOD": "the app can create device nodes"}[name]])
}
