# METADATA
# title: syscall rules
# description: Dangerous and forbidden syscalls in the allowlist.
package secure_run.review.syscalls

import data.secure_run.lib
import data.secure_run.review.lib as review

accepted := {s | some s in object.get(lib.config, ["syscalls", "allowed"], [])}

forbidden := {s | some s in object.get(lib.config, ["syscalls", "forbidden"], [])}

allowed_rules contains r if {
	some r in input.plan.seccomp.syscalls
	r.action == "allow"
}

# METADATA
# title: Dangerous syscall allowed
# description: >-
#   The allowlist contains a syscall that reaches past the sandbox (mount, ptrace, bpf,
#   kexec_load, init_module, keyctl, userfaultfd, io_uring_setup, perf_event_open,
#   open_by_handle_at, unshare, setns, …) and the organisation does not accept it.
# custom:
#   id: syscalls.dangerous
#   level: deny
decisions contains review.decision(rego.metadata.rule(), msg, review.field_of(r.reasons)) if {
	some r in allowed_rules
	r.name in lib.dangerous_syscalls
	not r.name in accepted
	msg := sprintf("syscall %s is dangerous and the organisation does not accept it", [r.name])
}

# METADATA
# title: Forbidden syscall allowed
# description: The allowlist contains a syscall the organisation's configuration forbids.
# custom:
#   id: syscalls.forbidden
#   kubernetes: >-
#     A Pod names its seccomp profile (type Localhost and a file on each node); the syscalls that
#     file allows are not in the Pod, so admission cannot judge them. Review the app (and its
#     exported profile) with secure-run review before the file is placed on the nodes.
#   level: deny
decisions contains review.decision(rego.metadata.rule(), msg, review.field_of(r.reasons)) if {
	some r in allowed_rules
	r.name in forbidden
	msg := sprintf("syscall %s is forbidden by the organisation's configuration", [r.name])
}
