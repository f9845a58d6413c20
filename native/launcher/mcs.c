#define _GNU_SOURCE
#include "mcs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define SR_MCS_CATEGORIES 1024
#define SR_MCS_ATTEMPTS 1000

static int reserved(const char *registry, unsigned c) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/c%u", registry, c);
  return access(path, F_OK) == 0;
}

int sr_mcs_allocate(const char *registry, int owner, struct sr_mcs *out, struct sr_error *err) {
  memset(out, 0, sizeof *out);
  if (mkdir(registry, 0700) < 0 && errno != EEXIST)
    return sr_fail(err, errno, "create the SELinux category registry `%s`", registry);
  for (int attempt = 0; attempt < SR_MCS_ATTEMPTS; attempt++) {
    unsigned r[2];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
      return sr_fail(err, errno, "getrandom for SELinux categories");
    unsigned a = r[0] % SR_MCS_CATEGORIES, b = r[1] % SR_MCS_CATEGORIES;
    if (a == b) continue;
    if (a > b) {
      unsigned t = a;
      a = b;
      b = t;
    }
    snprintf(out->pair, sizeof out->pair, "c%u,c%u", a, b);
    int n = snprintf(out->file, sizeof out->file, "%s/%s", registry, out->pair);
    if (n < 0 || (size_t)n >= sizeof out->file)
      return sr_fail(err, ENAMETOOLONG, "SELinux category registry `%s`", registry);
    int fd = open(out->file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST) continue;
    if (fd < 0) return sr_fail(err, errno, "create `%s`", out->file);
    char pid[24];
    int len = snprintf(pid, sizeof pid, "%d\n", owner);
    ssize_t w = write(fd, pid, (size_t)len);
    int e = errno;
    close(fd);
    if (w != len) {
      unlink(out->file);
      out->file[0] = '\0';
      return sr_fail(err, w < 0 ? e : EIO, "write the owner of SELinux categories %s", out->pair);
    }
    /* Claimed first, checked after, as the registry's other users do: a category that an
     * app's instances reserved is not for this pair. */
    if (reserved(registry, a) || reserved(registry, b)) {
      unlink(out->file);
      out->file[0] = '\0';
      continue;
    }
    return 0;
  }
  out->file[0] = '\0';
  return sr_fail(err, EAGAIN, "no free pair of SELinux categories in `%s`", registry);
}

void sr_mcs_release(struct sr_mcs *m) {
  if (m->file[0]) unlink(m->file);
  m->file[0] = '\0';
}
