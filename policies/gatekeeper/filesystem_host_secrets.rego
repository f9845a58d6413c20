# METADATA
# title: filesystem.host-secrets in the cluster
# description: The Gatekeeper counterpart of the review rule filesystem.host-secrets.
# custom:
#   id: filesystem.host-secrets
package secure_run.gatekeeper.filesystem_host_secrets

import data.lib.secure_run.workloads as lib
import future.keywords.contains
import future.keywords.if
import future.keywords.in

# A hostPath that holds secrets of the host.
violation contains lib.violation("filesystem.host-secrets", msg, sprintf("%s.volumes[%d].hostPath.path", [lib.spec_path, h.index])) if {
	some h in lib.host_paths
	some p in input.parameters.secrets
	lib.under(h.path, p)
	msg := sprintf("volume %s mounts %s, which holds secrets of the host (%s)", [h.volume, h.path, p])
}
