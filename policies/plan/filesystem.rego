# METADATA
# title: filesystem view
# description: |
#   A new, read-only root: the host's system directories and a few /etc files (or a rootfs
#   directory), all read-only; a fresh /proc with sensitive files masked and /proc/sys
#   read-only; a minimal /dev; a private /tmp; then the app's own mounts.
# custom:
#   rules:
#     - id: filesystem.host-root
#       decides: "binds the host's system directories (/usr, /bin, /sbin, /lib…) read-only, or recreates them as links, when the app brings no rootfs"
#       reads: "host: root (the type of each directory); app: root.rootfs"
#     - id: filesystem.host-etc
#       decides: "binds a fixed list of the host's /etc files read-only and optional (and /etc/resolv.conf on the host's network, or the private network's own when the app connects), a link from where it leads"
#       reads: "host: etcLinks, privateResolvConf; app: network.mode, network.connect, root.rootfs"
#     - id: filesystem.proc
#       decides: "mounts a fresh /proc"
#       reads: "nothing: every plan has it"
#     - id: filesystem.dev
#       decides: "mounts a minimal /dev"
#       reads: "nothing: every plan has it"
#     - id: filesystem.tmp
#       decides: "mounts a private /tmp (tmpfs, mode 1777, 64 MiB or the organisation's size)"
#       reads: "config: defaults.tmpSize"
#     - id: filesystem.masked
#       decides: "masks kernel and hardware files of /proc and /sys"
#       reads: "nothing: every plan has it"
#     - id: filesystem.read-only-proc
#       decides: "makes kernel settings under /proc (/proc/sys, …) read-only"
#       reads: "nothing: every plan has it"
#     - id: filesystem.image-overlay
#       decides: "makes an image app's root an overlay of the image's layers (read-only; below the writable layer when there is one), where this host lets the caller mount overlayfs; else the image's root is bound as a rootfs"
#       reads: "app: root.image; host: imageRoot"
#     - id: filesystem.writable-layer
#       decides: "makes the root writable through an overlay layer of the instance's own (kept until rm; a foreground run's until its end), mounted noexec; /usr, /bin, /sbin, /lib* stay read-only binds and /proc read-only, so nothing written can be executed"
#       reads: "app: root.writable, root.rootfs"
package secure_run.plan.filesystem

import data.secure_run.lib

host_dirs := ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]

# Files from the host's /etc that programs commonly read. Missing ones are skipped.
etc_files := [
	"/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/hosts", "/etc/host.conf",
	"/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
	"/etc/alternatives", "/etc/ssl", "/etc/ca-certificates", "/etc/mime.types",
	"/etc/os-release", "/etc/debian_version", "/etc/services", "/etc/protocols",
	"/etc/gai.conf",
]

mode := object.get(input.app, ["network", "mode"], "none")

resolv_conf := ["/etc/resolv.conf"] if mode == "host"

resolv_conf := [] if mode == "none"

# A private network resolves names only when the app connects somewhere (DNS is let out then).
resolv_conf := ["/etc/resolv.conf"] if {
	mode == "private"
	count(object.get(input.app, ["network", "connect"], [])) > 0
}

resolv_conf := [] if {
	mode == "private"
	count(object.get(input.app, ["network", "connect"], [])) == 0
}

rootfs := input.rootfs

# An image app's root as an overlay of its layers (the caller sets input.image.layers where this
# host lets it mount overlayfs; else the image's root is a rootfs, input.rootfs).
image_layers := input.image.layers

image_reason := lib.rule("filesystem.image-overlay")

# Entries of a rootfs that secure-run provides itself.
own_entries := {"proc", "dev", "tmp", "sys"}

host_root_reason := lib.rule("filesystem.host-root")

# sourceType: the launcher refuses a source that is no longer what the plan saw.
root_entry(source, target, info, reason) := {"type": "bind", "source": source, "target": target, "readOnly": true, "sourceType": info.type, "reasons": [reason]} if {
	info.type in {"dir", "file"}
}

root_entry(_, target, info, reason) := {"type": "symlink", "target": target, "linkTo": info.target, "reasons": [reason]} if {
	info.type == "symlink"
}

root_mounts := array.concat(
	[m |
		some d in host_dirs
		info := input.host.root[d]
		m := root_entry(d, d, info, host_root_reason)
	],
	[m |
		some f in array.concat(etc_files, resolv_conf)
		m := {"type": "bind", "source": etc_source(f), "target": f, "readOnly": true, "optional": true, "reasons": [lib.rule("filesystem.host-etc")]}
	],
) if {
	not rootfs
	not image_layers
}

# The image's overlay is the whole root: nothing of it is bound.
root_mounts := [] if {
	image_layers
	not writable
}

# With a writable layer over the image's layers, its program directories are bound on top from
# the image's read-only overlay (the layers alone), as a writable rootfs's are.
root_mounts := [m |
	some name in sort([n | some n, _ in input.image.entries])
	sprintf("/%s", [name]) in host_dirs
	input.image.entries[name].type == "dir"
	m := {"type": "bind", "source": sprintf("/%s", [name]), "target": sprintf("/%s", [name]), "readOnly": true, "sourceType": "dir", "fromImage": true, "reasons": [image_reason, layer_reason]}
] if {
	image_layers
	writable
}

root_mounts := [m |
	some name in sort([n | some n, _ in rootfs.entries])
	not name in own_entries
	info := rootfs.entries[name]
	m := root_entry(sprintf("%s/%s", [rootfs.path, name]), sprintf("/%s", [name]), info, lib.field("root.rootfs"))
] if {
	rootfs
	not writable
}

# A writable rootfs: the whole directory is the layer's lower (a bind at "/", which the launcher
# turns into the overlay's lower), and only its program directories are bound on top, read-only:
# programs run from there, never from what the app writes (the layer is noexec). Its other
# entries (etc, var, home…) are the writable layer; entries that are links stay links of it.
root_mounts := array.concat(
	[{"type": "bind", "source": rootfs.path, "target": "/", "readOnly": true, "sourceType": "dir", "reasons": [lib.field("root.rootfs"), layer_reason]}],
	[m |
		some name in sort([n | some n, _ in rootfs.entries])
		sprintf("/%s", [name]) in host_dirs
		info := rootfs.entries[name]
		info.type == "dir"
		m := root_entry(sprintf("%s/%s", [rootfs.path, name]), sprintf("/%s", [name]), info, lib.field("root.rootfs"))
	],
) if {
	rootfs
	writable
}

writable if input.app.root.writable == true

default read_only_root := true

read_only_root := false if writable

layer_reason := lib.rule("filesystem.writable-layer")

# A host /etc file that is a symbolic link is bound from where it leads: the launcher opens
# sources without following links.
# A private network's resolv.conf is its own (written by each launch, with the resolvers the
# network reaches: src/network/resolv.ts), not the host's.
etc_source(f) := input.host.privateResolvConf if private_resolv_conf(f)

etc_source(f) := object.get(input.host, ["etcLinks", f], f) if {
	not private_resolv_conf(f)
}

private_resolv_conf(f) if {
	f == "/etc/resolv.conf"
	mode == "private"
	input.host.privateResolvConf
}

default tmp_size := 67108864

tmp_size := data.config.defaults.tmpSize

system_mounts := [
	{"type": "proc", "target": "/proc", "reasons": [lib.rule("filesystem.proc")]},
	{"type": "dev", "target": "/dev", "reasons": [lib.rule("filesystem.dev")]},
	{"type": "tmpfs", "target": "/tmp", "size": tmp_size, "mode": 1023, "reasons": [lib.rule("filesystem.tmp")]},
]

# The app's own mounts come last, so they may go below /tmp or replace a part of the view.
app_mounts := [m |
	some i, entry in object.get(input.app, "mounts", [])
	m := app_mount(entry, sprintf("mounts[%d]", [i]))
]

app_mount(entry, path) := {
	"type": "bind", "source": entry.source, "target": entry.target, "readOnly": entry.readOnly,
	"reasons": [lib.field(path)],
} if entry.type == "bind"

app_mount(entry, path) := {
	"type": "tmpfs", "target": entry.target, "size": entry.size, "mode": 1023,
	"reasons": [lib.field(path)],
} if entry.type == "tmpfs"

reserved := ["/proc", "/dev", "/sys"]

errors contains {
	"path": sprintf("mounts[%d]", [i]),
	"message": sprintf("%s is provided by secure-run and cannot be mounted over", [entry.target]),
} if {
	some i, entry in object.get(input.app, "mounts", [])
	some r in reserved
	lib.under(entry.target, r)
}

# Docker's masked and read-only /proc paths.
masked := [
	"/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys",
	"/proc/latency_stats", "/proc/sched_debug", "/proc/scsi", "/proc/timer_list",
	"/proc/timer_stats", "/sys/firmware",
]

read_only := ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]

all_mounts := array.concat(array.concat(root_mounts, system_mounts), app_mounts)

# With a writable root, Landlock's write access starts at "/" and so reaches /proc: /proc is
# made read-only instead, as Landlock keeps it without a layer.
layer_read_only := [{"path": "/proc", "reasons": [lib.rule_why("filesystem.writable-layer", "Landlock lets the app write below /, /proc included: /proc stays read-only as without a layer")]}] if writable

default layer_read_only := []

# Where what the app writes goes, and how long it stays there.
persistence := array.concat(layer_persistence, [p |
	some m in all_mounts
	lib.writable(m)
	p := mount_persistence(m)
])

layer_persistence := [{"path": "/", "kind": "layer", "lifetime": "instance", "reasons": [layer_reason]}] if writable

default layer_persistence := []

mount_persistence(m) := {"path": m.target, "kind": "volume", "source": m.source, "lifetime": "always", "reasons": m.reasons} if m.type == "bind"

mount_persistence(m) := {"path": m.target, "kind": "tmpfs", "lifetime": "run", "reasons": m.reasons} if m.type == "tmpfs"

# The lower: the rootfs directory, or none (an empty directory under the host's binds).
default layer_lower := null

layer_lower := rootfs.path

layer := {"writableLayer": {"lower": layer_lower, "reasons": [layer_reason]}} if writable

default layer := {}

# Where programs may run from in a read-only image root, as from a rootfs's read-only binds:
# the image's own top-level entries (not what secure-run mounts itself).
image_exec := [{"path": sprintf("/%s", [name]), "reasons": [lib.field("root.image"), image_reason]} |
	some name in sort([n | some n, _ in input.image.entries])
	not name in own_entries
	input.image.entries[name].type in {"dir", "file"}
] if {
	image_layers
	not writable
}

default image_exec := []

image_part := {"imageLayers": {"layers": image_layers, "reasons": [lib.field("root.image"), image_reason]}} if image_layers

# Without an overlay, the image's root is its layers applied into one directory of the store,
# bound as a rootfs: named apart, for the launcher to hold for the launch as it holds each
# layer (the store does not remove what a launch holds).
image_part := {"imageRoot": {"path": rootfs.path, "reasons": [lib.field("root.image"), image_reason]}} if {
	input.image
	not image_layers
	rootfs.path
}

default image_part := {}

filesystem := object.union(object.union(layer, image_part), {
	"readOnlyRoot": read_only_root,
	"mounts": all_mounts,
	"maskedPaths": [{"path": p, "reasons": [lib.rule_why("filesystem.masked", "kernel and hardware details the app has no use for")]} | some p in masked],
	"readOnlyPaths": array.concat(layer_read_only, [{"path": p, "reasons": [lib.rule_why("filesystem.read-only-proc", "kernel settings the app may read but not change")]} | some p in read_only]),
	"persistence": persistence,
})
