# METADATA
# title: network, namespaces and hostname
# description: |
#   `none` gives the app a private network namespace with only loopback; `host` shares the
#   host's. Binding TCP ports other than the declared `listen` ports is refused with Landlock
#   where the kernel supports it (ABI 4).
package secure_run.plan.network

mode := object.get(input.app, ["network", "mode"], "none")

listen := object.get(input.app, ["network", "listen"], [])

hostname := input.app.name

namespaces := ["ipc", "mount", "net", "pid", "uts"] if mode == "none"

namespaces := ["ipc", "mount", "pid", "uts"] if mode == "host"

network := {
	"mode": mode,
	"listen": [l |
		some i, entry in listen
		l := {"port": entry.port, "protocol": entry.protocol, "reasons": [{"kind": "field", "ref": sprintf("network.listen[%d]", [i])}]}
	],
}

landlock_abi := object.get(input.host, ["landlock", "abi"], 0)

# Landlock restricts TCP bind from ABI 4 on.
landlock := {"tcpBind": [p |
	some i, entry in listen
	entry.protocol == "tcp"
	p := {"port": entry.port, "reasons": [{"kind": "field", "ref": sprintf("network.listen[%d]", [i])}]}
]} if landlock_abi >= 4

landlock := null if landlock_abi < 4

notices contains sprintf("TCP ports are not restricted: this host's Landlock ABI is %d; port rules need ABI 4 (Linux 6.7)", [landlock_abi]) if {
	landlock_abi < 4
}
