package secure_run.review.filesystem_test

import data.secure_run.review.filesystem
import data.secure_run.review.fixtures_test as f

decisions(mounts) := ds if {
	ds := filesystem.decisions with input as f.input_of({"mounts": mounts}, {})
}

socket(source, s) := {
	"rule": "filesystem.runtime-socket", "level": "deny", "title": "Container runtime or init socket",
	"message": sprintf("%s gives control of the host (%s)", [source, s]),
	"path": "mounts[0].source",
}

test_writable_system_path_denied if {
	decisions([f.bind("/srv/data", true), f.bind("/etc/nginx", false)]) == {{
		"rule": "filesystem.writable-system-path", "level": "deny", "title": "Writable system path",
		"message": "/etc/nginx is mounted writable; it is under the host path /etc, which must stay read-only",
		"path": "mounts[1].readOnly",
	}}
}

test_read_only_system_path_and_writable_data_are_fine if {
	decisions([f.bind("/etc/nginx", true), f.bind("/srv/data", false), {"type": "tmpfs", "target": "/etc/x"}]) == set()
}

test_runtime_socket_denied if {
	decisions([f.bind("/var/run/docker.sock", true)]) == {socket("/var/run/docker.sock", "/var/run/docker.sock")}
	decisions([f.bind("/run/containerd", true)]) == {
		socket("/run/containerd", "/run/containerd"),
		socket("/run/containerd", "/run/containerd/containerd.sock"),
	}
}

test_a_directory_holding_runtime_sockets_denied_for_each if {
	decisions([f.bind("/var/run", true)]) == {
		socket("/var/run", "/var/run/docker.sock"),
		socket("/var/run", "/var/run/crio/crio.sock"),
		socket("/var/run", "/var/run/dbus/system_bus_socket"),
		socket("/var/run", "/var/run/docker"),
	}
}

test_host_secrets_warn if {
	decisions([f.bind("/home/alice/.ssh", true)]) == {{
		"rule": "filesystem.host-secrets", "level": "warn", "title": "Host secrets",
		"message": "/home/alice/.ssh holds secrets of the host (/home)",
		"path": "mounts[0].source",
	}}
}

test_forbidden_and_protected_paths_from_the_configuration if {
	ds := filesystem.decisions with input as f.input_of({"mounts": [f.bind("/srv/secret/x", true), f.bind("/srv/shared", false)]}, {})
		with data.config.paths as {"forbidden": ["/srv/secret"], "readOnly": ["/srv/shared"]}
	ds == {
		{
			"rule": "filesystem.forbidden-path", "level": "deny", "title": "Forbidden host path",
			"message": "/srv/secret/x is under /srv/secret, which the organisation forbids to mount",
			"path": "mounts[0].source",
		},
		{
			"rule": "filesystem.writable-system-path", "level": "deny", "title": "Writable system path",
			"message": "/srv/shared is mounted writable; it is under the host path /srv/shared, which must stay read-only",
			"path": "mounts[1].readOnly",
		},
	}
}

exposed(message) := {
	"rule": "filesystem.writable-root-exposed", "level": "warn", "title": "Writable root exposed",
	"message": sprintf("the root is writable and the app %s: a compromise could change its own system files and keep the change until the instance is removed", [message]),
	"path": "root.writable",
}

writable_root := {"type": "host", "writable": true}

test_writable_root_on_the_host_network_warned if {
	ds := filesystem.decisions with input as f.input_of({"root": writable_root, "network": {"mode": "host"}}, {})
	ds == {exposed("is on the host's network")}
}

test_writable_root_with_kept_capabilities_warned if {
	plan := {"capabilities": {"keep": [{"name": "NET_BIND_SERVICE", "reasons": []}], "drop": [], "refused": []}}
	ds := filesystem.decisions with input as f.input_of({"root": writable_root}, plan)
	ds == {exposed("keeps NET_BIND_SERVICE")}
}

test_writable_root_alone_or_read_only_root_exposed_are_fine if {
	filesystem.decisions with input as f.input_of({"root": writable_root}, {}) == set()
	filesystem.decisions with input as f.input_of({"root": {"type": "host"}, "network": {"mode": "host"}}, {}) == set()
}
