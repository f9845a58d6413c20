package secure_run.plan.network_test

import data.secure_run.plan.network

test_none_has_a_network_namespace if {
	ns := network.namespaces with input as {"app": {"name": "a"}, "host": {}}
	ns == ["ipc", "mount", "net", "pid", "uts"]
}

test_host_shares_the_network if {
	ns := network.namespaces with input as {"app": {"name": "a", "network": {"mode": "host"}}, "host": {}}
	not "net" in ns
}

test_low_port_in_private_network_lowers_the_sysctl if {
	app := {"name": "a", "network": {"listen": [{"port": 8080, "protocol": "tcp"}, {"port": 80, "protocol": "tcp"}, {"port": 443, "protocol": "tcp"}]}}
	n := network.network with input as {"app": app}
	n.sysctls == [{
		"name": "net.ipv4.ip_unprivileged_port_start", "value": "80",
		"reasons": [{"kind": "rule", "ref": "network.unprivileged-low-ports", "why": "port 80 is below 1024; in a private network namespace no capability is needed"}],
	}]
}

test_no_sysctl_on_the_host_network if {
	app := {"name": "a", "network": {"mode": "host", "listen": [{"port": 80, "protocol": "tcp"}]}}
	n := network.network with input as {"app": app}
	n.sysctls == []
}

test_ports_carry_their_field if {
	app := {"name": "a", "network": {"connect": [{"port": 53, "protocol": "udp"}]}}
	n := network.network with input as {"app": app}
	n.connect == [{"port": 53, "protocol": "udp", "reasons": [{"kind": "field", "ref": "network.connect[0]"}]}]
}

test_hostname_defaults_to_the_name if {
	h1 := network.hostname with input as {"app": {"name": "web"}}
	h1 == "web"
	h2 := network.hostname with input as {"app": {"name": "web", "hostname": "www1"}}
	h2 == "www1"
}
