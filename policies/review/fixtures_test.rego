# Inputs the review packages' tests share: a tight plan and an app that sets its limits. A test
# file (its name ends in _test.rego) so that it stays out of the built policy.
package secure_run.review.fixtures_test

minimal_plan := {
	"process": {"user": {"uid": 65534}},
	"network": {"mode": "none"},
	"seccomp": {"syscalls": [{"name": "read", "action": "allow", "reasons": [{"kind": "profile", "ref": "base"}]}]},
	"cgroup": {"memory": {"max": 1073741824}, "pids": {"max": 1024}},
}

limited := {"memory": 67108864, "cpu": 1, "pids": 64}

# The app (named a, with every limit set unless it sets resources itself) and the tight plan,
# each merged with what a test gives.
input_of(app, plan) := {"app": object.union({"name": "a", "resources": limited}, app), "plan": object.union(minimal_plan, plan)}

# The same, with the app's resources exactly as given (none unless it sets them).
input_with_resources(app, plan) := {"app": object.union({"name": "a"}, app), "plan": object.union(minimal_plan, plan)}

bind(source, ro) := {"type": "bind", "source": source, "target": "/x", "readOnly": ro}
