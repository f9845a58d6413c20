package secure_run.plan.filesystem_test

import data.secure_run.plan.filesystem

host := {"root": {"/usr": {"type": "dir"}, "/bin": {"type": "symlink", "target": "usr/bin"}}}

test_host_dirs_bound_read_only_and_symlinks_kept if {
	fs := filesystem.filesystem with input as {"app": {"name": "a"}, "host": host}
	fs.readOnlyRoot
	fs.mounts[0] == {"type": "bind", "source": "/usr", "target": "/usr", "readOnly": true, "reasons": [{"kind": "rule", "ref": "filesystem.host-root"}]}
	fs.mounts[1] == {"type": "symlink", "target": "/bin", "linkTo": "usr/bin", "reasons": [{"kind": "rule", "ref": "filesystem.host-root"}]}
}

targets(fs) := [m.target | some m in fs.mounts]

test_proc_dev_tmp_present if {
	fs := filesystem.filesystem with input as {"app": {"name": "a"}, "host": host}
	t := targets(fs)
	"/proc" in t
	"/dev" in t
	"/tmp" in t
}

test_resolv_conf_only_with_host_network if {
	fs := filesystem.filesystem with input as {"app": {"name": "a"}, "host": host}
	not "/etc/resolv.conf" in targets(fs)
	fs2 := filesystem.filesystem with input as {"app": {"name": "a", "network": {"mode": "host"}}, "host": host}
	"/etc/resolv.conf" in targets(fs2)
}

test_no_writable_host_binds if {
	fs := filesystem.filesystem with input as {"app": {"name": "a"}, "host": host}
	count([m | some m in fs.mounts; m.type == "bind"; not m.readOnly]) == 0
}

test_app_mounts_come_last_with_reasons if {
	app := {"name": "a", "mounts": [
		{"type": "bind", "source": "/srv/site", "target": "/var/www", "readOnly": true},
		{"type": "tmpfs", "target": "/var/cache", "size": 1048576},
	]}
	fs := filesystem.filesystem with input as {"app": app, "host": host}
	n := count(fs.mounts)
	fs.mounts[n - 2] == {"type": "bind", "source": "/srv/site", "target": "/var/www", "readOnly": true, "reasons": [{"kind": "field", "ref": "mounts[0]"}]}
	fs.mounts[n - 1] == {"type": "tmpfs", "target": "/var/cache", "size": 1048576, "mode": 1023, "reasons": [{"kind": "field", "ref": "mounts[1]"}]}
}

test_writable_bind_only_when_asked if {
	app := {"name": "a", "mounts": [{"type": "bind", "source": "/srv/data", "target": "/data", "readOnly": false}]}
	fs := filesystem.filesystem with input as {"app": app, "host": host}
	writable := [m.target | some m in fs.mounts; m.type == "bind"; not m.readOnly]
	writable == ["/data"]
}
