/* Compiled bundles: launch arguments and BPF per architecture, checked against this host. */
#define _GNU_SOURCE
#include "bundle.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/host.h"
#include "sha256.h"

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

/* The header keys, each allowed once: informative ones, then the host facts, then args. */
static const char *const header_keys[] = {
    "name", "version", "created", "source", "inputs",
    "host-arch", "host-kernel", "host-landlock", "host-cgroup-fs", "host-selinux",
    "args", "fixes",
};
#define NKEYS (sizeof header_keys / sizeof header_keys[0])
#define FIRST_FACT 5
#define ARGS_KEY 10
#define FIXES_KEY 11

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

static int damaged(struct sr_error *err, const char *file, const char *why) {
  return sr_fail(err, 0, "--bundle %s: damaged (%s): compile it again with secure-run compile APP -o FILE",
                 file, why);
}

/* Parses b->data[len] (NUL at data[len]) into b; b's owner frees it, whatever the outcome. */
static int parse(struct sr_bundle *b, size_t len, const char *arch, const char *file,
                 struct sr_error *err) {
  char *data = b->data;
  char *cur = data, *end = data + len;
  char why[256];
  bool nul = false;
  char *line = next_line(&cur, end, &nul);
  if (line != NULL && !nul && strcmp(line, "secure-run-bundle 1") == 0)
    return sr_fail(err, 0,
                   "--bundle %s is of format 1, made by an older secure-run: compile it again with "
                   "secure-run compile APP -o FILE",
                   file);
  if (line == NULL || nul || strcmp(line, "secure-run-bundle 2") != 0)
    return sr_fail(err, 0,
                   "--bundle %s: not a secure-run bundle of format 2 (make one with: secure-run "
                   "compile APP -o FILE)",
                   file);
  bool seen[NKEYS] = {false};
  /* Per section kind (0: filter, 1: notify), the architectures seen. */
  char archs[2][SR_BUNDLE_MAX_FILTERS][16];
  size_t nfilters[2] = {0, 0};
  for (;;) {
    line = next_line(&cur, end, &nul);
    if (line == NULL) return damaged(err, file, "truncated: no end line");
    if (nul) return damaged(err, file, "a header line holds a NUL byte");
    if (strcmp(line, "end") == 0) break;
    char *sp = strchr(line, ' ');
    if (sp == NULL) {
      snprintf(why, sizeof why, "header line `%.40s` has no value", line);
      return damaged(err, file, why);
    }
    *sp = '\0';
    const char *key = line, *value = sp + 1;
    if (strcmp(key, "filter") == 0 || strcmp(key, "notify") == 0) {
      int kind = key[0] == 'n';
      char name[16];
      size_t bytes = 0;
      const char *p = parse_arch(value, name);
      if (p) p = parse_size(p, SR_BUNDLE_MAX_INSNS * sizeof(struct sock_filter), &bytes);
      if (p == NULL || *p != '\0' || bytes == 0 || bytes % sizeof(struct sock_filter) != 0) {
        snprintf(why, sizeof why,
                 "a %s section's size is not a multiple of %zu bytes from 1 to %d instructions",
                 key, sizeof(struct sock_filter), SR_BUNDLE_MAX_INSNS);
        return damaged(err, file, why);
      }
      if (bytes >= (size_t)(end - cur) || cur[bytes] != '\n') {
        snprintf(why, sizeof why, "a %s section is cut short", key);
        return damaged(err, file, why);
      }
      for (size_t i = 0; i < nfilters[kind]; i++)
        if (strcmp(archs[kind][i], name) == 0) {
          snprintf(why, sizeof why, "two %s sections for %s", key, name);
          return damaged(err, file, why);
        }
      if (nfilters[kind] == SR_BUNDLE_MAX_FILTERS) {
        snprintf(why, sizeof why, "more than %d %s sections", SR_BUNDLE_MAX_FILTERS, key);
        return damaged(err, file, why);
      }
      memcpy(archs[kind][nfilters[kind]++], name, sizeof name);
      if (strcmp(name, arch) == 0) {
        /* A copy: the section is not aligned for struct sock_filter within the file. */
        struct sr_bpf_prog *prog = kind ? &b->notify : &b->filter;
        prog->insns = malloc(bytes);
        if (prog->insns == NULL) return sr_fail(err, ENOMEM, "--bundle %s", file);
        memcpy(prog->insns, cur, bytes);
        prog->len = bytes / sizeof(struct sock_filter);
      }
      cur += bytes + 1;
      continue;
    }
    size_t k = 0;
    while (k < NKEYS && strcmp(key, header_keys[k]) != 0) k++;
    if (k == NKEYS) {
      snprintf(why, sizeof why, "unknown header key `%.40s`", key);
      return damaged(err, file, why);
    }
    if (seen[k]) {
      snprintf(why, sizeof why, "two %s lines", key);
      return damaged(err, file, why);
    }
    seen[k] = true;
    if (k == ARGS_KEY) {
      size_t count = 0, bytes = 0;
      const char *p = parse_size(value, SR_BUNDLE_MAX_BYTES, &count);
      if (p && *p == ' ') p = parse_size(p + 1, SR_BUNDLE_MAX_BYTES, &bytes);
      else p = NULL;
      if (p == NULL || *p != '\0' || count > bytes)
        return damaged(err, file, "the args line is not `args COUNT BYTES`");
      if (bytes >= (size_t)(end - cur) || cur[bytes] != '\n')
        return damaged(err, file, "the args section is cut short");
      if (bytes > 0 && cur[bytes - 1] != '\0')
        return damaged(err, file, "the args section's last string is not terminated");
      size_t strings = 0;
      for (size_t i = 0; i < bytes; i++) strings += cur[i] == '\0';
      if (strings != count) {
        snprintf(why, sizeof why, "the args section holds %zu strings, its line says %zu", strings,
                 count);
        return damaged(err, file, why);
      }
      b->args = calloc(count + 1, sizeof *b->args);
      if (b->args == NULL) return sr_fail(err, ENOMEM, "--bundle %s", file);
      for (char *s = cur; b->nargs < count; s += strlen(s) + 1) b->args[b->nargs++] = s;
      cur += bytes + 1;
    } else if (k == FIXES_KEY) {
      size_t count = 0, bytes = 0;
      const char *p = parse_size(value, SR_FIXES_MAX, &count);
      if (p && *p == ' ') p = parse_size(p + 1, SR_FIXES_MAX_BYTES, &bytes);
      else p = NULL;
      if (p == NULL || *p != '\0')
        return damaged(err, file, "the fixes line is not `fixes COUNT BYTES` (bounded)");
      if (bytes >= (size_t)(end - cur) || cur[bytes] != '\n')
        return damaged(err, file, "the fixes section is cut short");
      if (sr_fixes_parse(cur, bytes, count, "fixes", &b->fixes, err) < 0) {
        snprintf(why, sizeof why, "%.200s", err->msg);
        return damaged(err, file, why);
      }
      cur += bytes + 1;
    } else if (k == 0) {
      if (strlen(value) >= sizeof b->name) return damaged(err, file, "the name is too long");
      memcpy(b->name, value, strlen(value) + 1);
    } else if (k >= FIRST_FACT) {
      char *fact = b->facts[k - FIRST_FACT];
      if (value[0] == '\0' || strlen(value) >= sizeof b->facts[0]) {
        snprintf(why, sizeof why, "%s is empty or too long", key);
        return damaged(err, file, why);
      }
      memcpy(fact, value, strlen(value) + 1);
    }
  }
  if (cur != end) return damaged(err, file, "bytes follow the end line");
  if (!seen[ARGS_KEY]) return damaged(err, file, "no args section");
  if (!seen[FIXES_KEY]) return damaged(err, file, "no fixes section");
  for (size_t i = 0; i < SR_BUNDLE_NFACTS; i++)
    if (!seen[FIRST_FACT + i]) {
      snprintf(why, sizeof why, "no %s", sr_host_fact_keys[i]);
      return damaged(err, file, why);
    }
  if (b->filter.insns == NULL)
    return sr_fail(err, 0,
                   "--bundle %s has no seccomp filter for %s, this host's architecture: compile it "
                   "with --arch %s",
                   file, arch, arch);
  if (b->notify.insns == NULL)
    return damaged(err, file, "the filter of this host's architecture has no notify section");
  return 0;
}

/* Parses data[len] (NUL at data[len]), taking it over: into b when all is well, else freed. */
static int parse_owned(char *data, size_t len, const char *arch, const char *file,
                       struct sr_bundle *b, struct sr_error *err) {
  __attribute__((cleanup(sr_bundle_free))) struct sr_bundle parsed = {.data = data};
  memset(b, 0, sizeof *b);
  SR_TRY(parse(&parsed, len, arch, file, err));
  *b = sr_steal_struct(parsed);
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
  return parse_owned(data, len, arch, file, b, err); /* data is its now */
}

int sr_bundle_check_host(const struct sr_bundle *b, const char *file, struct sr_error *err) {
  char here[SR_BUNDLE_NFACTS][SR_HOST_FACT_MAX];
  if (sr_host_facts(here, err) < 0) return sr_wrap(err, "--bundle %s: probing this host", file);
  for (size_t i = 0; i < SR_BUNDLE_NFACTS; i++) {
    if (strcmp(b->facts[i], here[i]) == 0) continue;
    return sr_fail(err, 0,
                   "--bundle %s was made for another host (%s %s, this host has %s): compile it "
                   "again here with secure-run compile APP -o FILE",
                   file, sr_host_fact_keys[i] + 5, b->facts[i], here[i]);
  }
  return 0;
}

static bool is_sha256(const char *s) {
  size_t n = 0;
  for (; (s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f'); n++) {
  }
  return n == 64 && s[n] == '\0';
}

/* Whether a launch is a detached instance, of which directory, and what it may remove, is the
 * caller's to say, never the bundle's. */
static int callers_options_only(const struct sr_bundle *b, const char *file, struct sr_error *err) {
  static const char *const callers[] = {"--instance", "--ready-fd", "--remove-when-done",
                                        "--instance-name", "--restart", "--max-retries",
                                        "--stop-signal", "--log-max"};
  for (size_t i = 0; i < b->nargs && strcmp(b->args[i], "--") != 0; i++)
    for (size_t k = 0; k < sizeof callers / sizeof callers[0]; k++)
      if (strcmp(b->args[i], callers[k]) == 0)
        return sr_fail(err, 0, "--bundle %s: the bundle holds %s, which only its caller may give",
                       file, callers[k]);
  return 0;
}

int sr_bundle_load(const char *file, const char *sha256, struct sr_bundle *b, struct sr_error *err) {
  memset(b, 0, sizeof *b);
  if (sha256 && !is_sha256(sha256))
    return sr_fail(err, 0, "--bundle-sha256 `%.80s`: not a sha256 (64 lowercase hex digits)", sha256);
  sr_autofree char *data = NULL;
  size_t len = 0;
  SR_TRY(read_file(file, &data, &len, err));
  /* What is checked is these bytes, and these bytes are what is parsed and launched. */
  if (sha256) {
    char have[SR_SHA256_HEX];
    sr_sha256_hex(data, len, have);
    if (strcmp(have, sha256) != 0)
      return sr_fail(err, 0,
                     "--bundle %s: its sha256 is %.16s, not the %.16s it was verified with: the "
                     "file changed since (not launched)",
                     file, have, sha256);
  }
  __attribute__((cleanup(sr_bundle_free))) struct sr_bundle loaded = {0};
  SR_TRY(parse_owned(sr_steal_ptr(data), len, sr_host_arch(), file, &loaded, err));
  SR_TRY(sr_bundle_check_host(&loaded, file, err));
  SR_TRY(callers_options_only(&loaded, file, err));
  *b = sr_steal_struct(loaded);
  return 0;
}

void sr_bundle_free(struct sr_bundle *b) {
  free(b->args);
  free(b->filter.insns);
  free(b->notify.insns);
  sr_fixes_free(&b->fixes);
  free(b->data);
  memset(b, 0, sizeof *b);
}
