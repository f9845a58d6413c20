# METADATA
# title: filesystem view
# description: |
#   A new, read-only root: the host's system directories bound read-only, a few /etc files,
#   a fresh /proc, a minimal /dev and a private /tmp.
package secure_run.plan.filesystem

host_dirs := ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]

# Files from the host's /etc that programs commonly read. Missing ones are skipped.
etc_files := [
	"/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/hosts", "/etc/host.conf",
	"/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
	"/etc/alternatives", "/etc/ssl", "/etc/ca-certificates", "/etc/mime.types",
	"/etc/os-release", "/etc/debian_version", "/etc/services", "/etc/protocols",
	"/etc/gai.conf",
]

resolv_conf := ["/etc/resolv.conf"] if object.get(input.app, ["network", "mode"], "none") == "host"

resolv_conf := [] if object.get(input.app, ["network", "mode"], "none") == "none"

host_root_reason := {"kind": "rule", "ref": "filesystem.host-root"}

root_mounts := [m |
	some d in host_dirs
	info := input.host.root[d]
	m := root_entry(d, info)
]

root_entry(d, info) := {"type": "bind", "source": d, "target": d, "readOnly": true, "reasons": [host_root_reason]} if {
	info.type == "dir"
}

root_entry(d, info) := {"type": "symlink", "target": d, "linkTo": info.target, "reasons": [host_root_reason]} if {
	info.type == "symlink"
}

etc_mounts := [m |
	some f in array.concat(etc_files, resolv_conf)
	m := {"type": "bind", "source": f, "target": f, "readOnly": true, "optional": true, "reasons": [{"kind": "rule", "ref": "filesystem.host-etc"}]}
]

default tmp_size := 67108864

tmp_size := data.config.defaults.tmpSize

system_mounts := [
	{"type": "proc", "target": "/proc", "reasons": [{"kind": "rule", "ref": "filesystem.proc"}]},
	{"type": "dev", "target": "/dev", "reasons": [{"kind": "rule", "ref": "filesystem.dev"}]},
	{"type": "tmpfs", "target": "/tmp", "size": tmp_size, "mode": 1023, "reasons": [{"kind": "rule", "ref": "filesystem.tmp"}]},
]

# The app's own mounts come last, so they may go below /tmp or replace a host view path.
app_mounts := [m |
	some i, entry in object.get(input.app, "mounts", [])
	m := app_mount(entry, sprintf("mounts[%d]", [i]))
]

app_mount(entry, path) := {
	"type": "bind", "source": entry.source, "target": entry.target, "readOnly": entry.readOnly,
	"reasons": [{"kind": "field", "ref": path}],
} if entry.type == "bind"

app_mount(entry, path) := {
	"type": "tmpfs", "target": entry.target, "size": entry.size, "mode": 1023,
	"reasons": [{"kind": "field", "ref": path}],
} if entry.type == "tmpfs"

filesystem := {
	"readOnlyRoot": true,
	"mounts": array.concat(array.concat(array.concat(root_mounts, etc_mounts), system_mounts), app_mounts),
}
