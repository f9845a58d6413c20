package secure_run.plan.image_test

import data.secure_run.lib
import data.secure_run.plan.image

config := {
	"Entrypoint": ["/bin/sh", "-c"], "Cmd": ["echo hi"], "Env": ["PATH=/bin", "A=from-image", "B=x=y"],
	"User": "app:staff", "WorkingDir": "/home/app", "ExposedPorts": {"8080/tcp": {}, "53/udp": {}, "x/tcp": {}},
}

img := {"ref": "oci:/srv/img:v1", "id": "sha256:00", "config": config}

merged(app) := a if a := image.app with input as {"app": app, "image": img}

filled(app) := f if f := image.filled with input as {"app": app, "image": img}

test_the_image_fills_what_the_app_leaves_out if {
	merged({"name": "a"}) == {
		"name": "a", "command": ["/bin/sh", "-c", "echo hi"],
		"env": {"PATH": "/bin", "A": "from-image", "B": "x=y"},
		"user": "app", "workdir": "/home/app",
		"network": {"listen": [{"port": 53, "protocol": "udp"}, {"port": 8080, "protocol": "tcp"}]},
	}
	filled({"name": "a"}) == {"command", "env", "user", "workdir", "network.listen"}
}

test_the_app_always_wins if {
	app := {
		"name": "a", "command": ["/bin/true"], "env": {"A": "mine"}, "user": "root", "workdir": "/",
		"network": {"mode": "none", "listen": [{"port": 9, "protocol": "tcp"}]},
	}
	m := merged(app)
	m.command == ["/bin/true"]
	m.env == {"PATH": "/bin", "A": "mine", "B": "x=y"}
	m.user == "root"
	m.workdir == "/"
	m.network == app.network
	filled(app) == {"env"}
}

test_without_an_image_nothing_changes if {
	app := {"name": "a", "command": ["x"]}
	image.app == app with input as {"app": app}
	count(image.filled) == 0 with input as {"app": app}
}

test_a_filled_field_has_the_image_as_its_reason if {
	lib.field("network.listen[0]") == {"kind": "image", "ref": "network.listen[0]", "why": "from the image oci:/srv/img:v1"} with input as {"image": img, "imageFilled": {"network.listen"}}
	lib.field("user") == {"kind": "image", "ref": "user", "why": "from the image oci:/srv/img:v1"} with input as {"image": img, "imageFilled": {"user"}}
	lib.field("username") == {"kind": "field", "ref": "username"} with input as {"image": img, "imageFilled": {"user"}}
}

test_a_bad_workdir_or_port_of_the_image_is_left_out if {
	bad := {"ref": "r", "id": "i", "config": {"WorkingDir": "/proc/self/cwd", "ExposedPorts": {"0/tcp": {}, "70000/tcp": {}, "80/tcp": {}}}}
	a := image.app with input as {"app": {"name": "a", "command": ["x"]}, "image": bad}
	a == {"name": "a", "command": ["x"], "network": {"listen": [{"port": 80, "protocol": "tcp"}]}}
	w := image.app with input as {"app": {"name": "a", "command": ["x"]}, "image": {"ref": "r", "id": "i", "config": {"WorkingDir": "/a/../b"}}}
	w == {"name": "a", "command": ["x"]}
}

workdir_of(d) := w if {
	a := image.app with input as {"app": {"name": "a", "command": ["x"]}, "image": {"ref": "r", "id": "i", "config": {"WorkingDir": d}}}
	w := object.get(a, "workdir", "none")
}

ports_of(e) := ps if {
	a := image.app with input as {"app": {"name": "a", "command": ["x"]}, "image": {"ref": "r", "id": "i", "config": {"ExposedPorts": e}}}
	ps := [p.port | some p in object.get(object.get(a, "network", {}), "listen", [])]
}

test_a_workdir_is_taken_only_when_absolute_and_normal if {
	workdir_of("/") == "/"
	workdir_of("/srv/app") == "/srv/app"
	workdir_of("/procfs") == "/procfs"
	every d in ["srv", "", "/srv/", "//srv", "/srv//app", "/./srv", "/srv/.", "/srv/..", "/proc", "/proc/1"] {
		workdir_of(d) == "none"
	}
}

test_exposed_ports_are_one_to_five_digits if {
	ports_of({"8080/tcp": {}, "65535": {}, "1/udp": {}}) == [1, 65535, 8080]
	ports_of({"": {}, "/tcp": {}, "080x/tcp": {}, "123456/tcp": {}, "-1/tcp": {}, "1.5/tcp": {}}) == []
}
