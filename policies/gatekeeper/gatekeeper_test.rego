package secure_run.gatekeeper_test

import data.secure_run.gatekeeper.capabilities_dangerous
import data.secure_run.gatekeeper.capabilities_not_allowed
import data.secure_run.gatekeeper.filesystem_runtime_socket
import data.secure_run.gatekeeper.filesystem_writable_system_path
import data.secure_run.gatekeeper.kubernetes_host_namespaces
import data.secure_run.gatekeeper.limits_above_max
import data.secure_run.gatekeeper.syscalls_dangerous
import data.secure_run.gatekeeper.user_root
import future.keywords.if
import future.keywords.in

container := {
	"name": "app",
	"securityContext": {
		"allowPrivilegeEscalation": false,
		"capabilities": {"drop": ["ALL"]},
		"runAsUser": 1000,
		"seccompProfile": {"type": "Localhost", "localhostProfile": "profiles/app.json"},
	},
	"resources": {"limits": {"memory": "64Mi", "cpu": "500m"}},
}

pod(c) := {"kind": "Pod", "spec": {"containers": [c]}}

cronjob(c) := {"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [c]}}}}}}

review(obj, params) := {"review": {"object": obj}, "parameters": params}

dangerous := {"dangerous": ["SYS_ADMIN"], "allowed": []}

test_dangerous_capability_in_a_cronjob if {
	c := json.patch(container, [{"op": "add", "path": "/securityContext/capabilities/add", "value": ["CAP_SYS_ADMIN"]}])
	capabilities_dangerous.violation == {{
		"msg": "[capabilities.dangerous] container app adds capability SYS_ADMIN: it is dangerous and the organisation does not allow it",
		"details": {
			"rule": "capabilities.dangerous",
			"path": "spec.jobTemplate.spec.template.spec.containers[0].securityContext.capabilities.add",
		},
	}} with input as review(cronjob(c), dangerous)
}

test_dangerous_capability_allowed_by_name if {
	c := json.patch(container, [{"op": "add", "path": "/securityContext/capabilities/add", "value": ["SYS_ADMIN"]}])
	count(capabilities_dangerous.violation) == 0 with input as review(pod(c), {"dangerous": ["SYS_ADMIN"], "allowed": ["SYS_ADMIN"]})
}

test_privileged_init_container if {
	c := json.patch(container, [{"op": "add", "path": "/securityContext/privileged", "value": true}])
	obj := {"kind": "Pod", "spec": {"containers": [container], "initContainers": [c]}}
	[v.details.path | some v in capabilities_dangerous.violation] == ["spec.initContainers[0].securityContext.privileged"] with input as review(obj, dangerous)
}

test_runtime_defaults_kept_when_not_dropped if {
	c := json.patch(container, [{"op": "replace", "path": "/securityContext/capabilities", "value": {"drop": ["NET_RAW"]}}])
	params := {"dangerous": [], "allowed": ["CHOWN"], "runtimeDefaults": ["CHOWN", "NET_RAW", "KILL"]}
	[v.msg | some v in capabilities_not_allowed.violation] == ["[capabilities.not-allowed] container app keeps capability KILL, which is not among the capabilities the organisation allows (CHOWN); drop ALL and add only those"] with input as review(pod(c), params)
}

test_read_only_system_path_is_admitted_writable_is_not if {
	vol := {"name": "etc", "hostPath": {"path": "/etc/app"}}
	ro := json.patch(container, [{"op": "add", "path": "/volumeMounts", "value": [{"name": "etc", "mountPath": "/e", "readOnly": true}]}])
	rw := json.patch(container, [{"op": "add", "path": "/volumeMounts", "value": [{"name": "etc", "mountPath": "/e"}]}])
	params := {"readOnly": ["/etc"]}
	count(filesystem_writable_system_path.violation) == 0 with input as review({"kind": "Pod", "spec": {"containers": [ro], "volumes": [vol]}}, params)
	count(filesystem_writable_system_path.violation) == 1 with input as review({"kind": "Pod", "spec": {"containers": [rw], "volumes": [vol]}}, params)
}

test_a_directory_holding_a_runtime_socket if {
	obj := {"kind": "Pod", "spec": {"containers": [container], "volumes": [{"name": "run", "hostPath": {"path": "/run"}}]}}
	[v.details.rule | some v in filesystem_runtime_socket.violation] == ["filesystem.runtime-socket"] with input as review(obj, {"sockets": ["/run/containerd/containerd.sock"]})
}

test_host_pid if {
	obj := {"kind": "Pod", "spec": {"hostPID": true, "containers": [container]}}
	[v.details.path | some v in kubernetes_host_namespaces.violation] == ["spec.hostPID"] with input as review(obj, {})
}

test_limits_above_max_in_bytes_and_cores if {
	c := json.patch(container, [{"op": "replace", "path": "/resources/limits", "value": {"memory": "1Gi", "cpu": "2"}}])
	rules := {v.details.path | some v in limits_above_max.violation} with input as review(pod(c), {"max": {"memory": 268435456, "cpu": 1}})
	rules == {"spec.containers[0].resources.limits.memory", "spec.containers[0].resources.limits.cpu"}
}

test_no_seccomp_profile_is_unconfined if {
	c := json.remove(container, ["/securityContext/seccompProfile"])
	count(syscalls_dangerous.violation) == 1 with input as review(pod(c), {"allowedTypes": ["Localhost", "RuntimeDefault"]})
	count(syscalls_dangerous.violation) == 0 with input as review(pod(container), {"allowedTypes": ["Localhost", "RuntimeDefault"]})
}

test_pod_level_run_as_user_zero if {
	c := json.remove(container, ["/securityContext/runAsUser"])
	obj := {"kind": "Pod", "spec": {"securityContext": {"runAsUser": 0}, "containers": [c]}}
	[v.msg | some v in user_root.violation] == ["[user.root] container app runs as uid 0 (root); use a dedicated user"] with input as review(obj, {})
}
