# METADATA
# title: the app's process
# description: |
#   Arguments, environment (only what the app sets, plus PATH and HOME), working directory,
#   user and group, no_new_privs, a new session and resource limits.
# custom:
#   rules:
#     - id: process.default-user
#       decides: "runs the app as the identity the host resolved for it when it names no user (nobody)"
#       reads: "app: user; host: identity"
#     - id: process.no-core-dumps
#       decides: "RLIMIT_CORE 0: no core dumps"
#       reads: "nothing: every plan has it"
#     - id: process.nofile
#       decides: "RLIMIT_NOFILE: 1024 soft, up to 65536 hard within secure-run's own hard limit"
#       reads: "host: rlimits.nofile.hard"
package secure_run.plan.process

import data.secure_run.lib
import data.secure_run.plan.userns

default_path := "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

identity := input.host.identity

base_env := {"PATH": default_path, "HOME": identity.home}

env := object.union(base_env, object.get(input.app, "env", {}))

# Up to 65536 open files, within the hard limit secure-run itself has (raising it needs
# CAP_SYS_RESOURCE, which a plan never relies on).
default host_nofile_hard := 65536

host_nofile_hard := h if {
	h := input.host.rlimits.nofile.hard
	is_number(h)
}

nofile_hard := min([65536, host_nofile_hard])

user_reasons contains lib.field("user") if input.app.user

user_reasons contains lib.field("group") if input.app.group

user_reasons contains lib.rule("process.default-user") if not input.app.user

process := {
	"args": input.app.command,
	"env": [sprintf("%s=%s", [k, env[k]]) | some k in sort([key | some key, _ in env])],
	"cwd": object.get(input.app, "workdir", "/"),
	"user": {
		"uid": identity.uid,
		"gid": identity.gid,
		"groups": userns.groups,
		"reasons": [r | some r in user_reasons],
	},
	"noNewPrivileges": true,
	"newSession": true,
	"rlimits": [
		{"type": "core", "soft": 0, "hard": 0, "reasons": [lib.rule_why("process.no-core-dumps", "a core dump could write the app's memory out")]},
		{"type": "nofile", "soft": min([1024, nofile_hard]), "hard": nofile_hard, "reasons": [lib.rule("process.nofile")]},
	],
}
