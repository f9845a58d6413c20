package examples.team_test

import data.examples.team

test_owner_required if {
	d := team.deny with input as {"spec": {}, "plan": {"network": {"listen": []}}}
	d == {{"rule": "team.owner", "msg": "name the owning team in x-owner", "path": ""}}
}

test_owner_given if {
	d := team.deny with input as {"spec": {"x-owner": "web-team"}, "plan": {"network": {"listen": []}}}
	count(d) == 0
}

test_port_range if {
	w := team.warn with input as {"spec": {}, "plan": {"network": {"listen": [{"port": 8080}, {"port": 80}]}}}
	w == {{"rule": "team.port-range", "msg": "port 80 is outside the team's range 8000-8999", "path": "network.listen[1]"}}
}
