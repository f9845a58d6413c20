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
