package secure_run.plan.userns_test

import data.secure_run.plan.userns

identity := {"uid": 65534, "gid": 65534}

ns(app, facts) := u if u := userns.user_namespace with input as {"app": app, "host": {"identity": identity, "userns": facts}}

test_root_maps_to_the_subordinate_range if {
	u := ns({"name": "a"}, {"callerUid": 0, "callerGid": 0, "subuid": {"start": 200000, "count": 65536}, "subgid": null})
	u.uidMap == [{"inside": 0, "outside": 200000, "count": 65536}]
	u.gidMap == [{"inside": 0, "outside": 100000, "count": 65536}]
}

test_a_user_maps_the_app_to_itself if {
	u := ns({"name": "a"}, {"callerUid": 1000, "callerGid": 1000})
	u.uidMap == [{"inside": 65534, "outside": 1000, "count": 1}]
}

test_host_network_capability_gives_up_the_user_namespace if {
	app := {"name": "a", "network": {"mode": "host", "listen": [{"port": 80, "protocol": "tcp"}]}}
	u := userns.user_namespace with input as {"app": app, "host": {"identity": identity, "userns": {"callerUid": 0}}}
	u == null
	n := userns.notices with input as {"app": app, "host": {"identity": identity, "userns": {"callerUid": 0}}}
	n == {"no user namespace: NET_BIND_SERVICE must count on the host's network"}
}

test_uid_outside_the_map_is_an_error if {
	errs := userns.errors with input as {"app": {"name": "a"}, "host": {"identity": {"uid": 70000, "gid": 0}, "userns": {"callerUid": 0}}}
	errs == {{"path": "user", "message": "uid 70000 is outside the ids the user namespace maps (0-65535)"}}
}

test_a_user_without_helpers_gets_a_single_id_said_plainly if {
	facts := {"callerUid": 1000, "callerGid": 1001, "subuid": {"start": 200000, "count": 65536}, "subgid": {"start": 200000, "count": 65536}}
	u := ns({"name": "a"}, facts)
	u.uidMap == [{"inside": 65534, "outside": 1000, "count": 1}]
	u.gidMap == [{"inside": 65534, "outside": 1001, "count": 1}]
	u.reasons[0].ref == "userns.rootless"
	n := userns.notices with input as {"app": {"name": "a"}, "host": {"identity": identity, "userns": facts}}
	some line in n
	startswith(line, "rootless: only the app's uid 65534 and gid 65534 are mapped, to yours (uid 1000, gid 1001)")
}

test_a_user_with_helpers_and_ranges_gets_the_full_range if {
	facts := {"callerUid": 1000, "callerGid": 1000, "newuidmap": true, "newgidmap": true, "subuid": {"start": 200000, "count": 65536}, "subgid": {"start": 300000, "count": 65536}}
	u := userns.user_namespace with input as {"app": {"name": "a"}, "host": {"identity": {"uid": 33, "gid": 34}, "userns": facts}}
	u.uidMap == [
		{"inside": 0, "outside": 200000, "count": 33},
		{"inside": 33, "outside": 1000, "count": 1},
		{"inside": 34, "outside": 200033, "count": 65503},
	]
	u.gidMap == [
		{"inside": 0, "outside": 300000, "count": 34},
		{"inside": 34, "outside": 1000, "count": 1},
		{"inside": 35, "outside": 300034, "count": 65502},
	]
}

test_helpers_without_a_range_give_a_single_id if {
	facts := {"callerUid": 1000, "callerGid": 1000, "newuidmap": true, "newgidmap": true, "subuid": null, "subgid": null}
	u := ns({"name": "a"}, facts)
	u.uidMap == [{"inside": 65534, "outside": 1000, "count": 1}]
}

test_a_single_id_leaves_supplementary_groups_out if {
	host := {"identity": {"uid": 33, "gid": 33, "groups": [4, 27]}, "userns": {"callerUid": 1000, "callerGid": 1000}}
	userns.groups == [] with input as {"app": {"name": "a"}, "host": host}
	root := {"identity": {"uid": 33, "gid": 33, "groups": [4, 27]}, "userns": {"callerUid": 0}}
	userns.groups == [4, 27] with input as {"app": {"name": "a"}, "host": root}
}

test_root_has_no_rootless_part if {
	not userns.rootless with input as {"app": {"name": "a"}, "host": {"identity": identity, "userns": {"callerUid": 0}}}
}

test_a_user_is_refused_a_low_port_on_the_hosts_network if {
	app := {"name": "a", "network": {"mode": "host", "listen": [{"port": 8080, "protocol": "tcp"}, {"port": 80, "protocol": "tcp"}]}}
	errs := userns.errors with input as {"app": app, "host": {"identity": identity, "userns": {"callerUid": 1000, "callerGid": 1000}}}
	count(errs) == 1
	some e in errs
	e.path == "network.listen[1]"
	startswith(e.message, "rootless: port 80 is below 1024")
	contains(e.hint, "network.mode: none")
}

test_a_user_is_refused_a_host_network_capability if {
	app := {"name": "a", "capabilities": ["NET_RAW"], "network": {"mode": "host"}}
	errs := userns.errors with input as {"app": app, "host": {"identity": identity, "userns": {"callerUid": 1000, "callerGid": 1000}}}
	{e.path | some e in errs} == {"capabilities[0]"}
}

test_a_user_may_bind_a_low_port_in_its_own_network if {
	app := {"name": "a", "network": {"mode": "none", "listen": [{"port": 80, "protocol": "tcp"}]}}
	errs := userns.errors with input as {"app": app, "host": {"identity": identity, "userns": {"callerUid": 1000, "callerGid": 1000}}}
	count(errs) == 0
}

test_root_keeps_a_low_port_on_the_hosts_network if {
	app := {"name": "a", "network": {"mode": "host", "listen": [{"port": 80, "protocol": "tcp"}]}}
	errs := userns.errors with input as {"app": app, "host": {"identity": identity, "userns": {"callerUid": 0}}}
	count(errs) == 0
}
