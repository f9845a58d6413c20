# METADATA
# title: Host PID or IPC namespace
# description: >-
#   A pod that shares the host's process or IPC namespace sees (and may signal or trace) the
#   host's processes or reads their shared memory. secure-run gives every app its own pid and ipc
#   namespaces, so no app definition can ask for this; the host network is network.host.
# custom:
#   id: kubernetes.host-namespaces
#   level: deny
package secure_run.gatekeeper.kubernetes_host_namespaces

import data.lib.secure_run.workloads as lib
import future.keywords.contains
import future.keywords.if
import future.keywords.in

violation contains lib.violation("kubernetes.host-namespaces", msg, sprintf("%s.%s", [lib.spec_path, field])) if {
	some field in ["hostPID", "hostIPC"]
	lib.spec[field] == true
	msg := sprintf("the pod sets %s: true and shares that namespace with the host", [field])
}
