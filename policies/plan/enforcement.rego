# METADATA
# title: what this host enforces
# description: |
#   Part by part, whether this host can enforce the plan. `run` refuses a plan with a part the
#   host cannot enforce, unless the app accepts that part as best-effort (`bestEffort`).
#   SELinux labels apply where SELinux is enforcing and are reported, never required.
package secure_run.plan.enforcement

import data.secure_run.plan.cgroup
import data.secure_run.plan.userns

best_effort := {p | some p in object.get(input.app, "bestEffort", [])}

abi := object.get(input.host, ["landlock", "abi"], 0)

cg := object.get(input.host, "cgroup", {"available": [], "writable": false, "version": 0})

default controller_ok(_) := false

controller_ok(name) if {
	name in cg.available
	cg.writable
	not v1_rootless
}

# cgroup v1 is never delegated to a user, whatever its files' modes say.
v1_rootless if {
	userns.rootless
	cg.version == 1
}

controller_detail(name) := sprintf("cgroup v%d %s controller", [cg.version, name]) if controller_ok(name)

controller_detail(name) := sprintf("no usable %s controller (available: %s; writable: %v)", [name, concat(", ", cg.available), cg.writable]) if {
	not controller_ok(name)
	not userns.rootless
}

# A user gets limits only in a cgroup v2 subtree delegated to it (systemd delegates one to
# user@.service and to `systemd-run --user -p Delegate=yes`); cgroup v1 delegates nothing.
delegate_hint := "get a delegated cgroup with: systemd-run --user --scope -p Delegate=yes secure-run run APP"

# The same words for every controller, so that a refusal names them once (see launch/prepare.ts).
controller_detail(name) := sprintf("rootless: cgroup v1 is not delegated to users; on a cgroup v2 host with systemd, %s", [delegate_hint]) if {
	not controller_ok(name)
	userns.rootless
	cg.version == 1
}

controller_detail(name) := sprintf("rootless: your cgroup is not delegated to you (writable: %v; controllers: %s); %s", [cg.writable, concat(", ", cg.available), delegate_hint]) if {
	not controller_ok(name)
	userns.rootless
	cg.version != 1
}

userns_ok := object.get(input.host, ["userns", "available"], false)

checks contains {"part": "user-namespace", "enforced": userns_ok, "accept": "user-namespace", "detail": detail} if {
	userns.wanted
	detail := {true: "user namespaces are available", false: "user namespaces are not available to this user"}[userns_ok]
}

checks contains {"part": "landlock-fs", "enforced": abi >= 1, "accept": "landlock", "detail": detail} if {
	detail := {true: sprintf("Landlock ABI %d", [abi]), false: "Landlock is not available (kernel 5.13+, lsm=…,landlock)"}[abi >= 1]
}

checks contains {"part": "landlock-net", "enforced": abi >= 4, "accept": "landlock", "detail": detail} if {
	detail := {true: sprintf("Landlock ABI %d", [abi]), false: sprintf("TCP port rules need Landlock ABI 4 (Linux 6.7); this host has %d", [abi])}[abi >= 4]
}

# Scoping is defence in depth that kernels before 6.12 do not have: reported where it is not
# enforced, never a reason to refuse (as SELinux labels).
checks contains {"part": "landlock-scope", "enforced": abi >= 6, "accept": "landlock-scope", "detail": detail} if {
	detail := {true: sprintf("Landlock ABI %d", [abi]), false: sprintf("abstract unix socket and signal scoping needs Landlock ABI 6 (Linux 6.12); this host has %d", [abi])}[abi >= 6]
}

checks contains {"part": "memory", "enforced": controller_ok("memory"), "accept": "memory", "detail": controller_detail("memory")}

checks contains {"part": "pids", "enforced": controller_ok("pids"), "accept": "pids", "detail": controller_detail("pids")}

checks contains {"part": "cpu", "enforced": controller_ok("cpu"), "accept": "cpu", "detail": controller_detail("cpu")} if {
	cgroup.cgroup.cpu != null
}

swap_total := object.get(input.host, ["swap", "total"], 0)

default swap_ok := false

swap_ok if swap_total == 0

swap_ok if object.get(input.host, ["swap", "accounting"], false)

checks contains {"part": "swap", "enforced": swap_ok, "accept": "swap", "detail": detail} if {
	detail := {true: "swap is limited (or the host has none)", false: "the host has swap but no swap accounting (memory.memsw / memory.swap.max)"}[swap_ok]
}

selinux_state := object.get(input.host, "selinux", "disabled")

checks contains {"part": "selinux", "enforced": selinux_state == "enforcing", "accept": "selinux", "detail": sprintf("SELinux is %s", [selinux_state])} if {
	not userns.rootless
}

# Labelling a process or files needs privileges a user does not have.
checks contains {"part": "selinux", "enforced": false, "accept": "selinux", "detail": sprintf("rootless: the app keeps the SELinux label it inherits (SELinux is %s): no container_t, no categories, nothing relabelled", [selinux_state])} if {
	userns.rootless
}

# SELinux labels are applied where SELinux is on, Landlock scopes where its ABI has them;
# elsewhere there is nothing to refuse for.
always_accepted := {"selinux", "landlock-scope"}

enforcement := [e |
	some c in checks
	e := {
		"part": c.part,
		"enforced": c.enforced,
		"bestEffort": accepted(c),
		"detail": c.detail,
	}
]

accepted(c) if c.accept in best_effort

accepted(c) if c.accept in always_accepted

default accepted(_) := false

# One notice per reason: the parts not enforced for the same reason, and handled alike, together.
notices contains sprintf("not enforced on this host: %s (%s)%s", [concat(", ", sort(parts)), c.detail, suffix(c)]) if {
	some c in checks
	not c.enforced
	parts := {d.part | some d in checks; not d.enforced; d.detail == c.detail; suffix(d) == suffix(c)}
}

suffix(c) := "; accepted as best-effort" if accepted(c)

suffix(c) := "; secure-run run refuses this plan" if not accepted(c)
