package secure_run.review_test

import data.secure_run.review

minimal_plan := {
	"process": {"user": {"uid": 65534}},
	"network": {"mode": "none"},
	"seccomp": {"syscalls": [{"name": "read", "action": "allow", "reasons": [{"kind": "profile", "ref": "base"}]}]},
	"cgroup": {"memory": {"max": 1073741824}, "pids": {"max": 1024}},
}

limited := {"memory": 67108864, "cpu": 1, "pids": 64}

decisions(app, plan) := d if d := review.decisions with input as {"app": object.union({"name": "a", "resources": limited}, app), "plan": object.union(minimal_plan, plan)}

rules(ds) := {d.rule | some d in ds}

test_a_tight_app_has_no_findings if {
	decisions({}, {}) == []
}

test_dangerous_capability_denied_at_its_field if {
	ds := decisions({"capabilities": ["CHOWN", "SYS_ADMIN"]}, {})
	ds == [{
		"rule": "capabilities.dangerous", "level": "deny", "title": "Dangerous capability",
		"message": "capability SYS_ADMIN is dangerous and the organisation does not allow it; it is not kept",
		"path": "capabilities[1]",
	}]
}

test_dangerous_capability_allowed_by_the_organisation if {
	ds := review.decisions with input as {"app": {"name": "a", "resources": limited, "capabilities": ["SYS_ADMIN"]}, "plan": minimal_plan}
		with data.config.capabilities.allowed as ["SYS_ADMIN"]
	ds == []
}

test_capability_outside_the_allowed_list if {
	ds := review.decisions with input as {"app": {"name": "a", "resources": limited, "capabilities": ["CHOWN"]}, "plan": minimal_plan}
		with data.config.capabilities.allowed as ["KILL"]
	rules(ds) == {"capabilities.not-allowed"}
}

test_raw_sockets_warn if {
	rules(decisions({"capabilities": ["NET_RAW"]}, {})) == {"capabilities.risky"}
}

test_privileged_port_on_host_warns if {
	app := {"network": {"mode": "host", "listen": [{"port": 80, "protocol": "tcp"}]}}
	rules(decisions(app, {"network": {"mode": "host"}})) == {"capabilities.privileged-port-on-host", "network.host"}
	rules(decisions({"network": {"listen": [{"port": 80, "protocol": "tcp"}]}}, {})) == set()
}

test_dangerous_syscall_points_at_the_allow_entry if {
	plan := {"seccomp": {"syscalls": [{"name": "ptrace", "action": "allow", "reasons": [{"kind": "field", "ref": "syscalls.allow[0]"}]}]}}
	ds := decisions({}, plan)
	[[d.rule, d.path] | some d in ds] == [["syscalls.dangerous", "syscalls.allow[0]"]]
}

test_dangerous_syscall_from_a_profile_points_at_the_profile if {
	plan := {"seccomp": {"syscalls": [{"name": "bpf", "action": "allow", "reasons": [{"kind": "profile", "ref": "tracing"}]}]}}
	ds := decisions({"syscalls": {"profiles": ["process", "tracing"]}}, plan)
	[d.path | some d in ds] == ["syscalls.profiles[1]"]
}

test_refused_dangerous_syscall_is_fine if {
	plan := {"seccomp": {"syscalls": [{"name": "mount", "action": "errno", "errno": "EPERM", "reasons": [{"kind": "rule", "ref": "x"}]}]}}
	decisions({}, plan) == []
}

test_accepted_dangerous_syscall if {
	plan := object.union(minimal_plan, {"seccomp": {"syscalls": [{"name": "ptrace", "action": "allow", "reasons": [{"kind": "field", "ref": "syscalls.allow[0]"}]}]}})
	ds := review.decisions with input as {"app": {"name": "a", "resources": limited}, "plan": plan}
		with data.config.syscalls.allowed as ["ptrace"]
	ds == []
}

test_forbidden_syscall if {
	app := {"name": "a", "resources": limited, "syscalls": {"profiles": ["base"]}}
	ds := review.decisions with input as {"app": app, "plan": minimal_plan}
		with data.config.syscalls.forbidden as ["read"]
	[[d.rule, d.level, d.path] | some d in ds] == [["syscalls.forbidden", "deny", "syscalls.profiles[0]"]]
}

bind(source, ro) := {"type": "bind", "source": source, "target": "/x", "readOnly": ro}

test_writable_system_path_denied_read_only_fine if {
	rules(decisions({"mounts": [bind("/etc/nginx", false)]}, {})) == {"filesystem.writable-system-path"}
	rules(decisions({"mounts": [bind("/etc/nginx", true)]}, {})) == set()
	rules(decisions({"mounts": [bind("/srv/data", false)]}, {})) == set()
}

test_runtime_socket_or_its_directory_denied if {
	rules(decisions({"mounts": [bind("/var/run/docker.sock", true)]}, {})) == {"filesystem.runtime-socket"}
	rules(decisions({"mounts": [bind("/run/containerd", true)]}, {})) == {"filesystem.runtime-socket"}
	"filesystem.runtime-socket" in rules(decisions({"mounts": [bind("/var/run", true)]}, {}))
}

test_host_secrets_warn if {
	rules(decisions({"mounts": [bind("/home/alice/.ssh", true)]}, {})) == {"filesystem.host-secrets"}
}

test_forbidden_and_protected_paths_from_the_configuration if {
	ds := review.decisions with input as {"app": {"name": "a", "resources": limited, "mounts": [bind("/srv/secret/x", true), bind("/srv/shared", false)]}, "plan": minimal_plan}
		with data.config.paths as {"forbidden": ["/srv/secret"], "readOnly": ["/srv/shared"]}
	[[d.rule, d.path] | some d in ds] == [["filesystem.forbidden-path", "mounts[0].source"], ["filesystem.writable-system-path", "mounts[1].readOnly"]]
}

test_missing_limits_warn if {
	ds := review.decisions with input as {"app": {"name": "a", "resources": {"memory": 1048576}}, "plan": minimal_plan}
	{[d.rule, d.level, d.path] | some d in ds} == {["limits.missing", "warn", "resources.cpu"], ["limits.missing", "warn", "resources.pids"]}
}

test_required_limits_deny if {
	ds := review.decisions with input as {"app": {"name": "a", "resources": {"memory": 1048576, "pids": 5}}, "plan": minimal_plan}
		with data.config.limits.required as ["cpu"]
	[[d.rule, d.level] | some d in ds] == [["limits.required", "deny"]]
}

test_limits_above_the_maximum if {
	ds := review.decisions with input as {"app": {"name": "a", "resources": limited}, "plan": minimal_plan}
		with data.config.limits.max as {"memory": 1048576}
	[[d.rule, d.path] | some d in ds] == [["limits.above-max", "resources.memory"]]
}

test_root_warns if {
	rules(decisions({}, {"process": {"user": {"uid": 0}}})) == {"user.root"}
}

test_host_network_warns_or_denies if {
	rules(decisions({}, {"network": {"mode": "host"}})) == {"network.host"}
	ds := review.decisions with input as {"app": {"name": "a", "resources": limited}, "plan": object.union(minimal_plan, {"network": {"mode": "host"}})}
		with data.config.network.allowHost as false
	[[d.rule, d.level] | some d in ds] == [["network.host-forbidden", "deny"]]
}

test_rule_levels_from_the_configuration if {
	app := {"name": "a", "resources": limited, "capabilities": ["NET_RAW"]}
	off := review.decisions with input as {"app": app, "plan": minimal_plan} with data.config.rules as {"capabilities.risky": "off"}
	off == []
	deny := review.decisions with input as {"app": app, "plan": minimal_plan} with data.config.rules as {"capabilities.risky": "deny"}
	[d.level | some d in deny] == ["deny"]
}
