# METADATA
# title: a team's own review rules
# description: |
#   An example of what `secure-run review --policy examples/policies` adds to the built-in
#   rules. Any package works; `deny` and `warn` rules contribute decisions. A message is a
#   string, or {msg, path, rule} to point at a field of the app definition and name the rule.
#   input.app is the app definition as the policy reads it, input.spec as written (with its
#   x- fields), input.plan the plan; data.config is the organisation's configuration.
package examples.team

# Every app names its owning team in the extension field x-owner.
deny contains {"rule": "team.owner", "msg": "name the owning team in x-owner", "path": ""} if {
	not input.spec["x-owner"]
}

# The team's services listen on ports 8000 to 8999.
warn contains {"rule": "team.port-range", "msg": msg, "path": sprintf("network.listen[%d]", [i])} if {
	some i, p in input.plan.network.listen
	not port_in_range(p.port)
	msg := sprintf("port %d is outside the team's range 8000-8999", [p.port])
}

port_in_range(port) if {
	port >= 8000
	port <= 8999
}
