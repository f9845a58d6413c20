# METADATA
# title: network, namespaces and hostname
# description: |
#   `none` gives the app a private network namespace with only loopback; `host` shares the
#   host's; `private` a namespace of its own on a host bridge, with published ports and egress
#   only to `connect`. Declared ports become Landlock rules (see landlock) and choose socket
#   profiles.
# custom:
#   rules:
#     - id: network.unprivileged-low-ports
#       decides: "lowers net.ipv4.ip_unprivileged_port_start to the lowest port below 1024 the app listens on, in its private network namespace"
#       reads: "app: network.mode, network.listen"
package secure_run.plan.network

import data.secure_run.lib

mode := object.get(input.app, ["network", "mode"], "none")

listen := object.get(input.app, ["network", "listen"], [])

connect := object.get(input.app, ["network", "connect"], [])

hostname := object.get(input.app, "hostname", input.app.name)

# A network namespace of the app's own: loopback only, or on a host bridge.
own_netns if mode in {"none", "private"}

namespaces := ["ipc", "mount", "net", "pid", "uts"] if own_netns

namespaces := ["ipc", "mount", "pid", "uts"] if mode == "host"

ports(list, field) := [object.union(p, to) |
	some i, entry in list
	p := {"port": entry.port, "protocol": entry.protocol, "reasons": [lib.field(sprintf("%s[%d]", [field, i]))]}
	to := {k: v | some k, v in entry; k == "to"}
]

publish := [object.union(entry, {"reasons": [lib.field(sprintf("network.publish[%d]", [i]))]}) |
	some i, entry in object.get(input.app, ["network", "publish"], [])
]

privileged_listen contains {"port": entry.port, "path": sprintf("network.listen[%d]", [i])} if {
	some i, entry in listen
	entry.port < 1024
}

privileged_ports_on_host contains p if {
	mode == "host"
	some p in privileged_listen
}

lowest_privileged := min({p.port | some p in privileged_listen})

# In its own network namespace the app may bind its low ports without a capability.
sysctls := [{
	"name": "net.ipv4.ip_unprivileged_port_start",
	"value": sprintf("%d", [lowest_privileged]),
	"reasons": [lib.rule_why("network.unprivileged-low-ports", sprintf("port %d is below 1024; in a private network namespace no capability is needed", [lowest_privileged]))],
}] if {
	own_netns
	count(privileged_listen) > 0
}

default sysctls := []

# Root's private networks: the organisation's bridge and subnet (rootless ones use pasta, which
# takes the host's addresses).
bridge := {
	"name": object.get(lib.config, ["network", "bridge"], "secure-run0"),
	"subnet": object.get(lib.config, ["network", "subnet"], "10.89.0.0/24"),
}

network := object.union(base_network, {"bridge": bridge}) if mode == "private"

network := base_network if mode != "private"

base_network := {
	"mode": mode,
	"listen": ports(listen, "network.listen"),
	"connect": ports(connect, "network.connect"),
	"sysctls": sysctls,
	"publish": publish,
}
