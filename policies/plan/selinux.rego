# METADATA
# title: SELinux labels
# description: |
#   The app runs as a confined container type and its files get the matching file type. The
#   launcher allocates two MCS categories per instance, so that instances cannot read each
#   other's files. Where SELinux is not enabled, the labels are planned but not enforced; a
#   launch by a user other than root keeps the label it inherits.
# custom:
#   rules:
#     - id: selinux.container
#       decides: "the SELinux process and file types (container_t, container_file_t unless configured) with two MCS categories per instance; enforced where SELinux is enforcing"
#       reads: "host: selinux; config: selinux.processType, selinux.fileType"
package secure_run.plan.selinux

import data.secure_run.lib
import data.secure_run.plan.userns

default process_type := "container_t"

process_type := data.config.selinux.processType

default file_type := "container_file_t"

file_type := data.config.selinux.fileType

state := object.get(input.host, ["selinux"], "disabled")

# A rootless launch cannot change its label: it keeps the one it inherits.
default enforced := false

enforced if {
	state == "enforcing"
	not userns.rootless
}

selinux := {
	"processType": process_type,
	"fileType": file_type,
	"level": "s0",
	"categories": {"count": 2, "allocation": "per-instance"},
	"enforced": enforced,
	"reasons": [lib.rule_why("selinux.container", "confined like a container; categories keep instances apart")],
}
