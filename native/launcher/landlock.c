#define _GNU_SOURCE
#include "landlock.h"

#include "../common/host.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Rights newer than Debian 12's kernel headers (Linux 6.1). */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#define LANDLOCK_RULE_NET_PORT 2
struct landlock_net_port_attr {
  __u64 allowed_access;
  __u64 port;
};
#endif

/* ABI 6 (Linux 6.12): IPC scoping, newer than Debian 12's headers too. */
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif

struct ruleset_attr {
  __u64 handled_access_fs;
  __u64 handled_access_net;
  __u64 scoped;
};

#define FS_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define FS_EXECUTE LANDLOCK_ACCESS_FS_EXECUTE
#define FS_WRITE                                                                            \
  (LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |                          \
   LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | \
   LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |   \
   LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM | LANDLOCK_ACCESS_FS_REFER |     \
   LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV)
/* The rights that make sense on a file (not a directory). */
#define FS_FILE_RIGHTS                                                                      \
  (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE | \
   LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV)

/* Every filesystem right the given ABI knows. */
static __u64 fs_rights(int abi) {
  __u64 all = FS_READ | FS_EXECUTE | FS_WRITE;
  if (abi < 2) all &= ~(__u64)LANDLOCK_ACCESS_FS_REFER;
  if (abi < 3) all &= ~(__u64)LANDLOCK_ACCESS_FS_TRUNCATE;
  if (abi < 5) all &= ~(__u64)LANDLOCK_ACCESS_FS_IOCTL_DEV;
  return all;
}

static int add_path(int ruleset, const struct sr_fs_rule *r, __u64 handled, struct sr_error *err) {
  int fd = open(r->path, O_PATH | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return 0; /* nothing there to grant */
    return sr_fail(err, errno, "open `%s` for a Landlock rule", r->path);
  }
  struct stat st;
  if (fstat(fd, &st) < 0) {
    int e = errno;
    close(fd);
    return sr_fail(err, e, "stat `%s`", r->path);
  }
  __u64 allowed = 0;
  if (r->access & SR_ACCESS_READ) allowed |= FS_READ;
  if (r->access & SR_ACCESS_WRITE) allowed |= FS_WRITE;
  if (r->access & SR_ACCESS_EXECUTE) allowed |= FS_EXECUTE;
  allowed &= handled;
  if (!S_ISDIR(st.st_mode)) allowed &= FS_FILE_RIGHTS;
  struct landlock_path_beneath_attr attr = {.allowed_access = allowed, .parent_fd = fd};
  int rc = allowed ? (int)syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &attr, 0) : 0;
  int e = errno;
  close(fd);
  if (rc < 0) return sr_fail(err, e, "landlock_add_rule for `%s`", r->path);
  return 0;
}

static int add_port(int ruleset, __u64 access, uint16_t port, struct sr_error *err) {
  struct landlock_net_port_attr attr = {.allowed_access = access, .port = port};
  if (syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_NET_PORT, &attr, 0) < 0)
    return sr_fail(err, errno, "landlock_add_rule (TCP port %u)", port);
  return 0;
}

int sr_landlock_apply(const struct sr_config *cfg, struct sr_error *err) {
  bool net = cfg->restrict_tcp_bind || cfg->restrict_tcp_connect;
  if (!cfg->restrict_fs && !net && !cfg->landlock_scope) return 0;
  int abi = sr_host_landlock_abi();
  if (abi < 1) return sr_fail(err, ENOTSUP, "Landlock is not available in this kernel");
  if (net && abi < 4)
    return sr_fail(err, ENOTSUP, "Landlock TCP rules need ABI 4, this kernel has %d", abi);
  if (cfg->landlock_scope && abi < 6)
    return sr_fail(err, ENOTSUP, "Landlock scopes (abstract unix sockets, signals) need ABI 6, this kernel has %d", abi);
  struct ruleset_attr attr = {0, 0, 0};
  if (cfg->restrict_fs) attr.handled_access_fs = fs_rights(abi);
  if (cfg->restrict_tcp_bind) attr.handled_access_net |= LANDLOCK_ACCESS_NET_BIND_TCP;
  if (cfg->restrict_tcp_connect) attr.handled_access_net |= LANDLOCK_ACCESS_NET_CONNECT_TCP;
  if (cfg->landlock_scope & SR_SCOPE_ABSTRACT_UNIX) attr.scoped |= LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET;
  if (cfg->landlock_scope & SR_SCOPE_SIGNAL) attr.scoped |= LANDLOCK_SCOPE_SIGNAL;
  /* The kernel knows only the first field before ABI 4, and the first two before ABI 6. */
  size_t size = cfg->landlock_scope ? sizeof attr
                : net               ? offsetof(struct ruleset_attr, scoped)
                                    : sizeof attr.handled_access_fs;
  int fd = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
  if (fd < 0) return sr_fail(err, errno, "landlock_create_ruleset");
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < cfg->nfs_rules; i++)
    rc = add_path(fd, &cfg->fs_rules[i], attr.handled_access_fs, err);
  for (size_t i = 0; rc == 0 && cfg->restrict_tcp_bind && i < cfg->nbind_ports; i++)
    rc = add_port(fd, LANDLOCK_ACCESS_NET_BIND_TCP, cfg->bind_ports[i], err);
  for (size_t i = 0; rc == 0 && cfg->restrict_tcp_connect && i < cfg->nconnect_ports; i++)
    rc = add_port(fd, LANDLOCK_ACCESS_NET_CONNECT_TCP, cfg->connect_ports[i], err);
  if (rc == 0 && syscall(SYS_landlock_restrict_self, fd, 0) < 0)
    rc = sr_fail(err, errno, "landlock_restrict_self");
  close(fd);
  return rc;
}
