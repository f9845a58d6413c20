# METADATA
# title: syscall allowlist
# description: |
#   The allowlist is the union of the chosen profiles plus `syscalls.allow`, minus
#   `syscalls.deny`. Every allowed syscall carries the reasons it is allowed.
package secure_run.plan.syscalls

# Syscalls that are not allowed return ENOSYS: the C library then falls back to older calls
# (clone3 → clone, statx → newfstatat) instead of failing.
default_action := {"action": "errno", "errno": "ENOSYS"}

app_syscalls := object.get(input.app, "syscalls", {})

# Profiles chosen for the app, each with why it was chosen.
chosen contains {"profile": "base", "reason": {"kind": "rule", "ref": "syscalls.base"}}

chosen contains {"profile": "net-server", "reason": {"kind": "field", "ref": "network.listen"}} if {
	count(object.get(input.app, ["network", "listen"], [])) > 0
}

chosen contains {"profile": name, "reason": {"kind": "field", "ref": sprintf("syscalls.profiles[%d]", [i])}} if {
	some i, name in object.get(app_syscalls, "profiles", [])
}

profile_names contains c.profile if some c in chosen

known_profiles := sort([name | some name, _ in data.profiles])

errors contains {
	"path": sprintf("syscalls.profiles[%d]", [i]),
	"message": sprintf("unknown syscall profile \"%s\"", [name]),
	"expected": known_profiles,
	"got": name,
} if {
	some i, name in object.get(app_syscalls, "profiles", [])
	not data.profiles[name]
}

denied contains name if some name in object.get(app_syscalls, "deny", [])

candidates contains name if {
	some p in profile_names
	some name, _ in object.get(data.profiles, [p, "syscalls"], {})
}

candidates contains name if some name in object.get(app_syscalls, "allow", [])

allowed contains name if {
	some name in candidates
	not name in denied
}

reasons(name) := array.concat(
	[r |
		some p in sort(profile_names)
		why := data.profiles[p].syscalls[name]
		r := {"kind": "profile", "ref": p, "why": why}
	],
	[r |
		some i, n in object.get(app_syscalls, "allow", [])
		n == name
		r := {"kind": "field", "ref": sprintf("syscalls.allow[%d]", [i])}
	],
)

removed := [r |
	some i, name in object.get(app_syscalls, "deny", [])
	r := {"name": name, "reasons": [{"kind": "field", "ref": sprintf("syscalls.deny[%d]", [i])}]}
]

seccomp := {
	"defaultAction": default_action,
	"badArchAction": "kill_process",
	"architectures": [input.host.arch],
	"profiles": [c | some c in sort([{"name": x.profile, "reasons": [x.reason]} | some x in chosen])],
	"syscalls": [r |
		some name in sort(allowed)
		r := {"name": name, "action": "allow", "reasons": reasons(name)}
	],
	"removed": removed,
}
