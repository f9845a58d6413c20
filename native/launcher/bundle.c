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

#include "sha256.h"

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
  sr_autoclose int fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return sr_fail(err, errno, "--bundle %s: cannot open it", file);
  struct stat st;
  if (fstat(fd, &st) < 0) return sr_fail(err, errno, "--bundle %s", file);
  if (!S_ISREG(st.st_mode) || st.st_size > SR_BUNDLE_MAX_BYTES)
    return sr_fail(err, 0, "--bundle %s: not a bundle (a regular file of at most %d bytes)", file,
                   SR_BUNDLE_MAX_BYTES);
  sr_autofree char *buf = malloc((size_t)st.st_size + 1);
  if (buf == NULL) return sr_fail(err, ENOMEM, "--bundle %s", file);
  size_t done = 0;
  while (done < (size_t)st.st_size) {
    ssize_t n = read(fd, buf + done, (size_t)st.st_size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return sr_fail(err, n < 0 ? errno : EIO, "--bundle %s: reading it", file);
    done += (size_t)n;
  }
  /* A file that grew meanwhile is not the one that was measured. */
  char extra;
  ssize_t more = read(fd, &extra, 1);
  if (more != 0)
    return sr_fail(err, more < 0 ? errno : 0, "--bundle %s: it changed while being read", file);
  buf[done] = '\0';
  *out = sr_steal_ptr(buf);
  *len = done;
  return 0;
}

const char *const sr_bundle_fact_keys[SR_BUNDLE_NFACTS] = {
    "host-arch", "host-kernel", "host-landlock", "host-cgroup-fs", "host-selinux",
};

/* The header keys, each allowed once: informative ones, then the host facts, then args. */
static const char *const header_keys[] = {
    "name", "version", "created", "source", "inputs",
    "host-arch", "host-kernel", "host-landlock", "host-cgroup-fs", "host-selinux",
    "args",
};
#define NKEYS (sizeof header_keys / sizeof header_keys[0])
#define FIRST_FACT 5
#define ARGS_KEY 10

/* The next header line, NUL-terminated in place; NULL when no newline is left. `nul` is set when
 * the line holds a NUL byte of its own (a C string would end there: "end\0…"). */
static char *next_line(char **cur, char *end, bool *nul) {
  if (*cur >= end) return NULL;
  char *nl = memchr(*cur, '\n', (size_t)(end - *cur));
  if (nl == NULL) return NULL;
  *nul = memchr(*cur, '\0', (size_t)(nl - *cur)) != NULL;
  *nl = '\0';
  char *line = *cur;
  *cur = nl + 1;
  return line;
}

/* A size as the format writes it: decimal digits, no sign, no leading zero, at most `max`. */
static const char *parse_size(const char *p, size_t max, size_t *out) {
  if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' && p[1] <= '9')) return NULL;
  size_t v = 0;
  for (; *p >= '0' && *p <= '9'; p++) {
    v = v * 10 + (size_t)(*p - '0');
    if (v > max) return NULL;
  }
  *out = v;
  return p;
}

/* An architecture name: [a-z0-9_], 1 to 15 characters, then a space. */
static const char *parse_arch(const char *p, char arch[16]) {
  size_t n = 0;
  while ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= '0' && p[n] <= '9') || p[n] == '_') {
    if (++n > 15) return NULL;
  }
  if (n == 0 || p[n] != ' ') return NULL;
  memcpy(arch, p, n);
  arch[n] = '\0';
  return p + n + 1;
}

static int damaged(struct sr_bundle *b, struct sr_error *err, const char *file, const char *why) {
  sr_bundle_free(b);
  return sr_fail(err, 0, "--bundle %s: damaged (%s): compile it again with secure-run compile APP -o FILE",
                 file, why);
}

/* Parses data[len] (NUL at data[len]), which b then owns. */
static int parse_owned(char *data, size_t len, const char *arch, const char *file,
                       struct sr_bundle *b, struct sr_error *err) {
  memset(b, 0, sizeof *b);
  b->data = data;
  char *cur = data, *end = data + len;
  char why[160];
  bool nul = false;
  char *line = next_line(&cur, end, &nul);
  if (line == NULL || nul || strcmp(line, "secure-run-bundle 1") != 0) {
    sr_bundle_free(b);
    return sr_fail(err, 0,
                   "--bundle %s: not a secure-run bundle of format 1 (make one with: secure-run "
                   "compile APP -o FILE)",
                   file);
  }
  bool seen[NKEYS] = {false};
  char archs[SR_BUNDLE_MAX_FILTERS][16];
  size_t nfilters = 0;
  for (;;) {
    line = next_line(&cur, end, &nul);
    if (line == NULL) return damaged(b, err, file, "truncated: no end line");
    if (nul) return damaged(b, err, file, "a header line holds a NUL byte");
    if (strcmp(line, "end") == 0) break;
    char *sp = strchr(line, ' ');
    if (sp == NULL) {
      snprintf(why, sizeof why, "header line `%.40s` has no value", line);
      return damaged(b, err, file, why);
    }
    *sp = '\0';
    const char *key = line, *value = sp + 1;
    if (strcmp(key, "filter") == 0) {
      char name[16];
      size_t bytes = 0;
      const char *p = parse_arch(value, name);
      if (p) p = parse_size(p, SR_BUNDLE_MAX_INSNS * sizeof(struct sock_filter), &bytes);
      if (p == NULL || *p != '\0' || bytes == 0 || bytes % sizeof(struct sock_filter) != 0) {
        snprintf(why, sizeof why,
                 "a filter section's size is not a multiple of %zu bytes from 1 to %d instructions",
                 sizeof(struct sock_filter), SR_BUNDLE_MAX_INSNS);
        return damaged(b, err, file, why);
      }
      if (bytes >= (size_t)(end - cur) || cur[bytes] != '\n')
        return damaged(b, err, file, "a filter section is cut short");
      for (size_t i = 0; i < nfilters; i++)
        if (strcmp(archs[i], name) == 0) {
          snprintf(why, sizeof why, "two filters for %s", name);
          return damaged(b, err, file, why);
        }
      if (nfilters == SR_BUNDLE_MAX_FILTERS) {
        snprintf(why, sizeof why, "more than %d filters", SR_BUNDLE_MAX_FILTERS);
        return damaged(b, err, file, why);
      }
      memcpy(archs[nfilters++], name, sizeof name);
      if (strcmp(name, arch) == 0) {
        /* A copy: the section is not aligned for struct sock_filter within the file. */
        b->filter.insns = malloc(bytes);
        if (b->filter.insns == NULL) {
          sr_bundle_free(b);
          return sr_fail(err, ENOMEM, "--bundle %s", file);
        }
        memcpy(b->filter.insns, cur, bytes);
        b->filter.len = bytes / sizeof(struct sock_filter);
      }
      cur += bytes + 1;
      continue;
    }
    size_t k = 0;
    while (k < NKEYS && strcmp(key, header_keys[k]) != 0) k++;
    if (k == NKEYS) {
      snprintf(why, sizeof why, "unknown header key `%.40s`", key);
      return damaged(b, err, file, why);
    }
    if (seen[k]) {
      snprintf(why, sizeof why, "two %s lines", key);
      return damaged(b, err, file, why);
    }
    seen[k] = true;
    if (k == ARGS_KEY) {
      size_t count = 0, bytes = 0;
      const char *p = parse_size(value, SR_BUNDLE_MAX_BYTES, &count);
      if (p && *p == ' ') p = parse_size(p + 1, SR_BUNDLE_MAX_BYTES, &bytes);
      else p = NULL;
      if (p == NULL || *p != '\0' || count > bytes)
        return damaged(b, err, file, "the args line is not `args COUNT BYTES`");
      if (bytes >= (size_t)(end - cur) || cur[bytes] != '\n')
        return damaged(b, err, file, "the args section is cut short");
      if (bytes > 0 && cur[bytes - 1] != '\0')
        return damaged(b, err, file, "the args section's last string is not terminated");
      size_t strings = 0;
      for (size_t i = 0; i < bytes; i++) strings += cur[i] == '\0';
      if (strings != count) {
        snprintf(why, sizeof why, "the args section holds %zu strings, its line says %zu", strings,
                 count);
        return damaged(b, err, file, why);
      }
      b->args = calloc(count + 1, sizeof *b->args);
      if (b->args == NULL) {
        sr_bundle_free(b);
        return sr_fail(err, ENOMEM, "--bundle %s", file);
      }
      for (char *s = cur; b->nargs < count; s += strlen(s) + 1) b->args[b->nargs++] = s;
      cur += bytes + 1;
    } else if (k == 0) {
      if (strlen(value) >= sizeof b->name) return damaged(b, err, file, "the name is too long");
      memcpy(b->name, value, strlen(value) + 1);
    } else if (k >= FIRST_FACT) {
      char *fact = b->facts[k - FIRST_FACT];
      if (value[0] == '\0' || strlen(value) >= sizeof b->facts[0]) {
        snprintf(why, sizeof why, "%s is empty or too long", key);
        return damaged(b, err, file, why);
      }
      memcpy(fact, value, strlen(value) + 1);
    }
  }
  if (cur != end) return damaged(b, err, file, "bytes follow the end line");
  if (!seen[ARGS_KEY]) return damaged(b, err, file, "no args section");
  for (size_t i = 0; i < SR_BUNDLE_NFACTS; i++)
    if (!seen[FIRST_FACT + i]) {
      snprintf(why, sizeof why, "no %s", sr_bundle_fact_keys[i]);
      return damaged(b, err, file, why);
    }
  if (b->filter.insns == NULL) {
    sr_bundle_free(b);
    return sr_fail(err, 0,
                   "--bundle %s has no seccomp filter for %s, this host's architecture: compile it "
                   "with --arch %s",
                   file, arch, arch);
  }
  return 0;
}

int sr_bundle_parse(const char *buf, size_t len, const char *arch, const char *file,
                    struct sr_bundle *b, struct sr_error *err) {
  memset(b, 0, sizeof *b);
  if (len > SR_BUNDLE_MAX_BYTES)
    return sr_fail(err, 0, "--bundle %s: not a bundle (more than %d bytes)", file, SR_BUNDLE_MAX_BYTES);
  char *data = malloc(len + 1);
  if (data == NULL) return sr_fail(err, ENOMEM, "--bundle %s", file);
  if (len > 0) memcpy(data, buf, len);
  data[len] = '\0';
  return parse_owned(data, len, arch, file, b, err);
}

int sr_bundle_check_host(const struct sr_bundle *b, const char *file, struct sr_error *err) {
  struct utsname u;
  if (uname(&u) < 0) return sr_fail(err, errno, "uname");
  char landlock[16];
  snprintf(landlock, sizeof landlock, "%d", host_landlock());
  const char *here[SR_BUNDLE_NFACTS] = {sr_host_arch(), u.release, landlock, host_cgroup_fs(),
                                        host_selinux()};
  for (size_t i = 0; i < SR_BUNDLE_NFACTS; i++) {
    if (strcmp(b->facts[i], here[i]) == 0) continue;
    return sr_fail(err, 0,
                   "--bundle %s was made for another host (%s %s, this host has %s): compile it "
                   "again here with secure-run compile APP -o FILE",
                   file, sr_bundle_fact_keys[i] + 5, b->facts[i], here[i]);
  }
  return 0;
}

static bool is_sha256(const char *s) {
  size_t n = 0;
  for (; (s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f'); n++) {
  }
  return n == 64 && s[n] == '\0';
}

int sr_bundle_load(const char *file, const char *sha256, struct sr_bundle *b, struct sr_error *err) {
  memset(b, 0, sizeof *b);
  if (sha256 && !is_sha256(sha256))
    return sr_fail(err, 0, "--bundle-sha256 `%.80s`: not a sha256 (64 lowercase hex digits)", sha256);
  char *data = NULL;
  size_t len = 0;
  if (read_file(file, &data, &len, err) < 0) return -1;
  /* What is checked is these bytes, and these bytes are what is parsed and launched. */
  if (sha256) {
    char have[SR_SHA256_HEX];
    sr_sha256_hex(data, len, have);
    if (strcmp(have, sha256) != 0) {
      free(data);
      return sr_fail(err, 0,
                     "--bundle %s: its sha256 is %.16s, not the %.16s it was verified with: the "
                     "file changed since (not launched)",
                     file, have, sha256);
    }
  }
  if (parse_owned(data, len, sr_host_arch(), file, b, err) < 0) return -1;
  if (sr_bundle_check_host(b, file, err) < 0) {
    sr_bundle_free(b);
    return -1;
  }
  return 0;
}

void sr_bundle_free(struct sr_bundle *b) {
  free(b->args);
  free(b->filter.insns);
  free(b->data);
  memset(b, 0, sizeof *b);
}
