# METADATA
# title: network.host in the cluster
# description: The Gatekeeper counterpart of the review rule network.host.
# custom:
#   id: network.host
package secure_run.gatekeeper.network_host

import data.lib.secure_run.workloads as lib
import future.keywords.contains
import future.keywords.if
import future.keywords.in

# The host network, where the organisation allows it (a warning).
violation contains lib.violation("network.host", "the pod uses the host network", sprintf("%s.hostNetwork", [lib.spec_path])) if {
	lib.spec.hostNetwork == true
	object.get(input.parameters, "allowHost", true) == true
}
