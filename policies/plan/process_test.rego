package secure_run.plan.process_test

import data.secure_run.plan.process

identity := {"uid": 65534, "gid": 65534, "groups": [], "home": "/nonexistent"}

test_env_is_only_what_the_app_sets_plus_path_and_home if {
	app := {"name": "a", "command": ["/bin/true"], "env": {"B": "2", "A": "1"}}
	p := process.process with input as {"app": app, "host": {"identity": identity}}
	p.env == [
		"A=1", "B=2", "HOME=/nonexistent",
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	]
}

test_app_path_overrides if {
	app := {"name": "a", "command": ["x"], "env": {"PATH": "/opt/bin"}}
	p := process.process with input as {"app": app, "host": {"identity": identity}}
	"PATH=/opt/bin" in p.env
}

test_default_user_reason if {
	p := process.process with input as {"app": {"name": "a", "command": ["x"]}, "host": {"identity": identity}}
	p.user == {"uid": 65534, "gid": 65534, "groups": [], "reasons": [{"kind": "rule", "ref": "process.default-user"}]}
	p.noNewPrivileges == true
	p.cwd == "/"
}

test_nofile_stays_within_the_host_hard_limit if {
	host := {"identity": identity, "rlimits": {"nofile": {"hard": 20000}}}
	p := process.process with input as {"app": {"name": "a", "command": ["x"]}, "host": host}
	some r in p.rlimits
	r.type == "nofile"
	r.hard == 20000
	r.soft == 1024
}

test_nofile_unlimited_host if {
	host := {"identity": identity, "rlimits": {"nofile": {"hard": null}}}
	p := process.process with input as {"app": {"name": "a", "command": ["x"]}, "host": host}
	some r in p.rlimits
	r.type == "nofile"
	r.hard == 65536
}

test_no_core_dumps if {
	p := process.process with input as {"app": {"name": "a", "command": ["x"]}, "host": {"identity": identity}}
	some r in p.rlimits
	r.type == "core"
	r.hard == 0
}
