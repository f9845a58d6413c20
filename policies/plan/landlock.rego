# METADATA
# title: Landlock rules
# description: |
#   Filesystem access from the root and the mounts (read and execute for the read-only view,
#   read and write without execute for writable places), TCP bind from `listen` and TCP connect
#   from `connect`. Always scoped (ABI 6): no connecting to abstract unix sockets bound outside
#   the sandbox (the host's, on the host's network: CVE-2020-15257) and no signals to processes
#   outside it; no app needs either, and there is no opting out. What this host's Landlock ABI
#   cannot enforce is said in the notices.
# custom:
#   rules:
#     - id: landlock.read-view
#       decides: "Landlock read access to the whole view, from /"
#       reads: "nothing: every plan has it"
#     - id: landlock.writable-root
#       decides: "Landlock write access from / when the root has a writable layer (read-only mounts still refuse writes; execute stays where it was)"
#       reads: "app: root.writable"
package secure_run.plan.landlock

import data.secure_run.lib
import data.secure_run.plan.filesystem
import data.secure_run.plan.network

access(m) := ["read", "write"] if lib.writable(m)

# Programs and libraries may run from the read-only view; configuration files only be read.
access(m) := ["execute", "read"] if {
	m.type == "bind"
	m.readOnly == true
	not etc_file(m)
}

access(m) := ["read"] if etc_file(m)

etc_file(m) if {
	some r in m.reasons
	r.ref == "filesystem.host-etc"
}

access(m) := ["read"] if m.type == "proc"

access(m) := ["read", "write"] if m.type == "dev"

# Everything in the view may be read: it is all there for the app. Writing and executing are
# what the rules below grant, place by place.
view := {"path": "/", "access": ["read"], "reasons": [lib.rule_why("landlock.read-view", "the app may read what its view shows")]} if not filesystem.writable

# A writable root: writing from "/" (Landlock cannot grant less than a whole tree). The read-only
# mounts (/usr, the host's /etc files, read-only volumes, /proc) still refuse writes (EROFS), and
# execute stays where it was: the layer itself is noexec and has no execute right here.
view := {"path": "/", "access": ["read", "write"], "reasons": [
	lib.rule_why("landlock.read-view", "the app may read what its view shows"),
	lib.rule_why("landlock.writable-root", "the root is writable: its layer keeps what the app writes"),
]} if filesystem.writable

mount_rules := [r |
	some m in filesystem.filesystem.mounts
	m.type != "symlink"
	m.target != "/"
	r := {"path": m.target, "access": access(m), "reasons": m.reasons}
]

# A read-only image root (an overlay, no mount per entry): its entries, as read-only binds are.
image_rules := [{"path": e.path, "access": ["execute", "read"], "reasons": e.reasons} | some e in filesystem.image_exec]

fs := array.concat(array.concat([view], image_rules), mount_rules)

tcp(list) := [r |
	some p in list
	p.protocol == "tcp"
	r := {"port": p.port, "reasons": p.reasons}
]

scope := ["abstract-unix", "signal"]

landlock := {
	"fs": fs,
	"scope": scope,
	"tcpBind": tcp(network.network.listen),
	"tcpConnect": tcp(network.network.connect),
}

notices contains "UDP ports are not restricted: Landlock has rules for TCP only" if {
	some p in array.concat(network.network.listen, network.network.connect)
	p.protocol == "udp"
}
