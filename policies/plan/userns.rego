# METADATA
# title: user namespace
# description: |
#   The app gets a user namespace of its own: started by root, its ids 0-65535 map to an
#   unprivileged range of the host (root inside is nobody outside); started by another user, the
#   app's one id maps to that user. Capabilities that must count on the host's network (binding
#   a low port there, raw sockets) need the host's user namespace: then the plan has none, and
#   says why.
# custom:
#   rules:
#     - id: userns.unprivileged
#       decides: "a user namespace: root maps ids 0-65535 to the subordinate range, another caller maps the app's id to its own; none when a kept capability needs the host's"
#       reads: "host: userns (callerUid, callerGid, subuid, subgid), identity; app: capabilities, network.mode"
package secure_run.plan.userns

import data.secure_run.lib
import data.secure_run.plan.capabilities
import data.secure_run.plan.network

host_network_caps := {"NET_BIND_SERVICE", "NET_RAW", "NET_ADMIN", "NET_BROADCAST"}

kept := {k.name | some k in capabilities.capabilities.keep}

needs_host_userns contains name if {
	network.mode == "host"
	some name in kept
	name in host_network_caps
}

facts := object.get(input.host, "userns", {})

caller_uid := object.get(facts, "callerUid", 0)

caller_gid := object.get(facts, "callerGid", 0)

default range := {"start": 100000, "count": 65536}

range := facts.subuid if is_object(facts.subuid)

default grange := {"start": 100000, "count": 65536}

grange := facts.subgid if is_object(facts.subgid)

identity := input.host.identity

maps := {
	"uidMap": [{"inside": 0, "outside": range.start, "count": range.count}],
	"gidMap": [{"inside": 0, "outside": grange.start, "count": grange.count}],
} if caller_uid == 0

maps := {
	"uidMap": [{"inside": identity.uid, "outside": caller_uid, "count": 1}],
	"gidMap": [{"inside": identity.gid, "outside": caller_gid, "count": 1}],
} if caller_uid != 0

wanted if count(needs_host_userns) == 0

user_namespace := object.union(maps, {"reasons": [lib.rule_why("userns.unprivileged", "root inside the sandbox is an unprivileged user outside")]}) if wanted

user_namespace := null if not wanted

notices contains sprintf("no user namespace: %s must count on the host's network", [concat(", ", sort(needs_host_userns))]) if {
	not wanted
}

outside_map(uid) if {
	some m in maps.uidMap
	uid < m.inside
}

outside_map(uid) if {
	some m in maps.uidMap
	uid >= m.inside + m.count
}

errors contains {
	"path": "user",
	"message": sprintf("uid %d is outside the ids the user namespace maps (%s)", [identity.uid, concat(", ", [sprintf("%d-%d", [m.inside, (m.inside + m.count) - 1]) | some m in maps.uidMap])]),
} if {
	wanted
	outside_map(identity.uid)
}
