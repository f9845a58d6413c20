package secure_run.review.capabilities_test

import data.secure_run.review.capabilities
import data.secure_run.review.fixtures_test as f

test_dangerous_capability_denied_at_its_field if {
	ds := capabilities.decisions with input as f.input_of({"capabilities": ["CHOWN", "SYS_ADMIN"]}, {})
	ds == {{
		"rule": "capabilities.dangerous", "level": "deny", "title": "Dangerous capability",
		"message": "capability SYS_ADMIN is dangerous and the organisation does not allow it; it is not kept",
		"path": "capabilities[1]",
	}}
}

test_dangerous_capability_allowed_by_the_organisation if {
	ds := capabilities.decisions with input as f.input_of({"capabilities": ["SYS_ADMIN"]}, {})
		with data.config.capabilities.allowed as ["SYS_ADMIN"]
	ds == set()
}

test_capability_outside_the_allowed_list if {
	ds := capabilities.decisions with input as f.input_of({"capabilities": ["CHOWN"]}, {})
		with data.config.capabilities.allowed as ["NET_RAW", "KILL"]
	ds == {{
		"rule": "capabilities.not-allowed", "level": "deny", "title": "Capability not allowed",
		"message": "capability CHOWN is not among the capabilities the organisation allows (KILL, NET_RAW); it is not kept",
		"path": "capabilities[0]",
	}}
}

test_raw_sockets_and_device_nodes_warn if {
	ds := capabilities.decisions with input as f.input_of({"capabilities": ["NET_RAW", "CHOWN", "MKNOD"]}, {})
	ds == {
		{
			"rule": "capabilities.risky", "level": "warn", "title": "Raw sockets or device nodes",
			"message": "capability NET_RAW is kept: the app can forge packets",
			"path": "capabilities[0]",
		},
		{
			"rule": "capabilities.risky", "level": "warn", "title": "Raw sockets or device nodes",
			"message": "capability MKNOD is kept: the app can create device nodes",
			"path": "capabilities[2]",
		},
	}
}

test_risky_capability_the_organisation_does_not_allow_is_only_not_allowed if {
	ds := capabilities.decisions with input as f.input_of({"capabilities": ["NET_RAW"]}, {})
		with data.config.capabilities.allowed as ["KILL"]
	ds == {{
		"rule": "capabilities.not-allowed", "level": "deny", "title": "Capability not allowed",
		"message": "capability NET_RAW is not among the capabilities the organisation allows (KILL); it is not kept",
		"path": "capabilities[0]",
	}}
}

test_privileged_port_on_the_hosts_network_warns if {
	app := {"network": {"mode": "host", "listen": [{"port": 8080, "protocol": "tcp"}, {"port": 80, "protocol": "tcp"}]}}
	ds := capabilities.decisions with input as f.input_of(app, {"network": {"mode": "host"}})
	ds == {{
		"rule": "capabilities.privileged-port-on-host", "level": "warn", "title": "Privileged port on the host's network",
		"message": "port 80 is below 1024 on the host's network: the app keeps NET_BIND_SERVICE (a private network namespace would need none)",
		"path": "network.listen[1]",
	}}
}

test_privileged_port_on_a_private_network_is_fine if {
	ds := capabilities.decisions with input as f.input_of({"network": {"listen": [{"port": 80, "protocol": "tcp"}]}}, {})
	ds == set()
}
