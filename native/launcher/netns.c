#define _GNU_SOURCE
#include "netns.h"

#include <errno.h>
#include <linux/landlock.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Debian 12's kernel headers predate Landlock's network rules (ABI 4, Linux 6.7). */
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#define LANDLOCK_RULE_NET_PORT 2
struct landlock_net_port_attr {
  __u64 allowed_access;
  __u64 port;
};
#endif

struct sr_landlock_ruleset_attr {
  __u64 handled_access_fs;
  __u64 handled_access_net;
};

int sr_loopback_up(struct sr_error *err) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return sr_fail(err, errno, "socket for configuring lo");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
  int rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
  if (rc == 0) {
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
  }
  int e = errno;
  close(fd);
  if (rc < 0) return sr_fail(err, e, "bring lo up");
  return 0;
}

int sr_landlock_abi(void) {
  long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
  return abi < 0 ? 0 : (int)abi;
}

int sr_landlock_restrict_tcp_bind(const uint16_t *ports, size_t nports, struct sr_error *err) {
  int abi = sr_landlock_abi();
  if (abi < 4)
    return sr_fail(err, ENOTSUP, "Landlock TCP rules need ABI 4, this kernel has %d", abi);
  struct sr_landlock_ruleset_attr attr = {.handled_access_net = LANDLOCK_ACCESS_NET_BIND_TCP};
  int fd = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
  if (fd < 0) return sr_fail(err, errno, "landlock_create_ruleset");
  for (size_t i = 0; i < nports; i++) {
    struct landlock_net_port_attr rule = {.allowed_access = LANDLOCK_ACCESS_NET_BIND_TCP,
                                          .port = ports[i]};
    if (syscall(SYS_landlock_add_rule, fd, LANDLOCK_RULE_NET_PORT, &rule, 0) < 0) {
      int e = errno;
      close(fd);
      return sr_fail(err, e, "landlock_add_rule (bind TCP %u)", ports[i]);
    }
  }
  int rc = (int)syscall(SYS_landlock_restrict_self, fd, 0);
  int e = errno;
  close(fd);
  if (rc < 0) return sr_fail(err, e, "landlock_restrict_self");
  return 0;
}
