# METADATA
# title: secure-run plan
# description: |
#   Maps an app definition and the facts of the host to a hardening plan. Each area has its own
#   package; this one assembles them and collects input errors and notices.
package secure_run.plan

import data.secure_run.plan.capabilities
import data.secure_run.plan.cgroup
import data.secure_run.plan.enforcement
import data.secure_run.plan.filesystem
import data.secure_run.plan.image
import data.secure_run.plan.landlock
import data.secure_run.plan.lifecycle
import data.secure_run.plan.network
import data.secure_run.plan.process
import data.secure_run.plan.selinux
import data.secure_run.plan.syscalls
import data.secure_run.plan.userns

# The entry point evaluated by the engine. An image's app is read with the image's defaults
# filled in (image.app), and the fields so filled are known to lib.field.
result := r if {
	r := {"plan": plan, "errors": errors} with input.app as image.app with input.imageFilled as image.filled
}

plan := object.union(object.union(base, rootless), image_part)

# An image's app: which image, and which fields its config filled in.
image_part := {"image": {"ref": input.image.ref, "id": input.image.id, "fields": sort(input.imageFilled)}} if input.image

image_part := {} if not input.image

# A launch by a user other than root: its ids, id map kind and limits (absent for root's).
rootless := {"rootless": object.union(userns.rootless_part, {"limits": limits_enforced})} if userns.rootless

rootless := {} if not userns.rootless

limit_parts := {"memory", "pids", "cpu"}

# Every limit the plan sets is enforced (a cgroup delegated to the caller).
default limits_enforced := false

limits_enforced if count([e | some e in enforcement.enforcement; e.part in limit_parts; not e.enforced]) == 0

base := {
	"apiVersion": "secure-run/v1",
	"kind": "Plan",
	"name": input.app.name,
	"hostname": network.hostname,
	"process": process.process,
	"namespaces": namespaces,
	"userNamespace": userns.user_namespace,
	"filesystem": filesystem.filesystem,
	"capabilities": capabilities.capabilities,
	"seccomp": syscalls.seccomp,
	"network": network.network,
	"landlock": landlock.landlock,
	"selinux": selinux.selinux,
	"cgroup": cgroup.cgroup,
	"lifecycle": lifecycle.lifecycle,
	"enforcement": sort(enforcement.enforcement),
	"notices": sort(((landlock.notices | enforcement.notices) | userns.notices)),
}

# The app's own cgroup namespace always; its own user namespace unless a capability must count
# on the host's network.
namespaces := sort(array.concat(
	array.concat(network.namespaces, ["cgroup"]),
	[ns | ns := "user"; userns.wanted],
))

errors := (syscalls.errors | filesystem.errors) | userns.errors
