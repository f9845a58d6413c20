package secure_run.review_test

import data.secure_run.review
import data.secure_run.review.fixtures_test as f

test_a_tight_app_has_no_findings if {
	ds := review.decisions with input as f.input_of({}, {})
	ds == []
}

test_every_packages_decisions_reach_the_entry_point if {
	app := {"network": {"mode": "host", "listen": [{"port": 80, "protocol": "tcp"}]}, "mounts": [f.bind("/home/a", true)]}
	ds := review.decisions with input as f.input_with_resources(app, {"network": {"mode": "host"}, "process": {"user": {"uid": 0}}})
		with data.config.limits.required as ["cpu", "memory", "pids"]

	# In the order of the entry point (a set's order: by level, then by message).
	ds == [
		{
			"rule": "limits.required", "level": "deny", "title": "Required limit not set",
			"message": "resources.cpu is required by the organisation",
			"path": "resources.cpu",
		},
		{
			"rule": "limits.required", "level": "deny", "title": "Required limit not set",
			"message": "resources.memory is required by the organisation",
			"path": "resources.memory",
		},
		{
			"rule": "limits.required", "level": "deny", "title": "Required limit not set",
			"message": "resources.pids is required by the organisation",
			"path": "resources.pids",
		},
		{
			"rule": "filesystem.host-secrets", "level": "warn", "title": "Host secrets",
			"message": "/home/a holds secrets of the host (/home)",
			"path": "mounts[0].source",
		},
		{
			"rule": "capabilities.privileged-port-on-host", "level": "warn", "title": "Privileged port on the host's network",
			"message": "port 80 is below 1024 on the host's network: the app keeps NET_BIND_SERVICE (a private network namespace would need none)",
			"path": "network.listen[0]",
		},
		{
			"rule": "user.root", "level": "warn", "title": "Runs as root",
			"message": "the app runs as uid 0 (root); use a dedicated user",
			"path": "user",
		},
		{
			"rule": "network.host", "level": "warn", "title": "Host network",
			"message": "the app uses the host's network",
			"path": "network.mode",
		},
	]
}

test_rules_the_organisation_turns_off_are_dropped if {
	ds := review.decisions with input as f.input_of({"capabilities": ["NET_RAW"]}, {})
		with data.config.rules as {"capabilities.risky": "off"}
	ds == []
}

test_rules_the_organisation_raises_deny if {
	ds := review.decisions with input as f.input_of({"capabilities": ["NET_RAW"]}, {})
		with data.config.rules as {"capabilities.risky": "deny"}
	ds == [{
		"rule": "capabilities.risky", "level": "deny", "title": "Raw sockets or device nodes",
		"message": "capability NET_RAW is kept: the app can forge packets",
		"path": "capabilities[0]",
	}]
}
