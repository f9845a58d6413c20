package secure_run.plan.syscalls_test

import data.secure_run.plan.syscalls

profiles := {
	"base": {"description": "b", "syscalls": {"read": "read files", "write": "write files", "ioctl": "tty"}},
	"process": {"description": "p", "syscalls": {"clone": "fork", "wait4": "wait", "clone3": "new fork"}},
	"threads": {"description": "t", "syscalls": {"futex": "wait", "clone": "threads"}},
	"net-server": {"description": "n", "syscalls": {"socket": "sockets", "bind": "bind"}},
	"net-client": {"description": "c", "syscalls": {"socket": "sockets", "connect": "connect"}},
	"files-write": {"description": "w", "syscalls": {"unlink": "remove"}},
	"unix": {"description": "u", "syscalls": {"socket": "local", "socketpair": "pairs"}},
}

host := {"arch": "x86_64"}

plan(app) := s if {
	s := syscalls.seccomp with input as {"app": app, "host": host} with data.profiles as profiles
}

allowed_names(s) := {r.name | some r in s.syscalls; r.action == "allow"}

rules_of(s, name) := [r | some r in s.syscalls; r.name == name]

test_base_is_always_included if {
	s := plan({"name": "a"})
	allowed_names(s) == {"ioctl", "read", "write"}
	s.profiles == [{"name": "base", "reasons": [{"kind": "rule", "ref": "syscalls.base"}]}]
}

test_named_profile_adds_its_syscalls_with_reasons if {
	s := plan({"name": "a", "syscalls": {"profiles": ["process"]}})
	"wait4" in allowed_names(s)
	rules_of(s, "wait4") == [{"name": "wait4", "action": "allow", "reasons": [{"kind": "profile", "ref": "process", "why": "wait"}]}]
}

test_hints_choose_profiles if {
	s := plan({"name": "a", "syscalls": {"hints": ["threads"]}})
	"futex" in allowed_names(s)
	{"name": "threads", "reasons": [{"kind": "field", "ref": "syscalls.hints[0]"}]} in s.profiles
}

test_writable_mount_chooses_files_write if {
	s := plan({"name": "a", "mounts": [{"type": "tmpfs", "target": "/cache", "size": 4096}]})
	"unlink" in allowed_names(s)
	s2 := plan({"name": "a", "mounts": [{"type": "bind", "source": "/x", "target": "/x", "readOnly": true}]})
	not "unlink" in allowed_names(s2)
}

test_writable_root_chooses_files_write if {
	s := plan({"name": "a", "root": {"type": "host", "writable": true}})
	{"name": "files-write", "reasons": [{"kind": "field", "ref": "root.writable"}]} in s.profiles
	not "unlink" in allowed_names(plan({"name": "a", "root": {"type": "host"}}))
}

test_listen_chooses_net_server_and_ip_families if {
	s := plan({"name": "a", "network": {"listen": [{"port": 8080, "protocol": "tcp"}]}})
	{"name": "net-server", "reasons": [{"kind": "field", "ref": "network.listen"}]} in s.profiles
	families := {r.args[0].value | some r in rules_of(s, "socket")}
	families == {1, 2, 10}
}

test_no_network_declared_only_local_sockets if {
	s := plan({"name": "a", "syscalls": {"profiles": ["unix"]}})
	[r.args | some r in rules_of(s, "socket")] == [[{"index": 0, "op": "eq", "value": 1}]]
	[r.args | some r in rules_of(s, "socketpair")] == [[{"index": 0, "op": "eq", "value": 1}]]
}

test_connect_adds_netlink_route_for_the_resolver if {
	s := plan({"name": "a", "network": {"connect": [{"port": 443, "protocol": "tcp"}]}})
	some r in rules_of(s, "socket")
	r.args == [{"index": 0, "op": "eq", "value": 16}, {"index": 2, "op": "eq", "value": 0}]
	not "net-server" in {p.name | some p in s.profiles}
}

test_clone_never_with_namespace_flags if {
	s := plan({"name": "a", "syscalls": {"profiles": ["process"]}})
	rules_of(s, "clone")[0].args == [{"index": 0, "op": "masked_eq", "mask": 2114060416, "value": 0}]
}

test_clone3_stays_enosys_even_from_a_profile if {
	s := plan({"name": "a", "syscalls": {"profiles": ["process"]}})
	not "clone3" in allowed_names(s)
	some r in s.removed
	r.name == "clone3"
}

test_ioctl_refuses_tiocsti if {
	s := plan({"name": "a"})
	some r in rules_of(s, "ioctl")
	r.action == "errno"
	r.errno == "EPERM"
	r.args == [{"index": 1, "op": "masked_eq", "mask": 4294967295, "value": 21522}]
}

test_ioctl_allow_rule_is_conditional_too if {
	s := plan({"name": "a"})
	[r.args | some r in rules_of(s, "ioctl"); r.action == "allow"] == [[{"index": 1, "op": "ge", "value": 0}]]
}

test_dangerous_syscalls_fail_with_eperm if {
	s := plan({"name": "a"})
	rules_of(s, "mount") == [{"name": "mount", "action": "errno", "errno": "EPERM", "reasons": [{"kind": "rule", "ref": "syscalls.dangerous-eperm", "why": "a dangerous syscall, refused"}]}]
}

test_dangerous_allowed_by_the_app_is_not_refused if {
	s := plan({"name": "a", "syscalls": {"allow": ["ptrace"]}})
	rules_of(s, "ptrace") == [{"name": "ptrace", "action": "allow", "reasons": [{"kind": "field", "ref": "syscalls.allow[0]"}]}]
}

test_allow_adds_with_field_reason if {
	s := plan({"name": "a", "syscalls": {"allow": ["getpid", "read"]}})
	rules_of(s, "read")[0].reasons == [
		{"kind": "profile", "ref": "base", "why": "read files"},
		{"kind": "field", "ref": "syscalls.allow[1]"},
	]
	"getpid" in allowed_names(s)
}

test_deny_removes_even_from_profiles if {
	s := plan({"name": "a", "syscalls": {"deny": ["write"], "allow": ["write"]}})
	not "write" in allowed_names(s)
	{"name": "write", "reasons": [{"kind": "field", "ref": "syscalls.deny[0]"}]} in s.removed
}

test_unknown_profile_is_an_error if {
	app := {"name": "a", "syscalls": {"profiles": ["process", "pyhton"]}}
	errs := syscalls.errors with input as {"app": app, "host": host} with data.profiles as profiles
	errs == {{
		"path": "syscalls.profiles[1]",
		"message": "unknown syscall profile \"pyhton\"",
		"expected": ["base", "files-write", "net-client", "net-server", "process", "threads", "unix"],
		"got": "pyhton",
	}}
}

test_known_profiles_no_errors if {
	errs := syscalls.errors with input as {"app": {"name": "a", "syscalls": {"profiles": ["process"]}}, "host": host}
		with data.profiles as profiles
	count(errs) == 0
}

test_default_action_enosys_and_bad_arch_kills if {
	s := plan({"name": "a"})
	s.defaultAction == {"action": "errno", "errno": "ENOSYS"}
	s.badArchAction == "kill_process"
	s.architectures == ["x86_64"]
}

test_a_learned_profile_replaces_the_building_blocks if {
	learned := object.union(profiles, {
		"./web.profile.yaml": {"description": "l", "kind": "learned", "syscalls": {"read": "seen", "accept4": "seen"}},
		"launch": {"description": "x", "kind": "runtime", "syscalls": {"execve": "start", "exit_group": "end"}},
	})
	app := {"name": "a", "network": {"listen": [{"port": 80, "protocol": "tcp"}]}, "syscalls": {"profiles": ["./web.profile.yaml"]}}
	s := syscalls.seccomp with input as {"app": app, "host": host} with data.profiles as learned
	allowed_names(s) == {"read", "accept4", "execve", "exit_group"}
	[p.name | some p in s.profiles] == ["./web.profile.yaml", "launch"]
}

test_explicit_hints_still_count_with_a_learned_profile if {
	learned := object.union(profiles, {
		"./web.profile.yaml": {"description": "l", "kind": "learned", "syscalls": {"read": "seen"}},
		"launch": {"description": "x", "kind": "runtime", "syscalls": {"execve": "start"}},
	})
	app := {"name": "a", "syscalls": {"profiles": ["./web.profile.yaml"], "hints": ["threads"]}}
	s := syscalls.seccomp with input as {"app": app, "host": host} with data.profiles as learned
	"futex" in allowed_names(s)
	not "write" in allowed_names(s)
}

recognised_reason(program, hint) := {"kind": "rule", "ref": "syscalls.recognised-runtime", "why": sprintf("the command runs %s: recognised as the %s runtime (hints: [] turns this off)", [program, hint])}

profile_names(s) := [p.name | some p in s.profiles]

test_a_shell_command_is_recognised_and_gets_fork if {
	s := plan({"name": "a", "command": ["/bin/sh", "-c", "echo hi | wc -c"]})
	s.profiles == [
		{"name": "base", "reasons": [{"kind": "rule", "ref": "syscalls.base"}]},
		{"name": "process", "reasons": [recognised_reason("sh", "shell")]},
	]
	"wait4" in allowed_names(s)
}

test_bash_and_dash_are_shells if {
	profile_names(plan({"name": "a", "command": ["bash", "-c", "true"]})) == ["base", "process"]
	profile_names(plan({"name": "a", "command": ["/usr/bin/dash"]})) == ["base", "process"]
}

test_python_is_recognised_also_by_a_versioned_name if {
	s := plan({"name": "a", "command": ["/usr/bin/python3.11", "-c", "print(1)"]})
	s.profiles == [
		{"name": "base", "reasons": [{"kind": "rule", "ref": "syscalls.base"}]},
		{"name": "python", "reasons": [recognised_reason("python3.11", "python")]},
		{"name": "threads", "reasons": [recognised_reason("python3.11", "python")]},
	]
	profile_names(plan({"name": "a", "command": ["python3", "x.py"]})) == ["base", "python", "threads"]
	profile_names(plan({"name": "a", "command": ["python"]})) == ["base", "python", "threads"]
}

test_node_perl_ruby_java_are_recognised if {
	profile_names(plan({"name": "a", "command": ["node", "-e", "1"]})) == ["base", "node", "threads"]
	profile_names(plan({"name": "a", "command": ["/usr/bin/nodejs"]})) == ["base", "node", "threads"]
	profile_names(plan({"name": "a", "command": ["perl", "-e", "1"]})) == ["base", "perl"]
	profile_names(plan({"name": "a", "command": ["/usr/bin/perl5.36.0"]})) == ["base", "perl"]
	profile_names(plan({"name": "a", "command": ["ruby3.1", "x.rb"]})) == ["base", "ruby", "threads"]
	profile_names(plan({"name": "a", "command": ["/usr/lib/jvm/java-17/bin/java", "-jar", "a.jar"]})) == ["base", "java", "threads"]
}

test_env_runs_the_program_it_names if {
	s := plan({"name": "a", "command": ["/usr/bin/env", "python3", "x.py"]})
	{"name": "python", "reasons": [recognised_reason("python3", "python")]} in s.profiles
	env := ["/usr/bin/env", "-i", "-u", "HOME", "LANG=C", "node", "-e", "1"]
	profile_names(plan({"name": "a", "command": env})) == ["base", "node", "threads"]
}

test_other_programs_are_not_recognised if {
	profile_names(plan({"name": "a", "command": ["/usr/bin/python3-config"]})) == ["base"]
	profile_names(plan({"name": "a", "command": ["/usr/bin/shasum"]})) == ["base"]
	profile_names(plan({"name": "a", "command": ["/opt/sh/app", "bash"]})) == ["base"]
	profile_names(plan({"name": "a", "command": ["/usr/bin/env"]})) == ["base"]
	profile_names(plan({"name": "a", "command": ["/usr/bin/env", "-u", "node", "true"]})) == ["base"]
}

test_empty_hints_turn_recognition_off if {
	s := plan({"name": "a", "command": ["/bin/sh", "-c", "echo hi | wc -c"], "syscalls": {"hints": []}})
	profile_names(s) == ["base"]
	not "wait4" in allowed_names(s)
}

test_named_hints_replace_recognition if {
	s := plan({"name": "a", "command": ["python3", "x.py"], "syscalls": {"hints": ["spawns"]}})
	s.profiles == [
		{"name": "base", "reasons": [{"kind": "rule", "ref": "syscalls.base"}]},
		{"name": "process", "reasons": [{"kind": "field", "ref": "syscalls.hints[0]"}]},
	]
}

test_a_named_profile_and_recognition_both_count if {
	s := plan({"name": "a", "command": ["/bin/sh", "-c", "ls"], "syscalls": {"profiles": ["process"]}})
	s.profiles == [
		{"name": "base", "reasons": [{"kind": "rule", "ref": "syscalls.base"}]},
		{"name": "process", "reasons": [{"kind": "field", "ref": "syscalls.profiles[0]"}, recognised_reason("sh", "shell")]},
	]
}

test_new_hints_choose_their_runtime_profiles if {
	profile_names(plan({"name": "a", "syscalls": {"hints": ["perl"]}})) == ["base", "perl"]
	profile_names(plan({"name": "a", "syscalls": {"hints": ["ruby"]}})) == ["base", "ruby", "threads"]
	profile_names(plan({"name": "a", "syscalls": {"hints": ["java"]}})) == ["base", "java", "threads"]
}
