# METADATA
# title: filesystem rules
# description: Writable system paths, runtime sockets and host secrets.
package secure_run.review.filesystem

import data.secure_run.lib
import data.secure_run.review.lib as review

binds contains {"index": i, "mount": m} if {
	some i, m in object.get(input.app, "mounts", [])
	m.type == "bind"
}

read_only_paths := array.concat(lib.system_paths, object.get(lib.config, ["paths", "readOnly"], []))

# METADATA
# title: Writable system path
# description: >-
#   A host system directory (/, /etc, /usr, /var/lib, /proc, /sys, …) or a path the
#   organisation protects is mounted writable: the app could change the host.
# custom:
#   id: filesystem.writable-system-path
#   level: deny
decisions contains review.decision(rego.metadata.rule(), msg, sprintf("mounts[%d].readOnly", [b.index])) if {
	some b in binds
	b.mount.readOnly == false
	some p in read_only_paths
	lib.under(b.mount.source, p)
	msg := sprintf("%s is mounted writable; it is under the host path %s, which must stay read-only", [b.mount.source, p])
}

# METADATA
# title: Container runtime or init socket
# description: >-
#   A container runtime's or init's control socket (docker.sock, containerd, CRI-O, podman,
#   systemd, the system bus) is mounted: whoever talks to it controls the host.
# custom:
#   id: filesystem.runtime-socket
#   level: deny
decisions contains review.decision(rego.metadata.rule(), msg, sprintf("mounts[%d].source", [b.index])) if {
	some b in binds
	some s in lib.runtime_sockets
	exposes(b.mount.source, s)
	msg := sprintf("%s gives control of the host (%s)", [b.mount.source, s])
}

# Mounting the socket, something below it, or a directory that holds it.
exposes(source, socket) if lib.under(source, socket)

exposes(source, socket) if lib.under(socket, source)

exposes("/", _)

# METADATA
# title: Forbidden host path
# description: A host path the organisation's configuration forbids to mount.
# custom:
#   id: filesystem.forbidden-path
#   level: deny
decisions contains review.decision(rego.metadata.rule(), msg, sprintf("mounts[%d].source", [b.index])) if {
	some b in binds
	some p in object.get(lib.config, ["paths", "forbidden"], [])
	lib.under(b.mount.source, p)
	msg := sprintf("%s is under %s, which the organisation forbids to mount", [b.mount.source, p])
}

secrets := ["/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/etc/ssh", "/root", "/home", "/var/lib/docker", "/etc/kubernetes"]

# METADATA
# title: Host secrets
# description: Password hashes, SSH keys, home directories or cluster credentials are mounted.
# custom:
#   id: filesystem.host-secrets
#   level: warn
decisions contains review.decision(rego.metadata.rule(), msg, sprintf("mounts[%d].source", [b.index])) if {
	some b in binds
	some p in secrets
	lib.under(b.mount.source, p)
	msg := sprintf("%s holds secrets of the host (%s)", [b.mount.source, p])
}

# METADATA
# title: Writable root exposed
# description: >-
#   The root is writable (root.writable) and the app is reachable from the host's network or
#   keeps capabilities: whoever takes it over can rewrite its own system files (/etc, /var…)
#   and the change outlives restarts until the instance is removed. Give it volumes for its
#   data instead, or keep the root read-only.
# custom:
#   id: filesystem.writable-root-exposed
#   level: warn
decisions contains review.decision(rego.metadata.rule(), msg, "root.writable") if {
	input.app.root.writable == true
	some why in exposure
	msg := sprintf("the root is writable and the app %s: a compromise could change its own system files and keep the change until the instance is removed", [why])
}

exposure contains "is on the host's network" if object.get(input.app, ["network", "mode"], "none") == "host"

exposure contains sprintf("keeps %s", [concat(", ", [k.name | some k in input.plan.capabilities.keep])]) if {
	count(input.plan.capabilities.keep) > 0
}
