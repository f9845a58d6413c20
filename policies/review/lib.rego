# METADATA
# title: review helpers
# description: Every decision is built here from the metadata of the rule that makes it.
package secure_run.review.lib

# The level a rule has: its own, unless the organisation's configuration sets another.
level(id, _) := data.config.rules[id]

level(id, own) := own if not data.config.rules[id]

# A decision from a rule's metadata (rego.metadata.rule()), a message and the field path in the
# app definition it concerns.
decision(meta, message, path) := {
	"rule": meta.custom.id,
	"level": level(meta.custom.id, meta.custom.level),
	"title": meta.title,
	"message": message,
	"path": path,
}

# The field a plan item comes from: the first reason that points into the app definition.
field_of(reasons) := r.ref if {
	some r in reasons
	r.kind == "field"
} else := sprintf("syscalls.profiles[%d]", [i]) if {
	some r in reasons
	r.kind == "profile"
	some i, p in object.get(input.app, ["syscalls", "profiles"], [])
	p == r.ref
} else := ""
