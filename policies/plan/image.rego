# METADATA
# title: the image's defaults
# description: |
#   An app whose root is an image (root.image) takes from the image's config what it does not say
#   itself: Entrypoint and Cmd become the command, Env adds to the environment (the app's own
#   variables win), User, WorkingDir, and ExposedPorts become the ports it listens on. A field so
#   filled has the reason "from the image" wherever the plan names it.
package secure_run.plan.image

config := object.get(input, ["image", "config"], {})

list(x) := x if is_array(x)

list(x) := [] if not is_array(x)

entrypoint := list(object.get(config, "Entrypoint", []))

cmd := list(object.get(config, "Cmd", []))

# The app's own command replaces both Entrypoint and Cmd (as `docker run --entrypoint X`).
image_command := array.concat(entrypoint, cmd)

image_env := {name: value |
	some entry in list(object.get(config, "Env", []))
	i := indexof(entry, "=")
	i > 0
	name := substring(entry, 0, i)
	value := substring(entry, i + 1, -1)
}

# "8080/tcp" → {port: 8080, protocol: tcp}
image_listen := [{"port": port, "protocol": proto} |
	some key in sort([k | some k, _ in object.get(config, "ExposedPorts", {})])
	parts := split(key, "/")
	digits(parts[0])
	port := to_number(parts[0])
	port >= 1
	port <= 65535
	proto := protocol(parts)
]

# One to five decimal digits. (Not regex.match: the regex engine would nearly double the size
# of the wasm bundle, and with it every command's start.)
digits(s) if {
	count(s) >= 1
	count(s) <= 5
	every c in split(s, "") {
		indexof("0123456789", c) >= 0
	}
}

protocol(parts) := "udp" if {
	count(parts) == 2
	parts[1] == "udp"
}

default protocol(_) := "tcp"

image_user := object.get(config, "User", "")

# An absolute, normal path outside /proc (as the app's own workdir must be); else none.
default image_workdir := ""

image_workdir := wd if {
	wd := object.get(config, "WorkingDir", "")
	normal_absolute(wd)
	wd != "/proc"
	not startswith(wd, "/proc/")
}

# "/", or "/" and names that are neither empty (no "//", no trailing "/"), "." nor "..".
normal_absolute("/")

normal_absolute(path) if {
	startswith(path, "/")
	path != "/"
	every name in array.slice(split(path, "/"), 1, count(path) + 1) {
		not name in {"", ".", ".."}
	}
}

default has_image := false

has_image if input.image

filled contains "command" if {
	has_image
	not input.app.command
	count(image_command) > 0
}

filled contains "env" if {
	has_image
	count(image_env) > 0
	some name, _ in image_env
	not input.app.env[name]
}

filled contains "user" if {
	has_image
	not input.app.user
	image_user != ""
}

filled contains "workdir" if {
	has_image
	not input.app.workdir
	image_workdir != ""
}

filled contains "network.listen" if {
	has_image
	not input.app.network.listen
	count(image_listen) > 0
}

# The user's name as the config gives it ("app", "1000", "app:staff"): TS resolved the identity
# from it (host.identity); here it only makes the app say it.
user_part := split(image_user, ":")[0]

additions["command"] := image_command if "command" in filled

additions["env"] := object.union(image_env, object.get(input.app, "env", {})) if "env" in filled

additions["user"] := user_part if "user" in filled

additions["workdir"] := image_workdir if "workdir" in filled

additions["network"] := object.union(object.get(input.app, "network", {}), {"listen": image_listen}) if "network.listen" in filled

# The app as the rest of the policy reads it.
app := object.union(input.app, additions)
