package secure_run.plan.syscalls_test

import data.secure_run.plan.syscalls

profiles := {
	"base": {"description": "b", "syscalls": {"read": "read files", "write": "write files"}},
	"process": {"description": "p", "syscalls": {"clone": "fork", "wait4": "wait"}},
	"net-server": {"description": "n", "syscalls": {"socket": "sockets", "bind": "bind"}},
}

host := {"arch": "x86_64"}

names(s) := [r.name | some r in s.syscalls]

test_base_is_always_included if {
	s := syscalls.seccomp with input as {"app": {"name": "a"}, "host": host} with data.profiles as profiles
	names(s) == ["read", "write"]
	s.profiles == [{"name": "base", "reasons": [{"kind": "rule", "ref": "syscalls.base"}]}]
}

test_named_profile_adds_its_syscalls_with_reasons if {
	app := {"name": "a", "syscalls": {"profiles": ["process"]}}
	s := syscalls.seccomp with input as {"app": app, "host": host} with data.profiles as profiles
	names(s) == ["clone", "read", "wait4", "write"]
	some r in s.syscalls
	r.name == "clone"
	r.reasons == [{"kind": "profile", "ref": "process", "why": "fork"}]
}

test_listen_chooses_net_server if {
	app := {"name": "a", "network": {"listen": [{"port": 8080, "protocol": "tcp"}]}}
	s := syscalls.seccomp with input as {"app": app, "host": host} with data.profiles as profiles
	"socket" in names(s)
	{"name": "net-server", "reasons": [{"kind": "field", "ref": "network.listen"}]} in s.profiles
}

test_no_listen_no_server_calls if {
	s := syscalls.seccomp with input as {"app": {"name": "a"}, "host": host} with data.profiles as profiles
	not "socket" in names(s)
}

test_allow_adds_with_field_reason if {
	app := {"name": "a", "syscalls": {"allow": ["getpid", "read"]}}
	s := syscalls.seccomp with input as {"app": app, "host": host} with data.profiles as profiles
	some r in s.syscalls
	r.name == "read"
	r.reasons == [
		{"kind": "profile", "ref": "base", "why": "read files"},
		{"kind": "field", "ref": "syscalls.allow[1]"},
	]
	"getpid" in names(s)
}

test_deny_removes_even_from_profiles if {
	app := {"name": "a", "syscalls": {"deny": ["write"], "allow": ["write"]}}
	s := syscalls.seccomp with input as {"app": app, "host": host} with data.profiles as profiles
	names(s) == ["read"]
	s.removed == [{"name": "write", "reasons": [{"kind": "field", "ref": "syscalls.deny[0]"}]}]
}

test_unknown_profile_is_an_error if {
	app := {"name": "a", "syscalls": {"profiles": ["process", "pyhton"]}}
	errs := syscalls.errors with input as {"app": app, "host": host} with data.profiles as profiles
	errs == {{
		"path": "syscalls.profiles[1]",
		"message": "unknown syscall profile \"pyhton\"",
		"expected": ["base", "net-server", "process"],
		"got": "pyhton",
	}}
}

test_known_profiles_no_errors if {
	app := {"name": "a", "syscalls": {"profiles": ["process"]}}
	errs := syscalls.errors with input as {"app": app, "host": host} with data.profiles as profiles
	count(errs) == 0
}

test_default_action_enosys_and_bad_arch_kills if {
	s := syscalls.seccomp with input as {"app": {"name": "a"}, "host": host} with data.profiles as profiles
	s.defaultAction == {"action": "errno", "errno": "ENOSYS"}
	s.badArchAction == "kill_process"
	s.architectures == ["x86_64"]
}
