# METADATA
# title: network.host-forbidden in the cluster
# description: The Gatekeeper counterpart of the review rule network.host-forbidden.
# custom:
#   id: network.host-forbidden
package secure_run.gatekeeper.network_host_forbidden

import data.lib.secure_run.workloads as lib
import future.keywords.contains
import future.keywords.if
import future.keywords.in

# The host network, where the organisation does not allow it.
violation contains lib.violation("network.host-forbidden", "the organisation does not allow the host network", sprintf("%s.hostNetwork", [lib.spec_path])) if {
	lib.spec.hostNetwork == true
	object.get(input.parameters, "allowHost", true) == false
}
