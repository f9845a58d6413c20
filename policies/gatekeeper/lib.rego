# METADATA
# title: Gatekeeper helpers
# description: >-
#   The pod spec of a Pod or of a workload that contains one, its containers with their field
#   paths, the effective security settings, and the violation every template makes. Shipped as
#   the templates' lib (Gatekeeper requires the package to start with lib.). Gatekeeper 3.18
#   parses Rego v0 and refuses `import rego.v1`: the future keywords make every file here v1
#   syntax that v0 reads too (opa check --v0-compatible).
package lib.secure_run.workloads

import future.keywords.contains
import future.keywords.if
import future.keywords.in

workload_kinds := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}

# The pod spec and its field path in the object under review.
pod(obj) := {"spec": obj.spec, "path": "spec"} if obj.kind == "Pod"

pod(obj) := {"spec": obj.spec.template.spec, "path": "spec.template.spec"} if obj.kind in workload_kinds

pod(obj) := {"spec": obj.spec.jobTemplate.spec.template.spec, "path": "spec.jobTemplate.spec.template.spec"} if {
	obj.kind == "CronJob"
}

spec := pod(input.review.object).spec

spec_path := pod(input.review.object).path

# Every container (also init and ephemeral ones), with its field path.
containers contains {"c": c, "path": sprintf("%s.%s[%d]", [spec_path, kind, i])} if {
	some kind in ["containers", "initContainers", "ephemeralContainers"]
	some i, c in object.get(spec, kind, [])
}

# A container's security setting, else the pod's (for the fields both have).
setting(c, name) := c.securityContext[name]

setting(c, name) := spec.securityContext[name] if {
	not has_key(object.get(c, "securityContext", {}), name)
}

has_key(obj, key) if _ = obj[key]

# path is p or below it
under(path, p) if path == p

under(path, p) if {
	p != "/"
	startswith(path, concat("", [p, "/"]))
}

# Host paths: each hostPath volume with the containers that mount it.
host_paths contains {"volume": v.name, "path": v.hostPath.path, "index": i} if {
	some i, v in object.get(spec, "volumes", [])
	v.hostPath
}

# A hostPath volume mounted without readOnly: true by some container.
writable_mount(volume) := m if {
	some x in containers
	some m in object.get(x.c, "volumeMounts", [])
	m.name == volume
	not m.readOnly == true
}

# The capabilities a container keeps: those it adds, and the runtime's defaults unless it drops
# them (or ALL). Privileged: every capability.
kept(c, runtime_defaults) := adds(c) | defaults_left(c, runtime_defaults)

adds(c) := {trim_prefix(x, "CAP_") | some x in object.get(c, ["securityContext", "capabilities", "add"], [])}

defaults_left(c, _) := set() if "ALL" in object.get(c, ["securityContext", "capabilities", "drop"], [])

defaults_left(c, runtime_defaults) := {x | some x in runtime_defaults; not x in drops(c)} if {
	not "ALL" in object.get(c, ["securityContext", "capabilities", "drop"], [])
}

drops(c) := {trim_prefix(x, "CAP_") | some x in object.get(c, ["securityContext", "capabilities", "drop"], [])}

privileged(c) if c.securityContext.privileged == true

# A violation: the rule id first in the message (as secure-run review names it), the field path.
violation(id, msg, path) := {"msg": sprintf("[%s] %s", [id, msg]), "details": {"rule": id, "path": path}}
