package secure_run.plan.selinux_test

import data.secure_run.plan.selinux

test_container_types_not_enforced_without_selinux if {
	s := selinux.selinux with input as {"app": {"name": "a"}, "host": {"selinux": "disabled"}}
	s.processType == "container_t"
	s.fileType == "container_file_t"
	s.enforced == false
}

test_enforced_where_selinux_enforces if {
	s := selinux.selinux with input as {"app": {"name": "a"}, "host": {"selinux": "enforcing"}}
	s.enforced == true
}

test_types_from_the_configuration if {
	s := selinux.selinux with input as {"app": {"name": "a"}, "host": {}} with data.config.selinux as {"processType": "svirt_lxc_net_t"}
	s.processType == "svirt_lxc_net_t"
}

test_a_rootless_launch_is_not_labelled_even_where_selinux_enforces if {
	s := selinux.selinux with input as {"app": {"name": "a"}, "host": {"selinux": "enforcing", "userns": {"callerUid": 1000}}}
	s.enforced == false
}
