package secure_run.plan.landlock_test

import data.secure_run.plan.landlock

host := {"root": {"/usr": {"type": "dir"}}, "landlock": {"abi": 7}}

rule_for(l, path) := [r.access | some r in l.fs; r.path == path]

test_read_view_write_only_where_writable_execute_only_from_read_only_binds if {
	app := {"name": "a", "mounts": [{"type": "bind", "source": "/srv", "target": "/data", "readOnly": false}]}
	l := landlock.landlock with input as {"app": app, "host": host}
	rule_for(l, "/") == [["read"]]
	rule_for(l, "/usr") == [["execute", "read"]]
	rule_for(l, "/etc/passwd") == [["read"]]
	rule_for(l, "/tmp") == [["read", "write"]]
	rule_for(l, "/data") == [["read", "write"]]
	rule_for(l, "/proc") == [["read"]]
}

test_tcp_rules_from_listen_and_connect if {
	app := {"name": "a", "network": {
		"listen": [{"port": 8080, "protocol": "tcp"}, {"port": 53, "protocol": "udp"}],
		"connect": [{"port": 5432, "protocol": "tcp"}],
	}}
	l := landlock.landlock with input as {"app": app, "host": host}
	[p.port | some p in l.tcpBind] == [8080]
	[p.port | some p in l.tcpConnect] == [5432]
	n := landlock.notices with input as {"app": app, "host": host}
	n == {"UDP ports are not restricted: Landlock has rules for TCP only"}
}

test_always_scoped_even_without_rules if {
	l := landlock.landlock with input as {"app": {"name": "a", "network": {"mode": "host"}}, "host": host}
	l.scope == ["abstract-unix", "signal"]
}

test_writable_root_writes_from_root_and_executes_only_where_it_did if {
	app := {"name": "a", "root": {"type": "host", "writable": true}}
	l := landlock.landlock with input as {"app": app, "host": host}
	rule_for(l, "/") == [["read", "write"]]
	rule_for(l, "/usr") == [["execute", "read"]]
	rule_for(l, "/etc/passwd") == [["read"]]
	[r.path | some r in l.fs; "execute" in r.access] == ["/usr"]
}

test_writable_rootfs_lower_has_no_rule_of_its_own if {
	app := {"name": "a", "root": {"type": "rootfs", "path": "/srv/r", "writable": true}}
	rootfs := {"path": "/srv/r", "entries": {"usr": {"type": "dir"}, "etc": {"type": "dir"}}}
	l := landlock.landlock with input as {"app": app, "host": host, "rootfs": rootfs}
	rule_for(l, "/") == [["read", "write"]]
	rule_for(l, "/usr") == [["execute", "read"]]
	rule_for(l, "/etc") == []
}

test_read_only_image_root_lets_programs_run_from_its_entries if {
	image := {"ref": "v1", "id": "sha256:1", "config": {}, "layers": ["/s/l"], "entries": {"usr": {"type": "dir"}, "tmp": {"type": "dir"}, "bin": {"type": "symlink", "target": "usr/bin"}}}
	fs := landlock.landlock.fs with input as {"app": {"name": "a", "root": {"type": "image", "ref": "v1"}}, "host": {"root": {}}, "image": image}
	{"path": "/usr", "access": ["execute", "read"], "reasons": [{"kind": "field", "ref": "root.image"}, {"kind": "rule", "ref": "filesystem.image-overlay"}]} in fs
	not "/tmp" in {r.path | some r in fs; "execute" in r.access}
	not "/bin" in {r.path | some r in fs}
}
