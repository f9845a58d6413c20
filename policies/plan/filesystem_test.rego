package secure_run.plan.filesystem_test

import data.secure_run.plan.filesystem

host := {"root": {"/usr": {"type": "dir"}, "/bin": {"type": "symlink", "target": "usr/bin"}}}

fs(app) := f if f := filesystem.filesystem with input as {"app": app, "host": host}

targets(f) := [m.target | some m in f.mounts]

test_host_dirs_bound_read_only_and_symlinks_kept if {
	f := fs({"name": "a"})
	f.readOnlyRoot
	f.mounts[0] == {"type": "bind", "source": "/usr", "target": "/usr", "readOnly": true, "sourceType": "dir", "reasons": [{"kind": "rule", "ref": "filesystem.host-root"}]}
	f.mounts[1] == {"type": "symlink", "target": "/bin", "linkTo": "usr/bin", "reasons": [{"kind": "rule", "ref": "filesystem.host-root"}]}
}

test_proc_dev_tmp_present if {
	t := targets(fs({"name": "a"}))
	"/proc" in t
	"/dev" in t
	"/tmp" in t
}

test_proc_is_masked_and_sys_read_only if {
	f := fs({"name": "a"})
	"/proc/kcore" in {m.path | some m in f.maskedPaths}
	"/proc/sys" in {m.path | some m in f.readOnlyPaths}
}

test_resolv_conf_only_with_host_network if {
	not "/etc/resolv.conf" in targets(fs({"name": "a"}))
	"/etc/resolv.conf" in targets(fs({"name": "a", "network": {"mode": "host"}}))
}

test_private_network_binds_its_own_resolv_conf_when_it_connects if {
	h := object.union(host, {"privateResolvConf": "/var/lib/secure-run/networks/resolv.conf", "etcLinks": {"/etc/resolv.conf": "/run/systemd/resolve/stub-resolv.conf"}})
	app := {"name": "a", "network": {"mode": "private", "connect": [{"port": 443}]}}
	f := filesystem.filesystem with input as {"app": app, "host": h}
	{"type": "bind", "source": "/var/lib/secure-run/networks/resolv.conf", "target": "/etc/resolv.conf", "readOnly": true, "optional": true, "reasons": [{"kind": "rule", "ref": "filesystem.host-etc"}]} in f.mounts
	quiet := filesystem.filesystem with input as {"app": {"name": "a", "network": {"mode": "private"}}, "host": h}
	not "/etc/resolv.conf" in targets(quiet)
	hf := filesystem.filesystem with input as {"app": {"name": "a", "network": {"mode": "host"}}, "host": h}
	{"type": "bind", "source": "/run/systemd/resolve/stub-resolv.conf", "target": "/etc/resolv.conf", "readOnly": true, "optional": true, "reasons": [{"kind": "rule", "ref": "filesystem.host-etc"}]} in hf.mounts
}

test_no_writable_host_binds_by_default if {
	count([m | some m in fs({"name": "a"}).mounts; m.type == "bind"; not m.readOnly]) == 0
}

test_app_mounts_come_last_with_reasons if {
	f := fs({"name": "a", "mounts": [
		{"type": "bind", "source": "/srv/site", "target": "/var/www", "readOnly": true},
		{"type": "tmpfs", "target": "/var/cache", "size": 1048576},
	]})
	n := count(f.mounts)
	f.mounts[n - 2] == {"type": "bind", "source": "/srv/site", "target": "/var/www", "readOnly": true, "reasons": [{"kind": "field", "ref": "mounts[0]"}]}
	f.mounts[n - 1] == {"type": "tmpfs", "target": "/var/cache", "size": 1048576, "mode": 1023, "reasons": [{"kind": "field", "ref": "mounts[1]"}]}
}

test_rootfs_replaces_the_host_view if {
	rootfs := {"path": "/srv/root", "entries": {
		"usr": {"type": "dir"}, "bin": {"type": "symlink", "target": "usr/bin"},
		"etc": {"type": "dir"}, "proc": {"type": "dir"}, "tmp": {"type": "dir"},
	}}
	f := filesystem.filesystem with input as {"app": {"name": "a"}, "host": host, "rootfs": rootfs}
	t := targets(f)
	"/etc" in t
	not "/etc/passwd" in t
	{"type": "bind", "source": "/srv/root/usr", "target": "/usr", "readOnly": true, "sourceType": "dir", "reasons": [{"kind": "field", "ref": "root.rootfs"}]} in f.mounts
	count([x | some x in t; x == "/proc"]) == 1
}

test_etc_links_are_bound_from_their_real_path if {
	h := object.union(host, {"etcLinks": {"/etc/localtime": "/usr/share/zoneinfo/Etc/UTC"}})
	f := filesystem.filesystem with input as {"app": {"name": "a"}, "host": h}
	{"type": "bind", "source": "/usr/share/zoneinfo/Etc/UTC", "target": "/etc/localtime", "readOnly": true, "optional": true, "reasons": [{"kind": "rule", "ref": "filesystem.host-etc"}]} in f.mounts
	{"type": "bind", "source": "/etc/passwd", "target": "/etc/passwd", "readOnly": true, "optional": true, "reasons": [{"kind": "rule", "ref": "filesystem.host-etc"}]} in f.mounts
}

test_mounting_over_proc_is_an_error if {
	errs := filesystem.errors with input as {"app": {"name": "a", "mounts": [{"type": "tmpfs", "target": "/proc/x", "size": 4096}]}, "host": host}
	errs == {{"path": "mounts[0]", "message": "/proc/x is provided by secure-run and cannot be mounted over"}}
}

layer_reason := {"kind": "rule", "ref": "filesystem.writable-layer"}

test_root_read_only_and_no_layer_by_default if {
	f := fs({"name": "a", "mounts": [{"type": "tmpfs", "target": "/cache", "size": 4096}]})
	f.readOnlyRoot
	not f.writableLayer
	f.persistence == [
		{"path": "/tmp", "kind": "tmpfs", "lifetime": "run", "reasons": [{"kind": "rule", "ref": "filesystem.tmp"}]},
		{"path": "/cache", "kind": "tmpfs", "lifetime": "run", "reasons": [{"kind": "field", "ref": "mounts[0]"}]},
	]
}

test_writable_host_root_keeps_the_host_view_read_only_on_top if {
	f := fs({"name": "a", "root": {"type": "host", "writable": true}, "mounts": [{"type": "bind", "source": "/srv/data", "target": "/data", "readOnly": false}]})
	not f.readOnlyRoot
	f.writableLayer == {"lower": null, "reasons": [layer_reason]}
	f.mounts[0] == {"type": "bind", "source": "/usr", "target": "/usr", "readOnly": true, "sourceType": "dir", "reasons": [{"kind": "rule", "ref": "filesystem.host-root"}]}
	f.persistence == [
		{"path": "/", "kind": "layer", "lifetime": "instance", "reasons": [layer_reason]},
		{"path": "/tmp", "kind": "tmpfs", "lifetime": "run", "reasons": [{"kind": "rule", "ref": "filesystem.tmp"}]},
		{"path": "/data", "kind": "volume", "source": "/srv/data", "lifetime": "always", "reasons": [{"kind": "field", "ref": "mounts[0]"}]},
	]
	f.readOnlyPaths[0].path == "/proc"
	f.readOnlyPaths[0].reasons[0].ref == "filesystem.writable-layer"
}

rootfs_input := {"path": "/srv/r", "entries": {
	"usr": {"type": "dir"}, "bin": {"type": "symlink", "target": "usr/bin"},
	"etc": {"type": "dir"}, "proc": {"type": "dir"}, "opt": {"type": "dir"},
}}

rootfs_fs(app) := f if f := filesystem.filesystem with input as {"app": app, "host": host, "rootfs": rootfs_input}

test_writable_rootfs_is_the_lower_with_program_dirs_read_only_on_top if {
	f := rootfs_fs({"name": "a", "root": {"type": "rootfs", "path": "/srv/r", "writable": true}})
	f.writableLayer == {"lower": "/srv/r", "reasons": [layer_reason]}
	f.mounts[0] == {"type": "bind", "source": "/srv/r", "target": "/", "readOnly": true, "sourceType": "dir", "reasons": [{"kind": "field", "ref": "root.rootfs"}, layer_reason]}
	f.mounts[1] == {"type": "bind", "source": "/srv/r/usr", "target": "/usr", "readOnly": true, "sourceType": "dir", "reasons": [{"kind": "field", "ref": "root.rootfs"}]}

	# etc and opt come from the layer, the bin link from the lower: none is mounted
	not "/etc" in targets(f)
	not "/opt" in targets(f)
	not "/bin" in targets(f)
}

test_read_only_rootfs_binds_every_entry if {
	f := rootfs_fs({"name": "a", "root": {"type": "rootfs", "path": "/srv/r"}})
	f.readOnlyRoot
	"/etc" in targets(f)
	"/opt" in targets(f)
	not "/" in targets(f)
}

image_input := {"ref": "v1", "id": "sha256:1", "config": {}, "layers": ["/s/layers/b", "/s/layers/a"], "entries": {
	"usr": {"type": "dir"}, "bin": {"type": "symlink", "target": "usr/bin"},
	"etc": {"type": "dir"}, "proc": {"type": "dir"}, "lib": {"type": "dir"},
}}

image_reason := {"kind": "rule", "ref": "filesystem.image-overlay"}

image_fs(app) := f if f := filesystem.filesystem with input as {"app": app, "host": host, "image": image_input}

test_image_root_is_an_overlay_of_its_layers_and_nothing_of_it_is_bound if {
	f := image_fs({"name": "a", "root": {"type": "image", "ref": "v1"}})
	f.readOnlyRoot
	f.imageLayers == {"layers": ["/s/layers/b", "/s/layers/a"], "reasons": [{"kind": "field", "ref": "root.image"}, image_reason]}
	targets(f) == ["/proc", "/dev", "/tmp"]
	not f.writableLayer
}

test_image_root_programs_run_from_its_own_entries if {
	paths := [e.path | some e in filesystem.image_exec] with input as {"app": {"name": "a", "root": {"type": "image", "ref": "v1"}}, "host": host, "image": image_input}
	paths == ["/etc", "/lib", "/usr"]
}

test_writable_image_root_binds_its_program_dirs_from_the_image if {
	f := image_fs({"name": "a", "root": {"type": "image", "ref": "v1", "writable": true}})
	f.writableLayer == {"lower": null, "reasons": [layer_reason]}
	f.imageLayers.layers == ["/s/layers/b", "/s/layers/a"]
	f.mounts[0] == {"type": "bind", "source": "/lib", "target": "/lib", "readOnly": true, "sourceType": "dir", "fromImage": true, "reasons": [image_reason, layer_reason]}
	f.mounts[1] == {"type": "bind", "source": "/usr", "target": "/usr", "readOnly": true, "sourceType": "dir", "fromImage": true, "reasons": [image_reason, layer_reason]}
	not "/etc" in targets(f)
	not "/bin" in targets(f)
	count({i | some i in filesystem.image_exec}) == 0 with input as {"app": {"name": "a", "root": {"type": "image", "ref": "v1", "writable": true}}, "host": host, "image": image_input}
}

test_image_root_without_layers_is_the_rootfs_it_was_given if {
	f := filesystem.filesystem with input as {"app": {"name": "a", "root": {"type": "image", "ref": "v1"}}, "host": host, "rootfs": rootfs_input, "image": object.remove(image_input, ["layers", "entries"])}
	not f.imageLayers
	f.imageRoot == {"path": rootfs_input.path, "reasons": [{"kind": "field", "ref": "root.image"}, image_reason]}
	"/etc" in targets(f)
}
