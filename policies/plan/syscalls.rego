# METADATA
# title: syscall allowlist
# description: |
#   The allowlist is the union of the profiles chosen from what the app declares and the ones it
#   names, plus `syscalls.allow`, minus `syscalls.deny`. Some calls get argument rules that cut
#   their risk. Unknown syscalls fail with ENOSYS, known dangerous ones with EPERM.
# custom:
#   rules:
#     - id: syscalls.base
#       decides: "the base profile, when the app names no learned profile"
#       reads: "app: syscalls.profiles; data: profiles (their kind)"
#     - id: syscalls.learned
#       decides: "only the launch profile beside a learned one, instead of the building blocks"
#       reads: "app: syscalls.profiles; data: profiles (their kind)"
#     - id: syscalls.recognised-runtime
#       decides: "a runtime's profile when the command is that runtime and the app names no hints"
#       reads: "app: command, syscalls.hints (absent; [] turns recognition off)"
#     - id: syscalls.socket-families
#       decides: "socket and socketpair for AF_UNIX only; IP families only for declared ports"
#       reads: "app: network.listen, network.connect"
#     - id: syscalls.netlink-route
#       decides: "socket(AF_NETLINK, …, NETLINK_ROUTE) for getaddrinfo, when the app connects out"
#       reads: "app: network.connect"
#     - id: syscalls.clone-no-namespaces
#       decides: "clone without namespace flags only"
#       reads: "the allowlist (clone in it)"
#     - id: syscalls.personality
#       decides: "personality with the default execution domain only (0 or 0xffffffff)"
#       reads: "the allowlist (personality in it)"
#     - id: syscalls.ioctl-no-tiocsti
#       decides: "ioctl's TIOCSTI and TIOCLINUX answer EPERM"
#       reads: "the allowlist (ioctl in it)"
#     - id: syscalls.dangerous-eperm
#       decides: "a dangerous syscall the allowlist does not hold answers EPERM, not ENOSYS"
#       reads: "the allowlist; lib: dangerous_syscalls"
#     - id: syscalls.clone3-enosys
#       decides: "removes clone3 from the allowlist (ENOSYS: its flags cannot be checked)"
#       reads: "the allowlist"
package secure_run.plan.syscalls

import data.secure_run.lib

app_syscalls := object.get(input.app, "syscalls", {})

listen := object.get(input.app, ["network", "listen"], [])

connect := object.get(input.app, ["network", "connect"], [])

# Unknown syscalls fail with ENOSYS: the C library then falls back to older calls
# (clone3 → clone, statx → newfstatat, openat2 → openat) instead of failing.
default_action := {"action": "errno", "errno": "ENOSYS"}

hint_profiles := {
	"threads": ["threads"],
	"spawns": ["process"],
	"shell": ["process"],
	"python": ["python", "threads"],
	"node": ["node", "threads"],
	"perl": ["perl"],
	"ruby": ["ruby", "threads"],
	"java": ["java", "threads"],
}

# Runtimes recognised from the name of the program the command runs (its basename, or what
# /usr/bin/env runs), as the hint each one stands for. Versioned names count for the runtimes
# Debian installs that way: python3.11, perl5.36.0, ruby3.1. (String functions rather than
# regex.match: the regex engine would nearly double the size of the wasm bundle.)
runtime_hints := {
	"sh": "shell", "bash": "shell", "dash": "shell",
	"python": "python", "node": "node", "nodejs": "node",
	"perl": "perl", "ruby": "ruby", "java": "java",
}

versioned := {"python", "perl", "ruby"}

runtime_of(name) := runtime_hints[name]

runtime_of(name) := runtime_hints[stem] if {
	stem := trim_right(name, "0123456789.")
	stem != name
	stem in versioned
}

command := object.get(input.app, "command", [])

basename(path) := name if {
	parts := split(path, "/")
	name := parts[count(parts) - 1]
}

# env's options that take the next word as their value.
env_option_with_value := {"-u", "--unset", "-C", "--chdir"}

# The words of `env [OPTION]... [NAME=VALUE]... PROGRAM` that can be the program.
env_program_at contains i if {
	basename(command[0]) == "env"
	some i, word in command
	i > 0
	not startswith(word, "-")
	not contains(word, "=")
	not command[i - 1] in env_option_with_value
}

program := basename(command[0]) if basename(command[0]) != "env"

program := basename(command[min(env_program_at)]) if count(env_program_at) > 0

# Recognition is on unless the app says what it is: any `hints`, also an empty list, turn it off.
recognised contains hint if {
	not "hints" in object.keys(app_syscalls)
	hint := runtime_of(program)
}

# A learned profile (secure-run trace) is what the app was seen to use: with one, the plan does
# not add the broad building blocks on its own, only what the launch needs.
learned contains name if {
	some name in object.get(app_syscalls, "profiles", [])
	data.profiles[name].kind == "learned"
}

automatic if count(learned) == 0

# Profiles chosen for the app, each with why.
chosen contains {"profile": "base", "reason": lib.rule("syscalls.base")} if automatic

chosen contains {"profile": "launch", "reason": lib.rule_why("syscalls.learned", "a learned profile replaces the building blocks")} if {
	not automatic
}

chosen contains {"profile": "net-server", "reason": lib.field("network.listen")} if {
	automatic
	count(listen) > 0
}

chosen contains {"profile": "net-client", "reason": lib.field("network.connect")} if {
	automatic
	count(connect) > 0
}

chosen contains {"profile": "files-write", "reason": lib.field(sprintf("mounts[%d]", [i]))} if {
	automatic
	some i, m in object.get(input.app, "mounts", [])
	lib.writable(m)
}

# A writable root is written to, as a writable volume is.
chosen contains {"profile": "files-write", "reason": lib.field("root.writable")} if {
	automatic
	input.app.root.writable == true
}

chosen contains {"profile": p, "reason": lib.field(sprintf("syscalls.hints[%d]", [i]))} if {
	some i, h in object.get(app_syscalls, "hints", [])
	some p in hint_profiles[h]
}

chosen contains {"profile": p, "reason": lib.rule_why("syscalls.recognised-runtime", why)} if {
	some hint in recognised
	some p in hint_profiles[hint]
	why := sprintf("the command runs %s: recognised as the %s runtime (hints: [] turns this off)", [program, hint])
}

chosen contains {"profile": name, "reason": lib.field(sprintf("syscalls.profiles[%d]", [i]))} if {
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

# clone3 passes its flags in memory, where a filter cannot read them: it stays ENOSYS so the C
# library uses clone, whose flags the rule below checks.
never := {"clone3"}

candidates contains name if {
	some p in profile_names
	some name, _ in object.get(data.profiles, [p, "syscalls"], {})
}

candidates contains name if some name in object.get(app_syscalls, "allow", [])

allowed contains name if {
	some name in candidates
	not name in denied
	not name in never
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
		r := lib.field(sprintf("syscalls.allow[%d]", [i]))
	],
)

# Argument rules. Several rules for one syscall are alternatives (OR); the conditions of one
# rule are all required (AND), at most one per argument.

af_unix := 1

af_inet := 2

af_inet6 := 10

af_netlink := 16

# socket: AF_UNIX always; IP families only when the app declares network ports.
families contains {"value": af_unix, "reason": lib.rule_why("syscalls.socket-families", "local sockets only, unless the app declares network ports")}

families contains {"value": af, "reason": lib.field("network.listen")} if {
	count(listen) > 0
	some af in [af_inet, af_inet6]
}

families contains {"value": af, "reason": lib.field("network.connect")} if {
	count(connect) > 0
	some af in [af_inet, af_inet6]
}

socket_rules := [r |
	some af in sort({f.value | some f in families})
	r := {
		"name": "socket", "action": "allow",
		"args": [{"index": 0, "op": "eq", "value": af}],
		"reasons": array.concat(reasons("socket"), [f.reason | some f in families; f.value == af]),
	}
]

# The resolver asks the kernel for the host's addresses (AI_ADDRCONFIG) over NETLINK_ROUTE.
netlink_rules := [{
	"name": "socket", "action": "allow",
	"args": [{"index": 0, "op": "eq", "value": af_netlink}, {"index": 2, "op": "eq", "value": 0}],
	"reasons": array.concat(reasons("socket"), [lib.rule_why("syscalls.netlink-route", "getaddrinfo asks for the host's addresses over NETLINK_ROUTE")]),
}] if count(connect) > 0

netlink_rules := [] if count(connect) == 0

# CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET|NEWTIME
clone_namespace_flags := 2114060416

special := {"socket", "socketpair", "clone", "personality", "ioctl"}

rules_for("socket") := array.concat(socket_rules, netlink_rules)

rules_for("socketpair") := [{
	"name": "socketpair", "action": "allow",
	"args": [{"index": 0, "op": "eq", "value": af_unix}],
	"reasons": array.concat(reasons("socketpair"), [lib.rule_why("syscalls.socket-families", "socket pairs are local only")]),
}]

rules_for("clone") := [{
	"name": "clone", "action": "allow",
	"args": [{"index": 0, "op": "masked_eq", "mask": clone_namespace_flags, "value": 0}],
	"reasons": array.concat(reasons("clone"), [lib.rule_why("syscalls.clone-no-namespaces", "new processes and threads, never new namespaces")]),
}]

# PER_LINUX, and the query 0xffffffff; no other execution domain.
rules_for("personality") := [r |
	some v in [0, 4294967295]
	r := {
		"name": "personality", "action": "allow",
		"args": [{"index": 0, "op": "eq", "value": v}],
		"reasons": array.concat(reasons("personality"), [lib.rule_why("syscalls.personality", "only the default execution domain")]),
	}
]

# ioctl is allowed, but TIOCSTI (push input into a terminal) and TIOCLINUX are refused. The
# kernel reads the request as 32 bits, so the rule masks the upper half. The allow rule tests the
# same argument (any value): libseccomp drops conditional rules of a syscall that also has an
# unconditional one, and orders the comparisons of one argument so that the refusals come first.
rules_for("ioctl") := array.concat(
	[{"name": "ioctl", "action": "allow", "args": [{"index": 1, "op": "ge", "value": 0}], "reasons": reasons("ioctl")}],
	[r |
		some req in [21522, 21532]
		r := {
			"name": "ioctl", "action": "errno", "errno": "EPERM",
			"args": [{"index": 1, "op": "masked_eq", "mask": 4294967295, "value": req}],
			"reasons": [lib.rule_why("syscalls.ioctl-no-tiocsti", "terminal input injection (TIOCSTI, TIOCLINUX)")],
		}
	],
)

rules_for(name) := [{"name": name, "action": "allow", "reasons": reasons(name)}] if not name in special

allowed_rules := [r |
	some name in sort(allowed)
	some r in rules_for(name)
]

# Known dangerous syscalls that are not allowed fail with EPERM: "not permitted" is the truth,
# where ENOSYS could send a program down a fallback path.
refused_rules := [r |
	some name in sort(lib.dangerous_syscalls)
	not name in allowed
	r := {"name": name, "action": "errno", "errno": "EPERM", "reasons": [lib.rule_why("syscalls.dangerous-eperm", "a dangerous syscall, refused")]}
]

removed := array.concat(
	[r |
		some i, name in object.get(app_syscalls, "deny", [])
		r := {"name": name, "reasons": [lib.field(sprintf("syscalls.deny[%d]", [i]))]}
	],
	[r |
		some name in never
		name in candidates
		r := {"name": name, "reasons": [lib.rule_why("syscalls.clone3-enosys", "its flags cannot be checked; the C library falls back to clone")]}
	],
)

seccomp := {
	"defaultAction": default_action,
	"badArchAction": "kill_process",
	"architectures": [input.host.arch],
	"profiles": [{"name": p, "reasons": [c.reason | some c in chosen; c.profile == p]} | some p in sort(profile_names)],
	"syscalls": array.concat(allowed_rules, refused_rules),
	"removed": removed,
}
