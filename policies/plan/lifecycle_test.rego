package secure_run.plan.lifecycle_test

import data.secure_run.plan.lifecycle

test_defaults if {
	l := lifecycle.lifecycle with input as {"app": {"name": "a"}}
	l == {"restart": {"policy": "no", "maxRetries": 0}, "instances": 1, "stop": {"signal": "SIGTERM", "timeout": 10}}
}

test_on_failure_defaults_to_three_retries if {
	l := lifecycle.lifecycle with input as {"app": {"name": "a", "restart": {"policy": "on-failure"}, "instances": 3}}
	l.restart == {"policy": "on-failure", "maxRetries": 3}
	l.instances == 3
}

test_always_without_limit if {
	l := lifecycle.lifecycle with input as {"app": {"name": "a", "restart": {"policy": "always"}}}
	l.restart.maxRetries == -1
}

test_the_apps_own_stop_signal if {
	l := lifecycle.lifecycle with input as {"app": {"name": "a", "stop": {"signal": "SIGQUIT"}}}
	l.stop == {"signal": "SIGQUIT", "timeout": 10}
}
