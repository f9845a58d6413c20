/* Compiled bundles: launch arguments and BPF per architecture, checked against this host. */
#define _GNU_SOURCE
#include "bundle.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

static int host_landlock(void) {
#ifdef SYS_landlock_create_ruleset
  long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
  return abi < 0 ? 0 : (int)abi;
#else
  return 0;
#endif
}

static const char *host_cgroup_fs(void) {
  struct statfs st;
  if (statfs("/sys/fs/cgroup", &st) < 0) return "none";
  return st.f_type == CGROUP2_SUPER_MAGIC ? "cgroup2" : st.f_type == TMPFS_MAGIC ? "tmpfs" : "other";
}

static const char *host_selinux(void) {
  char c = '\0';
  int fd = open("/sys/fs/selinux/enforce", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "disabled";
  ssize_t n = read(fd, &c, 1);
  close(fd);
  return n == 1 && c == '1' ? "enforcing" : "permissive";
}

static int read_file(const char *file, char **out, size_t *len, struct sr_error *err) {
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return sr_fail(err, errno, "--bundle %s: cannot open it", file);
  struct stat st;
  if (fstat(fd, &st) < 0) {
    int e = errno;
    close(fd);
    return sr_fail(err, e, "--bundle %s", file);
  }
  if (!S_ISREG(st.st_mode) || st.st_size > SR_BUNDLE_MAX_BYTES) {
    close(fd);
    return sr_fail(err, 0, "--bundle %s: not a bundle (a regular file of at most %d bytes)", file,
                   SR_BUNDLE_MAX_BYTES);
  }
  char *buf = malloc((size_t)st.st_size + 1);
  if (buf == NULL) {
    close(fd);
    return sr_fail(err, ENOMEM, "--bundle %s", file);
  }
  size_t done = 0;
  while (done < (size_t)st.st_size) {
    ssize_t n = read(fd, buf + done, (size_t)st.st_size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = n < 0 ? errno : EIO;
      free(buf);
      close(fd);
      return sr_fail(err, e, "--bundle %s: reading it", file);
    }
    done += (size_t)n;
  }
  close(fd);
  buf[done] = '\0';
  *out = buf;
  *len = done;
  return 0;
}

/* The next header line, NUL-terminated in place; NULL at the end of the data. */
static char *next_line(char **cur, char *end) {
  if (*cur >= end) return NULL;
  char *nl = memchr(*cur, '\n', (size_t)(end - *cur));
  if (nl == NULL) return NULL;
  *nl = '\0';
  char *line = *cur;
  *cur = nl + 1;
  return line;
}

struct host_fact {
  const char *key;
  const char *here;
  char want[128];
};

int sr_bundle_load(const char *file, struct sr_bundle *b, struct sr_error *err) {
  memset(b, 0, sizeof *b);
  size_t len = 0;
  if (read_file(file, &b->data, &len, err) < 0) return -1;
  char *cur = b->data, *end = b->data + len;
  char *line = next_line(&cur, end);
  if (line == NULL || strcmp(line, "secure-run-bundle 1") != 0) {
    sr_bundle_free(b);
    return sr_fail(err, 0,
                   "--bundle %s: not a secure-run bundle of format 1 (make one with: secure-run "
                   "compile APP -o FILE)",
                   file);
  }
  struct utsname u;
  if (uname(&u) < 0) {
    sr_bundle_free(b);
    return sr_fail(err, errno, "uname");
  }
  char landlock[16];
  snprintf(landlock, sizeof landlock, "%d", host_landlock());
  struct host_fact facts[] = {
      {"host-arch", sr_host_arch(), ""},      {"host-kernel", u.release, ""},
      {"host-landlock", landlock, ""},        {"host-cgroup-fs", host_cgroup_fs(), ""},
      {"host-selinux", host_selinux(), ""},
  };
  const size_t nfacts = sizeof facts / sizeof facts[0];
  bool have_args = false, have_filter = false;
  while ((line = next_line(&cur, end)) != NULL && strcmp(line, "end") != 0) {
    char *sp = strchr(line, ' ');
    const char *key = line, *value = sp ? sp + 1 : "";
    if (sp) *sp = '\0';
    size_t count = 0, bytes = 0;
    char arch[16];
    if (strcmp(key, "args") == 0) {
      if (sscanf(value, "%zu %zu", &count, &bytes) != 2 || bytes >= (size_t)(end - cur) ||
          cur[bytes] != '\n' || (bytes > 0 && cur[bytes - 1] != '\0') || count > bytes) {
        sr_bundle_free(b);
        return sr_fail(err, 0, "--bundle %s: the args section is damaged", file);
      }
      b->args = calloc(count + 1, sizeof *b->args);
      if (b->args == NULL) {
        sr_bundle_free(b);
        return sr_fail(err, ENOMEM, "--bundle %s", file);
      }
      for (char *p = cur; p < cur + bytes && b->nargs < count; p += strlen(p) + 1)
        b->args[b->nargs++] = p;
      if (b->nargs != count) {
        sr_bundle_free(b);
        return sr_fail(err, 0, "--bundle %s: the args section is damaged", file);
      }
      cur += bytes + 1;
      have_args = true;
    } else if (strcmp(key, "filter") == 0) {
      if (sscanf(value, "%15s %zu", arch, &bytes) != 2 || bytes >= (size_t)(end - cur) ||
          cur[bytes] != '\n' || bytes == 0 || bytes % sizeof(struct sock_filter) != 0) {
        sr_bundle_free(b);
        return sr_fail(err, 0, "--bundle %s: a filter section is damaged", file);
      }
      if (strcmp(arch, sr_host_arch()) == 0) {
        b->filter.insns = (struct sock_filter *)cur;
        b->filter.len = bytes / sizeof(struct sock_filter);
        have_filter = true;
      }
      cur += bytes + 1;
    } else if (strcmp(key, "name") == 0) {
      snprintf(b->name, sizeof b->name, "%s", value);
    } else {
      for (size_t i = 0; i < nfacts; i++)
        if (strcmp(key, facts[i].key) == 0) snprintf(facts[i].want, sizeof facts[i].want, "%s", value);
    }
  }
  if (line == NULL || !have_args) {
    sr_bundle_free(b);
    return sr_fail(err, 0, "--bundle %s: truncated (no %s)", file, have_args ? "end" : "args");
  }
  if (!have_filter) {
    sr_bundle_free(b);
    return sr_fail(err, 0,
                   "--bundle %s has no seccomp filter for %s, this host's architecture: compile it "
                   "with --arch %s",
                   file, sr_host_arch(), sr_host_arch());
  }
  for (size_t i = 0; i < nfacts; i++) {
    if (facts[i].want[0] == '\0') {
      sr_bundle_free(b);
      return sr_fail(err, 0, "--bundle %s: damaged (no %s)", file, facts[i].key);
    }
    if (strcmp(facts[i].want, facts[i].here) == 0) continue;
    char what[160];
    snprintf(what, sizeof what, "%s %s, this host has %s", facts[i].key + 5, facts[i].want,
             facts[i].here);
    sr_bundle_free(b);
    return sr_fail(err, 0,
                   "--bundle %s was made for another host (%s): compile it again here with "
                   "secure-run compile APP -o FILE",
                   file, what);
  }
  return 0;
}

void sr_bundle_free(struct sr_bundle *b) {
  free(b->args);
  free(b->data);
  memset(b, 0, sizeof *b);
}
