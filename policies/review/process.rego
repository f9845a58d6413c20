# METADATA
# title: process and network rules
# description: Root inside, the host's network.
package secure_run.review.process

import data.secure_run.lib
import data.secure_run.review.lib as review

# METADATA
# title: Runs as root
# description: >-
#   The app runs as uid 0. It has no capabilities, but files owned by root on the host are its
#   own; a dedicated user is safer.
# custom:
#   id: user.root
#   level: warn
decisions contains review.decision(rego.metadata.rule(), "the app runs as uid 0 (root); use a dedicated user", "user") if {
	input.plan.process.user.uid == 0
}

# METADATA
# title: Host network
# description: >-
#   The app shares the host's network: it sees every interface and can reach every service the
#   host can. Denied when the organisation sets network.allowHost to false.
# custom:
#   id: network.host
#   level: warn
decisions contains review.decision(rego.metadata.rule(), "the app uses the host's network", "network.mode") if {
	input.plan.network.mode == "host"
	object.get(lib.config, ["network", "allowHost"], true) == true
}

# METADATA
# title: Host network not allowed
# description: The organisation does not allow apps on the host's network.
# custom:
#   id: network.host-forbidden
#   level: deny
decisions contains review.decision(rego.metadata.rule(), "the organisation does not allow the host's network", "network.mode") if {
	input.plan.network.mode == "host"
	object.get(lib.config, ["network", "allowHost"], true) == false
}

# METADATA
# title: Published on every address
# description: >-
#   A private network's port is published on all of the host's addresses (0.0.0.0): every
#   network the host is on reaches the app. Publish on 127.0.0.1 (127.0.0.1:8080:80) when only
#   the host itself, or a proxy on it, should.
# custom:
#   id: network.publish-all-addresses
#   kubernetes: >-
#     A Pod does not publish on host addresses: its ports reach the cluster through a Service,
#     whose type (ClusterIP, NodePort, LoadBalancer) says who reaches it. The export makes a
#     ClusterIP Service and notes the choice; review the Service with the cluster's own policies.
#   level: warn
decisions contains review.decision(rego.metadata.rule(), msg, sprintf("network.publish[%d]", [i])) if {
	some i, p in object.get(input.plan.network, "publish", [])
	p.hostIp == "0.0.0.0"
	msg := sprintf("host port %s reaches the app's %d/%s from every address of the host; publish on 127.0.0.1 unless other hosts must reach it", [concat(", ", [sprintf("%d", [h]) | some h in p.hostPorts]), p.port, p.protocol])
}
