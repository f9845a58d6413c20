# METADATA
# title: capabilities
# description: |
#   Every capability is dropped from all five sets except those the app asks to keep.
package secure_run.plan.capabilities

all := [
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID",
	"SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST",
	"NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO",
	"SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
	"SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE",
	"AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
	"BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
]

requested := object.get(input.app, "capabilities", [])

kept contains name if some name in requested

capabilities := {
	"keep": [k |
		some name in sort(kept)
		k := {"name": name, "reasons": [r |
			some i, n in requested
			n == name
			r := {"kind": "field", "ref": sprintf("capabilities[%d]", [i])}
		]}
	],
	"drop": [name | some name in all; not name in kept],
}
