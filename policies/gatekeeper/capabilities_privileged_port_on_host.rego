# METADATA
# title: capabilities.privileged-port-on-host in the cluster
# description: The Gatekeeper counterpart of the review rule capabilities.privileged-port-on-host.
# custom:
#   id: capabilities.privileged-port-on-host
package secure_run.gatekeeper.capabilities_privileged_port_on_host

import data.lib.secure_run.workloads as lib
import future.keywords.contains
import future.keywords.if
import future.keywords.in

# A port below 1024 on the host network.
violation contains lib.violation("capabilities.privileged-port-on-host", msg, sprintf("%s.ports[%d]", [x.path, i])) if {
	lib.spec.hostNetwork == true
	some x in lib.containers
	some i, p in object.get(x.c, "ports", [])
	p.containerPort < 1024
	msg := sprintf("container %s binds port %d below 1024 on the host network: it needs NET_BIND_SERVICE in the host user namespace", [x.c.name, p.containerPort])
}
