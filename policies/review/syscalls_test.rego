package secure_run.review.syscalls_test

import data.secure_run.review.fixtures_test as f
import data.secure_run.review.syscalls

allowed(name, reason) := {"seccomp": {"syscalls": [{"name": name, "action": "allow", "reasons": [reason]}]}}

test_dangerous_syscall_points_at_the_allow_entry if {
	plan := allowed("ptrace", {"kind": "field", "ref": "syscalls.allow[0]"})
	ds := syscalls.decisions with input as f.input_of({}, plan)
	ds == {{
		"rule": "syscalls.dangerous", "level": "deny", "title": "Dangerous syscall allowed",
		"message": "syscall ptrace is dangerous and the organisation does not accept it",
		"path": "syscalls.allow[0]",
	}}
}

test_dangerous_syscall_from_a_profile_points_at_the_profile if {
	plan := allowed("bpf", {"kind": "profile", "ref": "tracing"})
	ds := syscalls.decisions with input as f.input_of({"syscalls": {"profiles": ["process", "tracing"]}}, plan)
	ds == {{
		"rule": "syscalls.dangerous", "level": "deny", "title": "Dangerous syscall allowed",
		"message": "syscall bpf is dangerous and the organisation does not accept it",
		"path": "syscalls.profiles[1]",
	}}
}

test_refused_dangerous_syscall_is_fine if {
	plan := {"seccomp": {"syscalls": [{"name": "mount", "action": "errno", "errno": "EPERM", "reasons": [{"kind": "rule", "ref": "x"}]}]}}
	ds := syscalls.decisions with input as f.input_of({}, plan)
	ds == set()
}

test_accepted_dangerous_syscall if {
	plan := allowed("ptrace", {"kind": "field", "ref": "syscalls.allow[0]"})
	ds := syscalls.decisions with input as f.input_of({}, plan)
		with data.config.syscalls.allowed as ["ptrace"]
	ds == set()
}

test_forbidden_syscall_points_at_its_profile if {
	ds := syscalls.decisions with input as f.input_of({"syscalls": {"profiles": ["base"]}}, {})
		with data.config.syscalls.forbidden as ["read"]
	ds == {{
		"rule": "syscalls.forbidden", "level": "deny", "title": "Forbidden syscall allowed",
		"message": "syscall read is forbidden by the organisation's configuration",
		"path": "syscalls.profiles[0]",
	}}
}

test_dangerous_and_forbidden_syscall_gets_both if {
	plan := allowed("ptrace", {"kind": "field", "ref": "syscalls.allow[0]"})
	ds := syscalls.decisions with input as f.input_of({}, plan)
		with data.config.syscalls.forbidden as ["ptrace"]
	ds == {
		{
			"rule": "syscalls.dangerous", "level": "deny", "title": "Dangerous syscall allowed",
			"message": "syscall ptrace is dangerous and the organisation does not accept it",
			"path": "syscalls.allow[0]",
		},
		{
			"rule": "syscalls.forbidden", "level": "deny", "title": "Forbidden syscall allowed",
			"message": "syscall ptrace is forbidden by the organisation's configuration",
			"path": "syscalls.allow[0]",
		},
	}
}
