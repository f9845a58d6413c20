# METADATA
# title: shared helpers and lists
# description: Reason builders and the lists both the plan and the review rules use.
package secure_run.lib

# The organisation's configuration (empty when none is given).
default config := {}

config := data.config

# A field of the app; where the image's config filled it in (plan/image.rego), the image.
field(path) := {"kind": "field", "ref": path} if not from_image(path)

field(path) := {"kind": "image", "ref": path, "why": sprintf("from the image %s", [input.image.ref])} if from_image(path)

image_filled := object.get(input, "imageFilled", set())

from_image(path) if path in image_filled

from_image(path) if {
	some f in image_filled
	some sep in [".", "["]
	startswith(path, concat("", [f, sep]))
}

rule(id) := {"kind": "rule", "ref": id}

rule_why(id, why) := {"kind": "rule", "ref": id, "why": why}

# Every capability Linux knows, in kernel order.
all_capabilities := [
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID",
	"SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST",
	"NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO",
	"SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
	"SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE",
	"AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
	"BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
]

# Capabilities an organisation allows unless its configuration says otherwise: Docker's
# default set.
default allowed_capabilities := [
	"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
	"NET_BIND_SERVICE", "NET_RAW", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
]

allowed_capabilities := data.config.capabilities.allowed

# Capabilities that amount to control of the host (or of other processes on it).
dangerous_capabilities := {
	"SYS_ADMIN", "SYS_PTRACE", "SYS_MODULE", "SYS_RAWIO", "SYS_BOOT", "SYS_TIME",
	"NET_ADMIN", "DAC_READ_SEARCH", "BPF", "PERFMON", "MAC_ADMIN", "MAC_OVERRIDE",
	"SYSLOG", "LINUX_IMMUTABLE", "AUDIT_CONTROL", "CHECKPOINT_RESTORE", "SYS_PACCT",
	"SYS_RESOURCE", "WAKE_ALARM", "BLOCK_SUSPEND", "IPC_OWNER",
}

# Syscalls that reach past the sandbox: mounts and namespaces, kernel modules and images,
# other processes' memory, kernel keyrings, eBPF, io_uring, raw handles, the clock.
# They are refused with EPERM (an honest "not permitted"), not ENOSYS.
dangerous_syscalls := {
	"acct", "add_key", "adjtimex", "bpf", "chroot", "clock_adjtime", "clock_settime",
	"delete_module", "finit_module", "fsconfig", "fsmount", "fsopen", "fspick",
	"init_module", "io_uring_enter", "io_uring_register", "io_uring_setup", "ioperm",
	"iopl", "kcmp", "kexec_file_load", "kexec_load", "keyctl", "lookup_dcookie",
	"mount", "mount_setattr", "move_mount", "move_pages", "name_to_handle_at",
	"nfsservctl", "open_by_handle_at", "open_tree", "perf_event_open", "pivot_root",
	"process_vm_readv", "process_vm_writev", "ptrace", "quotactl", "quotactl_fd",
	"reboot", "request_key", "setdomainname", "sethostname", "setns", "settimeofday",
	"swapoff", "swapon", "syslog", "umount", "umount2", "unshare", "uselib",
	"userfaultfd", "vm86", "vm86old",
}

# Host paths an app must never get write access to.
system_paths := [
	"/", "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc",
	"/root", "/sbin", "/sys", "/usr", "/var/lib", "/var/log", "/run", "/var/run",
]

# Sockets of container runtimes and init: binding one hands over the host.
runtime_sockets := [
	"/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock",
	"/run/crio/crio.sock", "/run/podman/podman.sock", "/var/run/crio/crio.sock",
	"/run/systemd/private", "/run/dbus/system_bus_socket", "/var/run/dbus/system_bus_socket",
	"/run/docker", "/var/run/docker", "/run/containerd",
]

# path is p or below it
under(path, p) if path == p

under(path, p) if {
	p != "/"
	startswith(path, concat("", [p, "/"]))
}

writable(m) if m.type == "tmpfs"

writable(m) if {
	m.type == "bind"
	m.readOnly == false
}
