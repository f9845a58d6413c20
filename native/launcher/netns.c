#define _GNU_SOURCE
#include "netns.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>


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

int sr_sysctl_set(const char *assignment, struct sr_error *err) {
  const char *eq = strchr(assignment, '=');
  char path[PATH_MAX];
  if (eq == NULL) return sr_fail(err, EINVAL, "sysctl `%s`", assignment);
  int n = snprintf(path, sizeof path, "/proc/sys/%.*s", (int)(eq - assignment), assignment);
  if (n < 0 || (size_t)n >= sizeof path) return sr_fail(err, ENAMETOOLONG, "sysctl `%s`", assignment);
  for (char *p = path + strlen("/proc/sys/"); *p; p++)
    if (*p == '.') *p = '/';
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return sr_fail(err, errno, "open `%s`", path);
  size_t len = strlen(eq + 1);
  ssize_t w = write(fd, eq + 1, len);
  int e = errno;
  close(fd);
  if (w < 0 || (size_t)w != len) return sr_fail(err, w < 0 ? e : EIO, "write `%s`", path);
  return 0;
}
