package secure_run.plan.capabilities_test

import data.secure_run.plan.capabilities

test_all_dropped_by_default if {
	c := capabilities.capabilities with input as {"app": {"name": "a"}}
	c.keep == []
	count(c.drop) == 41
}

test_requested_kept_with_reason_and_not_dropped if {
	app := {"name": "a", "capabilities": ["NET_RAW", "NET_BIND_SERVICE"]}
	c := capabilities.capabilities with input as {"app": app}
	c.keep == [
		{"name": "NET_BIND_SERVICE", "reasons": [{"kind": "field", "ref": "capabilities[1]"}]},
		{"name": "NET_RAW", "reasons": [{"kind": "field", "ref": "capabilities[0]"}]},
	]
	count(c.drop) == 39
	not "NET_RAW" in c.drop
}
