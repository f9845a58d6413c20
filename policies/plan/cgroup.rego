# METADATA
# title: cgroup limits
# description: |
#   Memory (without swap) and process limits of the app's cgroup, from the app's resources or
#   the defaults when it gives none.
package secure_run.plan.cgroup

default default_memory := 1073741824

default_memory := data.config.defaults.memory

default default_pids := 1024

default_pids := data.config.defaults.pids

resources := object.get(input.app, "resources", {})

limit(field, _) := {"value": resources[field], "reasons": [{"kind": "field", "ref": sprintf("resources.%s", [field])}]}

limit(field, fallback) := {"value": fallback, "reasons": [{"kind": "rule", "ref": sprintf("cgroup.default-%s", [field])}]} if {
	not resources[field]
}

memory := limit("memory", default_memory)

pids := limit("pids", default_pids)

cgroup := {
	"memory": {"max": memory.value, "swapMax": 0, "reasons": memory.reasons},
	"pids": {"max": pids.value, "reasons": pids.reasons},
}
