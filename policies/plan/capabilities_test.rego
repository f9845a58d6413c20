package secure_run.plan.capabilities_test

import data.secure_run.plan.capabilities

test_all_dropped_by_default if {
	c := capabilities.capabilities with input as {"app": {"name": "a"}}
	c.keep == []
	count(c.drop) == 41
	c.refused == []
}

test_requested_and_allowed_are_kept_with_reasons if {
	app := {"name": "a", "capabilities": ["NET_RAW", "NET_BIND_SERVICE"]}
	c := capabilities.capabilities with input as {"app": app}
	c.keep == [
		{"name": "NET_BIND_SERVICE", "reasons": [{"kind": "field", "ref": "capabilities[1]"}]},
		{"name": "NET_RAW", "reasons": [{"kind": "field", "ref": "capabilities[0]"}]},
	]
	count(c.drop) == 39
}

test_not_allowed_by_the_organisation_is_refused if {
	app := {"name": "a", "capabilities": ["SYS_ADMIN", "CHOWN"]}
	c := capabilities.capabilities with input as {"app": app}
	[k.name | some k in c.keep] == ["CHOWN"]
	c.refused == [{"name": "SYS_ADMIN", "reasons": [{"kind": "field", "ref": "capabilities[0]"}], "why": "not among the capabilities the organisation allows"}]
	"SYS_ADMIN" in c.drop
}

test_the_organisation_may_allow_more if {
	app := {"name": "a", "capabilities": ["SYS_PTRACE"]}
	c := capabilities.capabilities with input as {"app": app} with data.config.capabilities.allowed as ["SYS_PTRACE"]
	[k.name | some k in c.keep] == ["SYS_PTRACE"]
}

test_low_port_on_host_network_keeps_net_bind_service if {
	app := {"name": "a", "network": {"mode": "host", "listen": [{"port": 80, "protocol": "tcp"}]}}
	c := capabilities.capabilities with input as {"app": app}
	c.keep == [{"name": "NET_BIND_SERVICE", "reasons": [{
		"kind": "rule", "ref": "capabilities.privileged-port",
		"why": "network.listen[0]: port 80 is below 1024 on the host's network",
	}]}]
}

test_low_port_in_private_network_needs_no_capability if {
	app := {"name": "a", "network": {"mode": "none", "listen": [{"port": 80, "protocol": "tcp"}]}}
	c := capabilities.capabilities with input as {"app": app}
	c.keep == []
}
