package secure_run.plan.process_test

import data.secure_run.plan.process

identity := {"uid": 65534, "gid": 65534, "groups": [], "home": "/nonexistent"}

proc(app, host) := p if {
	p := process.process with input as {"app": app, "host": object.union({"identity": identity}, host)}
}

test_env_is_only_what_the_app_sets_plus_path_and_home if {
	p := proc({"name": "a", "command": ["/bin/true"], "env": {"B": "2", "A": "1"}}, {})
	p.env == [
		"A=1", "B=2", "HOME=/nonexistent",
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	]
}

test_app_path_overrides if {
	p := proc({"name": "a", "command": ["x"], "env": {"PATH": "/opt/bin"}}, {})
	"PATH=/opt/bin" in p.env
}

test_default_user_reason if {
	p := proc({"name": "a", "command": ["x"]}, {})
	p.user == {"uid": 65534, "gid": 65534, "groups": [], "reasons": [{"kind": "rule", "ref": "process.default-user"}]}
	p.noNewPrivileges == true
	p.newSession == true
	p.cwd == "/"
}

test_user_and_group_fields_are_the_reasons if {
	p := proc({"name": "a", "command": ["x"], "user": "www-data", "group": "adm"}, {})
	p.user.reasons == [{"kind": "field", "ref": "group"}, {"kind": "field", "ref": "user"}]
}

test_nofile_stays_within_the_host_hard_limit if {
	p := proc({"name": "a", "command": ["x"]}, {"rlimits": {"nofile": {"hard": 20000}}})
	some r in p.rlimits
	r.type == "nofile"
	r.hard == 20000
	r.soft == 1024
}

test_nofile_unlimited_host if {
	p := proc({"name": "a", "command": ["x"]}, {"rlimits": {"nofile": {"hard": null}}})
	some r in p.rlimits
	r.type == "nofile"
	r.hard == 65536
}

test_no_core_dumps if {
	p := proc({"name": "a", "command": ["x"]}, {})
	some r in p.rlimits
	r.type == "core"
	r.hard == 0
}
