package secure_run.plan.network_test

import data.secure_run.plan.network

listen_app := {"name": "web", "network": {"mode": "host", "listen": [{"port": 8080, "protocol": "tcp"}]}}

test_none_has_a_network_namespace if {
	ns := network.namespaces with input as {"app": {"name": "a"}, "host": {}}
	ns == ["ipc", "mount", "net", "pid", "uts"]
}

test_host_shares_the_network if {
	ns := network.namespaces with input as {"app": {"name": "a", "network": {"mode": "host"}}, "host": {}}
	not "net" in ns
}

test_listen_becomes_landlock_bind_rules if {
	l := network.landlock with input as {"app": listen_app, "host": {"landlock": {"abi": 4}}}
	l == {"tcpBind": [{"port": 8080, "reasons": [{"kind": "field", "ref": "network.listen[0]"}]}]}
}

test_no_listen_binds_nothing if {
	l := network.landlock with input as {"app": {"name": "a"}, "host": {"landlock": {"abi": 7}}}
	l == {"tcpBind": []}
}

test_old_landlock_is_a_notice_not_a_rule if {
	l := network.landlock with input as {"app": listen_app, "host": {"landlock": {"abi": 3}}}
	l == null
	n := network.notices with input as {"app": listen_app, "host": {"landlock": {"abi": 3}}}
	count(n) == 1
}

test_hostname_is_the_name if {
	h := network.hostname with input as {"app": {"name": "web"}, "host": {}}
	h == "web"
}
