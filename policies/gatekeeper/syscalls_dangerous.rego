# METADATA
# title: syscalls.dangerous in the cluster
# description: The Gatekeeper counterpart of the review rule syscalls.dangerous.
# custom:
#   id: syscalls.dangerous
package secure_run.gatekeeper.syscalls_dangerous

import data.lib.secure_run.workloads as lib
import future.keywords.contains
import future.keywords.if
import future.keywords.in

# A container without a seccomp profile of an accepted type: Unconfined (the default when none
# is set) allows every syscall, the dangerous ones too.
violation contains lib.violation("syscalls.dangerous", msg, sprintf("%s.securityContext.seccompProfile", [x.path])) if {
	some x in lib.containers
	type := object.get(lib.setting(x.c, "seccompProfile"), "type", "Unconfined")
	not type in input.parameters.allowedTypes
	msg := sprintf("container %s runs with seccomp profile %s: every syscall is allowed, mount, ptrace and bpf too (allowed: %s)", [x.c.name, type, concat(", ", input.parameters.allowedTypes)])
}

violation contains lib.violation("syscalls.dangerous", msg, sprintf("%s.securityContext.seccompProfile", [x.path])) if {
	some x in lib.containers
	not lib.setting(x.c, "seccompProfile")
	not "Unconfined" in input.parameters.allowedTypes
	msg := sprintf("container %s names no seccomp profile: the runtime runs it Unconfined, every syscall allowed, mount, ptrace and bpf too", [x.c.name])
}
