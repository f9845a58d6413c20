# METADATA
# title: filesystem.runtime-socket in the cluster
# description: The Gatekeeper counterpart of the review rule filesystem.runtime-socket.
# custom:
#   id: filesystem.runtime-socket
package secure_run.gatekeeper.filesystem_runtime_socket

import data.lib.secure_run.workloads as lib
import future.keywords.contains
import future.keywords.if
import future.keywords.in

# A hostPath that is, holds or lies below a container runtime or init socket.
violation contains lib.violation("filesystem.runtime-socket", msg, sprintf("%s.volumes[%d].hostPath.path", [lib.spec_path, h.index])) if {
	some h in lib.host_paths
	some s in input.parameters.sockets
	exposes(h.path, s)
	msg := sprintf("volume %s mounts %s: it gives control of the host (%s)", [h.volume, h.path, s])
}

exposes(source, socket) if lib.under(source, socket)

exposes(source, socket) if lib.under(socket, source)

exposes("/", _)
