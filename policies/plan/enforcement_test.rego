package secure_run.plan.enforcement_test

import data.secure_run.plan.enforcement

host := {
	"landlock": {"abi": 7},
	"cgroup": {"version": 1, "available": ["memory", "pids", "cpu"], "writable": true},
	"userns": {"available": true, "callerUid": 0},
	"selinux": "disabled",
	"swap": {"total": 0, "accounting": false},
	"identity": {"uid": 65534, "gid": 65534},
}

parts(app, h) := {e.part: [e.enforced, e.bestEffort] |
	some e in enforcement.enforcement with input as {"app": app, "host": h}
}

test_everything_enforced_here_but_selinux if {
	p := parts({"name": "a"}, host)
	p == {
		"landlock-fs": [true, false], "landlock-net": [true, false], "landlock-scope": [true, true], "memory": [true, false],
		"pids": [true, false], "swap": [true, false], "user-namespace": [true, false],
		"selinux": [false, true],
	}
}

test_cpu_only_when_limited if {
	p := parts({"name": "a", "resources": {"cpu": 1}}, host)
	p.cpu == [true, false]
}

test_old_landlock_is_refused_unless_accepted if {
	old := object.union(host, {"landlock": {"abi": 3}})
	parts({"name": "a"}, old)["landlock-net"] == [false, false]
	parts({"name": "a", "bestEffort": ["landlock"]}, old)["landlock-net"] == [false, true]
	n := enforcement.notices with input as {"app": {"name": "a"}, "host": old}
	"not enforced on this host: landlock-net (TCP port rules need Landlock ABI 4 (Linux 6.7); this host has 3); secure-run run refuses this plan" in n
}

test_unwritable_cgroup_is_not_enforced if {
	h := object.union(host, {"cgroup": {"version": 1, "available": ["memory", "pids"], "writable": false}})
	p := parts({"name": "a"}, h)
	p.memory == [false, false]
	parts({"name": "a", "bestEffort": ["memory", "pids"]}, h).pids == [false, true]
}

test_swap_needs_accounting_when_the_host_swaps if {
	h := object.union(host, {"swap": {"total": 1073741824, "accounting": false}})
	parts({"name": "a"}, h).swap == [false, false]
}

test_landlock_scope_before_abi_6_is_reported_not_refused if {
	abi5 := object.union(host, {"landlock": {"abi": 5}})
	parts({"name": "a"}, abi5)["landlock-scope"] == [false, true]
	n := enforcement.notices with input as {"app": {"name": "a"}, "host": abi5}
	"not enforced on this host: landlock-scope (abstract unix socket and signal scoping needs Landlock ABI 6 (Linux 6.12); this host has 5); accepted as best-effort" in n
	parts({"name": "a"}, object.union(host, {"landlock": {"abi": 6}}))["landlock-scope"] == [true, true]
}

user_host(cg) := object.union(host, {"cgroup": cg, "userns": {"available": true, "callerUid": 1000, "callerGid": 1000}, "selinux": "enforcing"})

test_a_user_on_cgroup_v1_has_no_limits_and_is_told_how_to_get_them if {
	h := user_host({"version": 1, "available": ["memory", "pids", "cpu"], "writable": true})
	p := parts({"name": "a", "bestEffort": ["memory"]}, h)
	p.memory == [false, true]
	p.pids == [false, false]
	some e in enforcement.enforcement with input as {"app": {"name": "a"}, "host": h}
	e.part == "memory"
	contains(e.detail, "cgroup v1 is not delegated to users")
	contains(e.detail, "systemd-run --user --scope -p Delegate=yes secure-run run APP")
}

test_a_user_with_a_delegated_v2_cgroup_has_its_limits if {
	h := user_host({"version": 2, "available": ["memory", "pids", "cpu"], "writable": true})
	p := parts({"name": "a", "resources": {"cpu": 1}}, h)
	p.memory == [true, false]
	p.pids == [true, false]
	p.cpu == [true, false]
}

test_a_user_without_delegation_on_v2_is_told_how_to_get_it if {
	h := user_host({"version": 2, "available": ["memory", "pids"], "writable": false})
	some e in enforcement.enforcement with input as {"app": {"name": "a"}, "host": h}
	e.part == "pids"
	e.enforced == false
	contains(e.detail, "your cgroup is not delegated to you")
	contains(e.detail, "systemd-run --user --scope -p Delegate=yes")
}

test_a_user_keeps_the_selinux_label_it_inherits if {
	h := user_host({"version": 2, "available": ["memory", "pids"], "writable": true})
	some e in enforcement.enforcement with input as {"app": {"name": "a"}, "host": h}
	e.part == "selinux"
	e.enforced == false
	e.bestEffort == true
	contains(e.detail, "keeps the SELinux label it inherits (SELinux is enforcing)")
}
