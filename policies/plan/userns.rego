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
#     - id: userns.rootless
#       decides: "started by a user other than root: the app's uid and gid map to the caller's; the other ids to the caller's /etc/subuid and /etc/subgid ranges when newuidmap and newgidmap exist, else to nothing (a single id, said in the notices)"
#       reads: "host: userns (callerUid, callerGid, subuid, subgid, newuidmap, newgidmap), identity"
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

# Started by a user: there are no privileges to map anything but what the host delegates.
rootless if caller_uid != 0

# newuidmap and newgidmap (setuid helpers of shadow's uidmap package) write the caller's
# subordinate ranges; without them a user can map its own id only.
full_range if {
	rootless
	object.get(facts, "newuidmap", false) == true
	object.get(facts, "newgidmap", false) == true
	is_object(facts.subuid)
	is_object(facts.subgid)
}

# The app's id maps to the caller's; the ids below and above it to the subordinate range, in
# order (as podman's keep-id): every id inside is an id of the caller's outside.
keep_id(app_id, caller, sub) := array.concat(array.concat(below, [{"inside": app_id, "outside": caller, "count": 1}]), above) if {
	b := min([app_id, sub.count])
	below := [m | b > 0; m := {"inside": 0, "outside": sub.start, "count": b}]
	rest := sub.count - b
	above := [m | rest > 0; m := {"inside": app_id + 1, "outside": sub.start + b, "count": rest}]
}

maps := {
	"uidMap": keep_id(identity.uid, caller_uid, facts.subuid),
	"gidMap": keep_id(identity.gid, caller_gid, facts.subgid),
} if full_range

maps := {
	"uidMap": [{"inside": identity.uid, "outside": caller_uid, "count": 1}],
	"gidMap": [{"inside": identity.gid, "outside": caller_gid, "count": 1}],
} if {
	rootless
	not full_range
}

id_map_kind := "range" if full_range

id_map_kind := "single" if {
	rootless
	not full_range
}

# Only one gid is mapped: the others would be nobody's, and setgroups is closed in such a
# namespace. The app keeps its own group only.
dropped_groups := {g | some g in identity.groups} if id_map_kind == "single"

default dropped_groups := set()

groups := [g | some g in identity.groups; not g in dropped_groups]

wanted if count(needs_host_userns) == 0

user_namespace := object.union(maps, {"reasons": [lib.rule_why("userns.unprivileged", "root inside the sandbox is an unprivileged user outside")]}) if {
	wanted
	not rootless
}

user_namespace := object.union(maps, {"reasons": [lib.rule_why("userns.rootless", rootless_why[id_map_kind])]}) if {
	wanted
	rootless
}

rootless_why := {
	"single": "started by a user: the app's id is the caller's, no other id is mapped",
	"range": "started by a user: the app's id is the caller's, the others are its subordinate ids",
}

notices contains sprintf("rootless: only the app's uid %d and gid %d are mapped, to yours (uid %d, gid %d); every other id inside is unmapped (nobody)%s; a full range needs newuidmap, newgidmap (package uidmap) and your ranges in /etc/subuid and /etc/subgid", [identity.uid, identity.gid, caller_uid, caller_gid, dropped_text]) if {
	wanted
	id_map_kind == "single"
}

dropped_text := sprintf(" and the supplementary groups %s are left out", [concat(", ", [sprintf("%d", [g]) | some g in sort(dropped_groups)])]) if count(dropped_groups) > 0

dropped_text := "" if count(dropped_groups) == 0

notices contains sprintf("rootless: the app's uid %d and gid %d map to yours (uid %d, gid %d), the other ids to your subordinate ranges (/etc/subuid %d+%d, /etc/subgid %d+%d)", [identity.uid, identity.gid, caller_uid, caller_gid, facts.subuid.start, facts.subuid.count, facts.subgid.start, facts.subgid.count]) if {
	wanted
	id_map_kind == "range"
}

# Started by a user, the app has a user namespace whatever it keeps: a capability there does not
# count in the host's network (owned by the host's user namespace). What would need it is refused
# at the field that asks for it, with the way out.
errors contains {
	"path": p.path,
	"message": sprintf("rootless: port %d is below 1024 on the host's network, where only root may bind it", [p.port]),
	"hint": "use network.mode: none (the app's own network, where low ports need no capability), or a port of 1024 or above",
} if {
	rootless
	some p in network.privileged_ports_on_host
}

errors contains {
	"path": sprintf("capabilities[%d]", [i]),
	"message": sprintf("rootless: %s must count on the host's network, which belongs to root", [name]),
	"hint": "use network.mode: none (the capability then counts in the app's own network), or run as root",
} if {
	rootless
	network.mode == "host"
	some i, name in object.get(input.app, "capabilities", [])
	name in host_network_caps
	name in kept
}

# What the plan says about a launch by a user other than root (absent for root's).
rootless_part := {
	"uid": caller_uid,
	"gid": caller_gid,
	"idMap": id_map_kind,
	"reasons": [lib.rule_why("userns.rootless", rootless_why[id_map_kind])],
} if rootless

user_namespace := null if not wanted

notices contains sprintf("no user namespace: %s must count on the host's network", [concat(", ", sort(needs_host_userns))]) if {
	not wanted
}

mapped(uid) if {
	some m in maps.uidMap
	uid >= m.inside
	uid < m.inside + m.count
}

errors contains {
	"path": "user",
	"message": sprintf("uid %d is outside the ids the user namespace maps (%s)", [identity.uid, concat(", ", [sprintf("%d-%d", [m.inside, (m.inside + m.count) - 1]) | some m in maps.uidMap])]),
} if {
	wanted
	not mapped(identity.uid)
}
