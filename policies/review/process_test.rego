package secure_run.review.process_test

import data.secure_run.review.fixtures_test as f
import data.secure_run.review.process

test_a_dedicated_user_on_a_private_network_is_fine if {
	ds := process.decisions with input as f.input_of({}, {})
	ds == set()
}

test_root_warns if {
	ds := process.decisions with input as f.input_of({}, {"process": {"user": {"uid": 0}}})
	ds == {{
		"rule": "user.root", "level": "warn", "title": "Runs as root",
		"message": "the app runs as uid 0 (root); use a dedicated user",
		"path": "user",
	}}
}

test_host_network_warns if {
	ds := process.decisions with input as f.input_of({}, {"network": {"mode": "host"}})
	ds == {{
		"rule": "network.host", "level": "warn", "title": "Host network",
		"message": "the app uses the host's network",
		"path": "network.mode",
	}}
}

test_host_network_denied_when_the_organisation_forbids_it if {
	ds := process.decisions with input as f.input_of({}, {"network": {"mode": "host"}})
		with data.config.network.allowHost as false
	ds == {{
		"rule": "network.host-forbidden", "level": "deny", "title": "Host network not allowed",
		"message": "the organisation does not allow the host's network",
		"path": "network.mode",
	}}
}

test_publishing_on_every_address_warns if {
	publish := [{"hostIp": "0.0.0.0", "hostPorts": [8080, 8081], "port": 80, "protocol": "tcp", "reasons": []}]
	ds := process.decisions with input as f.input_of({}, {"network": {"mode": "private", "publish": publish}})
	ds == {{
		"rule": "network.publish-all-addresses", "level": "warn", "title": "Published on every address",
		"message": "host port 8080, 8081 reaches the app's 80/tcp from every address of the host; publish on 127.0.0.1 unless other hosts must reach it",
		"path": "network.publish[0]",
	}}
}

test_publishing_on_loopback_is_fine if {
	publish := [{"hostIp": "127.0.0.1", "hostPorts": [8080], "port": 80, "protocol": "tcp", "reasons": []}]
	ds := process.decisions with input as f.input_of({}, {"network": {"mode": "private", "publish": publish}})
	ds == set()
}
