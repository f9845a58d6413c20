# METADATA
# title: the app's process
# description: |
#   Arguments, environment (only what the app sets, plus PATH and HOME), working directory,
#   user and group, no_new_privs and resource limits.
package secure_run.plan.process

default_path := "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

identity := input.host.identity

base_env := {"PATH": default_path, "HOME": identity.home}

env := object.union(base_env, object.get(input.app, "env", {}))

process := {
	"args": input.app.command,
	"env": [sprintf("%s=%s", [k, env[k]]) | some k in sort([key | some key, _ in env])],
	"cwd": object.get(input.app, "workdir", "/"),
	"user": {
		"uid": identity.uid,
		"gid": identity.gid,
		"groups": identity.groups,
		"reasons": [user_reason],
	},
	"noNewPrivileges": true,
	"newSession": true,
	"rlimits": [
		{"type": "core", "soft": 0, "hard": 0, "reasons": [{"kind": "rule", "ref": "process.no-core-dumps"}]},
		{"type": "nofile", "soft": min([1024, nofile_hard]), "hard": nofile_hard, "reasons": [{"kind": "rule", "ref": "process.nofile"}]},
	],
}

# Up to 65536 open files, within the hard limit secure-run itself has (raising it needs
# CAP_SYS_RESOURCE, which a plan never relies on).
default host_nofile_hard := 65536

host_nofile_hard := h if {
	h := input.host.rlimits.nofile.hard
	is_number(h)
}

nofile_hard := min([65536, host_nofile_hard])

user_reason := {"kind": "field", "ref": "user"} if input.app.user

user_reason := {"kind": "rule", "ref": "process.default-user"} if not input.app.user
