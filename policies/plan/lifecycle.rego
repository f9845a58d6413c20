# METADATA
# title: restart policy and instances
# description: What happens when the app ends, how many copies run, and how `stop` ends them.
package secure_run.plan.lifecycle

restart_spec := object.get(input.app, "restart", {"policy": "no"})

default_retries := {"no": 0, "always": -1, "on-failure": 3}

lifecycle := {
	"restart": {
		"policy": restart_spec.policy,
		"maxRetries": object.get(restart_spec, "maxRetries", default_retries[restart_spec.policy]),
	},
	"instances": object.get(input.app, "instances", 1),
	"stop": {
		"signal": object.get(input.app, ["stop", "signal"], "SIGTERM"),
		"timeout": object.get(input.app, ["stop", "timeout"], 10),
	},
}
