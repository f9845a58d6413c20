# METADATA
# title: capabilities
# description: |
#   Every capability is dropped from all five sets, except those the app asks for and the
#   organisation allows. A port below 1024 on the host's network needs NET_BIND_SERVICE; in a
#   private network namespace the plan lowers ip_unprivileged_port_start instead.
# custom:
#   rules:
#     - id: capabilities.privileged-port
#       decides: "keeps NET_BIND_SERVICE when the app listens on a port below 1024 on the host's network"
#       reads: "app: network.mode, network.listen"
package secure_run.plan.capabilities

import data.secure_run.lib
import data.secure_run.plan.network

requested := object.get(input.app, "capabilities", [])

allowed := {c | some c in lib.allowed_capabilities}

wanted contains {"name": name, "reason": lib.field(sprintf("capabilities[%d]", [i]))} if {
	some i, name in requested
	name in allowed
}

wanted contains {"name": "NET_BIND_SERVICE", "reason": r} if {
	some p in network.privileged_ports_on_host
	r := lib.rule_why("capabilities.privileged-port", sprintf("%s: port %d is below 1024 on the host's network", [p.path, p.port]))
}

kept contains w.name if some w in wanted

refused := [r |
	some i, name in requested
	not name in allowed
	r := {
		"name": name,
		"reasons": [lib.field(sprintf("capabilities[%d]", [i]))],
		"why": "not among the capabilities the organisation allows",
	}
]

capabilities := {
	"keep": [k |
		some name in sort(kept)
		k := {"name": name, "reasons": [w.reason | some w in wanted; w.name == name]}
	],
	"drop": [name | some name in lib.all_capabilities; not name in kept],
	"refused": refused,
}
