# METADATA
# title: Privilege escalation allowed
# description: >-
#   A container that does not set allowPrivilegeEscalation: false can gain privileges through
#   setuid programs and file capabilities. secure-run sets no_new_privs for every app, so no app
#   definition can ask for this and the review has no rule for it.
# custom:
#   id: kubernetes.privilege-escalation
#   level: deny
package secure_run.gatekeeper.kubernetes_privilege_escalation

import data.lib.secure_run.workloads as lib
import future.keywords.contains
import future.keywords.if
import future.keywords.in

violation contains lib.violation("kubernetes.privilege-escalation", msg, sprintf("%s.securityContext.allowPrivilegeEscalation", [x.path])) if {
	some x in lib.containers
	not x.c.securityContext.allowPrivilegeEscalation == false
	msg := sprintf("container %s does not set allowPrivilegeEscalation: false: setuid programs and file capabilities can raise its privileges", [x.c.name])
}
