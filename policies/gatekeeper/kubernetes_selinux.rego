# METADATA
# title: SELinux options not allowed
# description: >-
#   A container whose seLinuxOptions name a type other than the organisation's process type
#   (selinux.processType, default container_t), or a user or role: it would escape the label
#   every secure-run app gets.
# custom:
#   id: kubernetes.selinux
#   level: deny
package secure_run.gatekeeper.kubernetes_selinux

import data.lib.secure_run.workloads as lib
import future.keywords.contains
import future.keywords.if
import future.keywords.in

violation contains lib.violation("kubernetes.selinux", msg, sprintf("%s.securityContext.seLinuxOptions.type", [x.path])) if {
	some x in lib.containers
	type := lib.setting(x.c, "seLinuxOptions").type
	not type in input.parameters.allowedTypes
	msg := sprintf("container %s has SELinux type %s; allowed: %s", [x.c.name, type, concat(", ", input.parameters.allowedTypes)])
}

violation contains lib.violation("kubernetes.selinux", msg, sprintf("%s.securityContext.seLinuxOptions.%s", [x.path, field])) if {
	some x in lib.containers
	some field in ["user", "role"]
	lib.setting(x.c, "seLinuxOptions")[field]
	msg := sprintf("container %s sets an SELinux %s: only the type and level may be set", [x.c.name, field])
}
