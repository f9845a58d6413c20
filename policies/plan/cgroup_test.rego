package secure_run.plan.cgroup_test

import data.secure_run.plan.cgroup

test_defaults_when_absent if {
	c := cgroup.cgroup with input as {"app": {"name": "a"}}
	c == {
		"memory": {
			"max": 1073741824, "swapMax": 0, "oomGroup": true,
			"reasons": [{"kind": "rule", "ref": "cgroup.default-memory"}],
			"swapReasons": [{"kind": "rule", "ref": "cgroup.no-swap", "why": "no swap unless the app asks"}],
		},
		"cpu": null,
		"pids": {"max": 1024, "reasons": [{"kind": "rule", "ref": "cgroup.default-pids"}]},
	}
}

test_app_values_win if {
	c := cgroup.cgroup with input as {"app": {"name": "a", "resources": {"memory": 67108864, "swap": 1048576, "pids": 32, "cpu": 0.5}}}
	c.memory.max == 67108864
	c.memory.swapMax == 1048576
	c.memory.swapReasons == [{"kind": "field", "ref": "resources.swap"}]
	c.cpu == {"quota": 50000, "period": 100000, "reasons": [{"kind": "field", "ref": "resources.cpu"}]}
	c.pids == {"max": 32, "reasons": [{"kind": "field", "ref": "resources.pids"}]}
}

test_config_defaults if {
	c := cgroup.cgroup with input as {"app": {"name": "a"}} with data.config.defaults as {"memory": 2097152, "pids": 7}
	c.memory.max == 2097152
	c.pids.max == 7
}
