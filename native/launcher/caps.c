#define _GNU_SOURCE
#include "caps.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *const names[] = {
    "CHOWN",          "DAC_OVERRIDE",    "DAC_READ_SEARCH", "FOWNER",         "FSETID",
    "KILL",           "SETGID",          "SETUID",          "SETPCAP",        "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN",       "NET_RAW",        "IPC_LOCK",
    "IPC_OWNER",      "SYS_MODULE",      "SYS_RAWIO",       "SYS_CHROOT",     "SYS_PTRACE",
    "SYS_PACCT",      "SYS_ADMIN",       "SYS_BOOT",        "SYS_NICE",       "SYS_RESOURCE",
    "SYS_TIME",       "SYS_TTY_CONFIG",  "MKNOD",           "LEASE",          "AUDIT_WRITE",
    "AUDIT_CONTROL",  "SETFCAP",         "MAC_OVERRIDE",    "MAC_ADMIN",      "SYSLOG",
    "WAKE_ALARM",     "BLOCK_SUSPEND",   "AUDIT_READ",      "PERFMON",        "BPF",
    "CHECKPOINT_RESTORE",
};

int sr_cap_from_name(const char *name) {
  if (strncmp(name, "CAP_", 4) == 0) name += 4;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(names[i], name) == 0) return (int)i;
  return -1;
}

int sr_cap_last(void) {
  static int last = -1;
  if (last >= 0) return last;
  int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
  char buf[16] = {0};
  if (fd >= 0) {
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n > 0) last = atoi(buf);
  }
  /* Without /proc, probe the bounding set: PR_CAPBSET_READ fails past the last one. */
  if (last <= 0)
    for (last = 0; prctl(PR_CAPBSET_READ, last + 1, 0, 0, 0) >= 0; last++) {
    }
  return last;
}

int sr_caps_drop_bounding(uint64_t keep, struct sr_error *err) {
  int last = sr_cap_last();
  for (int cap = 0; cap <= last; cap++) {
    if (cap < 64 && (keep & (1ULL << cap))) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
      return sr_fail(err, errno, "dropping capability %d from the bounding set", cap);
  }
  return 0;
}

int sr_caps_set(uint64_t keep, struct sr_error *err) {
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  memset(data, 0, sizeof data);
  for (int i = 0; i < 2; i++) {
    uint32_t bits = (uint32_t)(keep >> (32 * i));
    data[i].effective = data[i].permitted = data[i].inheritable = bits;
  }
  if (syscall(SYS_capset, &hdr, data) < 0)
    return sr_fail(err, errno, "capset (effective, permitted, inheritable)");
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
    return sr_fail(err, errno, "clearing the ambient capabilities");
  for (int cap = 0; cap < 64; cap++)
    if ((keep & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
      return sr_fail(err, errno, "raising ambient capability %s",
                     cap < (int)(sizeof names / sizeof names[0]) ? names[cap] : "?");
  return 0;
}

int sr_caps_lock_securebits(struct sr_error *err) {
  unsigned long bits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
                       SECBIT_NO_SETUID_FIXUP_LOCKED;
  if (prctl(PR_SET_SECUREBITS, bits, 0, 0, 0) < 0) return sr_fail(err, errno, "PR_SET_SECUREBITS");
  return 0;
}
