# METADATA
# title: cgroup limits
# description: |
#   Memory (swap 0 unless asked), CPU quota from cores and a process limit, from the app's
#   resources or the defaults. An out-of-memory kill ends the whole app.
# custom:
#   rules:
#     - id: cgroup.default-memory
#       decides: "the memory limit of an app that sets none: 1 GiB, or the organisation's default"
#       reads: "app: resources.memory; config: defaults.memory"
#     - id: cgroup.default-pids
#       decides: "the process limit of an app that sets none: 1024, or the organisation's default"
#       reads: "app: resources.pids; config: defaults.pids"
#     - id: cgroup.no-swap
#       decides: "no swap (swap limit 0) unless the app sets resources.swap"
#       reads: "app: resources.swap"
package secure_run.plan.cgroup

import data.secure_run.lib

default default_memory := 1073741824

default_memory := data.config.defaults.memory

default default_pids := 1024

default_pids := data.config.defaults.pids

resources := object.get(input.app, "resources", {})

limit(f, _) := {"value": resources[f], "reasons": [lib.field(sprintf("resources.%s", [f]))]}

limit(f, fallback) := {"value": fallback, "reasons": [lib.rule(sprintf("cgroup.default-%s", [f]))]} if {
	not resources[f]
}

memory := limit("memory", default_memory)

pids := limit("pids", default_pids)

swap := {"value": resources.swap, "reasons": [lib.field("resources.swap")]} if "swap" in object.keys(resources)

swap := {"value": 0, "reasons": [lib.rule_why("cgroup.no-swap", "no swap unless the app asks")]} if not "swap" in object.keys(resources)

period := 100000

cpu := {
	"quota": round(resources.cpu * period),
	"period": period,
	"reasons": [lib.field("resources.cpu")],
} if resources.cpu

cpu := null if not resources.cpu

cgroup := {
	"memory": {"max": memory.value, "swapMax": swap.value, "oomGroup": true, "reasons": memory.reasons, "swapReasons": swap.reasons},
	"cpu": cpu,
	"pids": {"max": pids.value, "reasons": pids.reasons},
}
