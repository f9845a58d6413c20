package secure_run.review.lib_test

import data.secure_run.review.lib as review

meta := {"title": "A rule", "custom": {"id": "x.rule", "level": "warn"}}

test_a_decision_has_its_rules_id_level_and_title if {
	review.decision(meta, "said", "a.b[0]") == {"rule": "x.rule", "level": "warn", "title": "A rule", "message": "said", "path": "a.b[0]"}
}

test_the_organisation_sets_a_rules_level if {
	d := review.decision(meta, "said", "a") with data.config.rules as {"x.rule": "deny", "y.other": "off"}
	d.level == "deny"
	review.level("y.other", "warn") == "off" with data.config.rules as {"x.rule": "deny", "y.other": "off"}
	review.level("z.unset", "info") == "info" with data.config.rules as {"x.rule": "deny"}
}

test_the_field_of_a_plan_item_is_its_first_field_reason if {
	review.field_of([{"kind": "rule", "ref": "r"}, {"kind": "field", "ref": "syscalls.allow[2]"}]) == "syscalls.allow[2]"
}

test_a_profile_reason_points_at_the_profile_in_the_app if {
	field := review.field_of([{"kind": "profile", "ref": "network"}]) with input.app as {"syscalls": {"profiles": ["base", "network"]}}
	field == "syscalls.profiles[1]"
}

test_a_rule_reason_points_nowhere if {
	review.field_of([{"kind": "rule", "ref": "syscalls.base"}]) == "" with input.app as {}
}
