package secure_run.review.limits_test

import data.secure_run.review.fixtures_test as f
import data.secure_run.review.limits

test_an_app_with_every_limit_is_fine if {
	ds := limits.decisions with input as f.input_of({}, {})
	ds == set()
}

test_missing_limits_warn_with_their_defaults if {
	ds := limits.decisions with input as f.input_with_resources({"resources": {"cpu": 1}}, {})
	ds == {
		{
			"rule": "limits.missing", "level": "warn", "title": "Limit not set",
			"message": "resources.memory is not set: the default of 1073741824 bytes applies",
			"path": "resources.memory",
		},
		{
			"rule": "limits.missing", "level": "warn", "title": "Limit not set",
			"message": "resources.pids is not set: the default of 1024 processes applies",
			"path": "resources.pids",
		},
	}
}

test_missing_cpu_warns if {
	ds := limits.decisions with input as f.input_with_resources({"resources": {"memory": 1048576, "pids": 5}}, {})
	ds == {{
		"rule": "limits.missing", "level": "warn", "title": "Limit not set",
		"message": "resources.cpu is not set: the app may use every core",
		"path": "resources.cpu",
	}}
}

test_required_limit_denies_instead_of_warning if {
	ds := limits.decisions with input as f.input_with_resources({"resources": {"memory": 1048576, "pids": 5}}, {})
		with data.config.limits.required as ["cpu"]
	ds == {{
		"rule": "limits.required", "level": "deny", "title": "Required limit not set",
		"message": "resources.cpu is required by the organisation",
		"path": "resources.cpu",
	}}
}

test_limits_above_the_maximum if {
	ds := limits.decisions with input as f.input_of({}, {})
		with data.config.limits.max as {"memory": 1048576, "pids": 64}
	ds == {{
		"rule": "limits.above-max", "level": "deny", "title": "Limit above the maximum",
		"message": "resources.memory is 67108864; the organisation's maximum is 1048576",
		"path": "resources.memory",
	}}
}
