#define _GNU_SOURCE
#include "host.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <linux/magic.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

const char *sr_host_arch(void) {
#if defined(__x86_64__)
  return "x86_64";
#elif defined(__aarch64__)
  return "aarch64";
#elif defined(__i386__)
  return "x86";
#elif defined(__arm__)
  return "arm";
#else
  return "unknown";
#endif
}

int sr_host_landlock_abi(void) {
#ifdef SYS_landlock_create_ruleset
  long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
  return abi < 0 ? 0 : (int)abi;
#else
  return 0;
#endif
}

const char *sr_host_cgroup_fs(void) {
  struct statfs st;
  if (statfs("/sys/fs/cgroup", &st) < 0) return "none";
  return st.f_type == CGROUP2_SUPER_MAGIC ? "cgroup2" : st.f_type == TMPFS_MAGIC ? "tmpfs" : "other";
}

const char *sr_host_selinux(void) {
  char c = '\0';
  sr_autoclose int fd = open("/sys/fs/selinux/enforce", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "disabled";
  ssize_t n = read(fd, &c, 1);
  return n == 1 && c == '1' ? "enforcing" : "permissive";
}

const struct sr_host_seccomp_action sr_host_seccomp_actions[] = {
    {"kill_process", SECCOMP_RET_KILL_PROCESS}, {"kill_thread", SECCOMP_RET_KILL_THREAD},
    {"trap", SECCOMP_RET_TRAP},                 {"errno", SECCOMP_RET_ERRNO},
    {"user_notif", SECCOMP_RET_USER_NOTIF},     {"trace", SECCOMP_RET_TRACE},
    {"log", SECCOMP_RET_LOG},                   {"allow", SECCOMP_RET_ALLOW}};
const size_t sr_host_nseccomp_actions = sizeof sr_host_seccomp_actions / sizeof sr_host_seccomp_actions[0];

bool sr_host_seccomp_action_available(uint32_t ret) {
  uint32_t action = ret;
  return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

bool sr_host_user_notification(void) {
  struct seccomp_notif_sizes sizes;
  return syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) == 0;
}

const char *const sr_host_fact_keys[SR_HOST_NFACTS] = {
    "host-arch", "host-kernel", "host-landlock", "host-cgroup-fs", "host-selinux",
};

int sr_host_facts(char facts[SR_HOST_NFACTS][SR_HOST_FACT_MAX], struct sr_error *err) {
  struct utsname u;
  if (uname(&u) < 0) return sr_fail(err, errno, "uname");
  snprintf(facts[0], SR_HOST_FACT_MAX, "%s", sr_host_arch());
  snprintf(facts[1], SR_HOST_FACT_MAX, "%s", u.release);
  snprintf(facts[2], SR_HOST_FACT_MAX, "%d", sr_host_landlock_abi());
  snprintf(facts[3], SR_HOST_FACT_MAX, "%s", sr_host_cgroup_fs());
  snprintf(facts[4], SR_HOST_FACT_MAX, "%s", sr_host_selinux());
  return 0;
}
