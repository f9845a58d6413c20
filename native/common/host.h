/* What this host is, as the native layer probes it: one module for the launcher (a compiled
 * bundle is checked against these facts) and the seccomp addon (src/host/facts.ts reads them
 * through it). Nothing here needs libseccomp. */
#ifndef SR_HOST_H
#define SR_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sr_error.h"

/* This host's architecture as secure-run names it (x86_64, aarch64, x86, arm). */
const char *sr_host_arch(void);

/* The Landlock ABI version the kernel offers; 0 when Landlock is off or unknown. */
int sr_host_landlock_abi(void);

/* What is mounted at /sys/fs/cgroup: "cgroup2", "tmpfs" (v1 hierarchies), "other", "none". */
const char *sr_host_cgroup_fs(void);

/* "enforcing", "permissive" or "disabled" (no selinuxfs). */
const char *sr_host_selinux(void);

/* The seccomp return actions secure-run knows, by name (as the addon reports them). */
struct sr_host_seccomp_action {
  const char *name;
  uint32_t ret; /* SECCOMP_RET_… */
};
extern const struct sr_host_seccomp_action sr_host_seccomp_actions[];
extern const size_t sr_host_nseccomp_actions;

/* Whether this kernel's seccomp can return `ret` (SECCOMP_GET_ACTION_AVAIL). */
bool sr_host_seccomp_action_available(uint32_t ret);

/* Whether this kernel has seccomp user notification (SECCOMP_GET_NOTIF_SIZES). */
bool sr_host_user_notification(void);

/* The facts a compiled bundle records of the host it was made for, in the order of
 * sr_host_fact_keys: host-arch, host-kernel, host-landlock, host-cgroup-fs, host-selinux. */
#define SR_HOST_NFACTS 5
#define SR_HOST_FACT_MAX 128
extern const char *const sr_host_fact_keys[SR_HOST_NFACTS];
int sr_host_facts(char facts[SR_HOST_NFACTS][SR_HOST_FACT_MAX], struct sr_error *err);

#endif
