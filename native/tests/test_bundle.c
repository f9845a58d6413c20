/* Bundles as the launcher reads them: valid ones, each kind of damage, every truncation and
 * random corruption (under ASan: never a read past the data). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/landlock.h>
#include <linux/magic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "../launcher/bundle.h"
#include "../launcher/sha256.h"
#include "check.h"

/* The bundle under test lives in a memfd, read through its /proc path: a test that crashes
 * (ASan aborts) leaves no file behind. */
static char file[64];
static int memfd = -1;

static const char *cgroup_fs(void) {
  struct statfs st;
  if (statfs("/sys/fs/cgroup", &st) < 0) return "none";
  return st.f_type == CGROUP2_SUPER_MAGIC ? "cgroup2" : st.f_type == TMPFS_MAGIC ? "tmpfs" : "other";
}

static const char *selinux(void) {
  char c = 0;
  int fd = open("/sys/fs/selinux/enforce", O_RDONLY);
  if (fd < 0) return "disabled";
  ssize_t n = read(fd, &c, 1);
  close(fd);
  return n == 1 && c == '1' ? "enforcing" : "permissive";
}

/* A bundle for this host: `kernel` NULL for the real one, `skip` a header key to leave out. */
static const char default_args[] = "--name\0t\0--env\0\0--\0/bin/true\0";
static const char *args = default_args;
static size_t args_len = sizeof default_args - 1, args_count = 6;
static const char default_fixes[] =
    "*\0syscalls.allow: [{}]\0+\0secure-run trace\0clone\0syscalls.profiles: [process]\0";
static const char *fixes = default_fixes;
static size_t fixes_len = sizeof default_fixes - 1, fixes_count = 3;

static size_t make(char *buf, size_t size, const char *kernel, const char *skip, const char *arch) {
  struct utsname u;
  uname(&u);
  long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
  const unsigned char insns[16] = {6, 0, 0, 0, 0, 0, 0xff, 0x7f, 6, 0, 0, 0, 0, 0, 0xff, 0x7f};
  size_t n = (size_t)snprintf(buf, size, "secure-run-bundle 2\nname t\n");
  char line[256];
  const char *keys[] = {"host-arch", "host-kernel", "host-landlock", "host-cgroup-fs", "host-selinux"};
  char landlock[24];
  snprintf(landlock, sizeof landlock, "%ld", abi < 0 ? 0 : abi);
  const char *values[] = {sr_host_arch(), kernel ? kernel : u.release, landlock, cgroup_fs(), selinux()};
  for (int i = 0; i < 5; i++) {
    if (skip && strcmp(skip, keys[i]) == 0) continue;
    snprintf(line, sizeof line, "%s %s\n", keys[i], values[i]);
    memcpy(buf + n, line, strlen(line));
    n += strlen(line);
  }
  n += (size_t)snprintf(buf + n, size - n, "args %zu %zu\n", args_count, args_len);
  memcpy(buf + n, args, args_len);
  n += args_len;
  buf[n++] = '\n';
  n += (size_t)snprintf(buf + n, size - n, "filter %s 16\n", arch ? arch : sr_host_arch());
  memcpy(buf + n, insns, 16);
  n += 16;
  buf[n++] = '\n';
  n += (size_t)snprintf(buf + n, size - n, "notify %s 8\n", arch ? arch : sr_host_arch());
  memcpy(buf + n, insns, 8);
  n += 8;
  buf[n++] = '\n';
  n += (size_t)snprintf(buf + n, size - n, "fixes %zu %zu\n", fixes_count, fixes_len);
  memcpy(buf + n, fixes, fixes_len);
  n += fixes_len;
  buf[n++] = '\n';
  n += (size_t)snprintf(buf + n, size - n, "end\n");
  return n;
}

/* out = buf[0..at) + text + buf[at..n): a bundle with a line or section added. */
static size_t insert(char *out, const char *buf, size_t n, size_t at, const char *text, size_t len) {
  memcpy(out, buf, at);
  memcpy(out + at, text, len);
  memcpy(out + at + len, buf + at, n - at);
  return n + len;
}

/* Parsing alone (no host check): what the fuzz target exercises. */
static void parse_refused(const char *data, size_t len, const char *expect) {
  struct sr_bundle b;
  struct sr_error err = {0};
  int rc = sr_bundle_parse(data, len, sr_host_arch(), "t.bundle", &b, &err);
  CHECK(rc == -1);
  if (rc == 0) sr_bundle_free(&b);
  if (expect && strstr(err.msg, expect) == NULL) {
    fprintf(stderr, "  \"%s\" does not mention \"%s\"\n", err.msg, expect);
    CHECK(0);
  }
}

/* The valid bundle with its first line starting with `key ` replaced by `line`. */
static size_t replace_line(char *out, const char *buf, size_t n, const char *key, const char *line) {
  const char *p = memmem(buf, n, key, strlen(key));
  if (p == NULL) abort();
  const char *nl = memchr(p, '\n', n - (size_t)(p - buf));
  size_t at = (size_t)(p - buf), old = (size_t)(nl - p), len = strlen(line);
  memcpy(out, buf, at);
  memcpy(out + at, line, len);
  memcpy(out + at + len, nl, n - at - old);
  return n - old + len;
}

static void sha256_vectors(void) {
  char hex[SR_SHA256_HEX];
  sr_sha256_hex("", 0, hex);
  CHECK(strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == 0);
  sr_sha256_hex("abc", 3, hex);
  CHECK(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0);
  const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"; /* 56: two blocks */
  sr_sha256_hex(two, strlen(two), hex);
  CHECK(strcmp(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1") == 0);
  static char million[1000000];
  memset(million, 'a', sizeof million);
  sr_sha256_hex(million, sizeof million, hex);
  CHECK(strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") == 0);
}

static int load(const char *data, size_t len, struct sr_bundle *b, struct sr_error *err) {
  if (ftruncate(memfd, 0) < 0 || pwrite(memfd, data, len, 0) != (ssize_t)len) abort();
  return sr_bundle_load(file, NULL, b, err);
}

static void refused(const char *data, size_t len, const char *expect) {
  struct sr_bundle b;
  struct sr_error err = {0};
  CHECK(load(data, len, &b, &err) == -1);
  if (expect && strstr(err.msg, expect) == NULL) {
    fprintf(stderr, "  \"%s\" does not mention \"%s\"\n", err.msg, expect);
    CHECK(0);
  }
}

int main(void) {
  memfd = memfd_create("secure-run-test-bundle", MFD_CLOEXEC);
  if (memfd < 0) return 2;
  snprintf(file, sizeof file, "/proc/self/fd/%d", memfd);
  static char buf[4096], bad[4096];
  struct sr_bundle b;
  struct sr_error err = {0};

  size_t n = make(buf, sizeof buf, NULL, NULL, NULL);
  CHECK(load(buf, n, &b, &err) == 0);
  CHECK(b.nargs == 6 && strcmp(b.args[0], "--name") == 0 && strcmp(b.args[3], "") == 0 &&
        strcmp(b.args[5], "/bin/true") == 0 && b.args[6] == NULL);
  CHECK(b.filter.len == 2 && strcmp(b.name, "t") == 0);
  sr_bundle_free(&b);

  /* The caller alone says whether a launch is an instance and what it removes. */
  static const char instance_args[] = "--remove-when-done\0--instance\0/home\0--\0/bin/true\0";
  args = instance_args;
  args_len = sizeof instance_args - 1;
  args_count = 5;
  n = make(buf, sizeof buf, NULL, NULL, NULL);
  refused(buf, n, "the bundle holds --remove-when-done, which only its caller may give");
  /* After --, the command's own arguments may be anything. */
  static const char command_args[] = "--\0/bin/echo\0--instance\0";
  args = command_args;
  args_len = sizeof command_args - 1;
  args_count = 3;
  n = make(buf, sizeof buf, NULL, NULL, NULL);
  CHECK(load(buf, n, &b, &err) == 0);
  sr_bundle_free(&b);
  args = default_args;
  args_len = sizeof default_args - 1;
  args_count = 6;

  refused("hello\n", 6, "not a secure-run bundle");
  n = make(buf, sizeof buf, "1.0.0-old", NULL, NULL);
  refused(buf, n, "made for another host (kernel 1.0.0-old");
  n = make(buf, sizeof buf, NULL, "host-selinux", NULL);
  refused(buf, n, "no host-selinux");
  n = make(buf, sizeof buf, NULL, NULL, "mips");
  refused(buf, n, "no seccomp filter for");

  /* Every truncation is refused, and none reads past the data. */
  n = make(buf, sizeof buf, NULL, NULL, NULL);
  for (size_t cut = 0; cut < n; cut++) refused(buf, cut, NULL);
  /* Sizes that lie. */
  char *p = strstr(buf, "args 6 ");
  memcpy(bad, buf, n);
  bad[p - buf + 5] = '9'; /* count 9 > the strings there */
  refused(bad, n, "holds 6 strings, its line says 9");
  memcpy(bad, buf, n);
  p = memmem(bad, n, "filter ", 7);
  p = memchr(p + 7, ' ', 16);
  p[1] = '9'; /* 96 bytes: past the end */
  refused(bad, n, "filter section is cut short");

  /* Each key once: a second args section (it crashed the launcher), name, host fact, filter. */
  n = make(buf, sizeof buf, NULL, NULL, NULL);
  {
    const char *a = memmem(buf, n, "args ", 5), *f = memmem(buf, n, "filter ", 7);
    size_t m = insert(bad, buf, n, (size_t)(f - buf), a, (size_t)(f - a));
    refused(bad, m, "two args lines");
    parse_refused(bad, m, "two args lines");
    m = insert(bad, buf, n, 20, "name u\n", 7);
    refused(bad, m, "two name lines");
    m = insert(bad, buf, n, 20, "host-kernel 1.0\n", 16);
    refused(bad, m, "two host-kernel lines");
    const char *e = memmem(buf, n, "end\n", 4);
    m = insert(bad, buf, n, (size_t)(e - buf), f, (size_t)(e - f));
    refused(bad, m, "two filter sections for");
    m = insert(bad, buf, n, 20, "colour red\n", 11);
    refused(bad, m, "unknown header key `colour`");
  }
  /* Filters: at most 4096 instructions (BPF_MAXINSNS), whole instructions, sizes that parse. */
  {
    static char big[4 * 4096 * 8 + 1024];
    n = make(buf, sizeof buf, NULL, NULL, NULL);
    const char *f = memmem(buf, n, "filter ", 7);
    const char *e = memmem(buf, n, "notify ", 7); /* the rest, from the filter's end */
    size_t rest = n - (size_t)(e - buf);
    size_t at = (size_t)(f - buf);
    for (size_t insns = 4096; insns <= 4097; insns++) {
      size_t m = at;
      memcpy(big, buf, at);
      m += (size_t)sprintf(big + m, "filter %s %zu\n", sr_host_arch(), insns * 8);
      for (size_t i = 0; i < insns; i++) memcpy(big + m + 8 * i, "\6\0\0\0\0\0\xff\x7f", 8);
      m += insns * 8;
      big[m++] = '\n';
      memcpy(big + m, e, rest);
      m += rest;
      if (insns == 4096) {
        struct sr_bundle ok;
        CHECK(sr_bundle_parse(big, m, sr_host_arch(), "t", &ok, &err) == 0 && ok.filter.len == 4096);
        if (err.msg[0] == '\0') sr_bundle_free(&ok);
      } else {
        parse_refused(big, m, "from 1 to 4096 instructions");
      }
    }
    char line[64];
    snprintf(line, sizeof line, "filter %s 12", sr_host_arch());
    size_t m = replace_line(bad, buf, n, "filter ", line);
    parse_refused(bad, m, "not a multiple of 8 bytes");
    snprintf(line, sizeof line, "filter %s 0", sr_host_arch());
    m = replace_line(bad, buf, n, "filter ", line);
    parse_refused(bad, m, "not a multiple of 8 bytes");
    snprintf(line, sizeof line, "filter %s 18446744073709551632", sr_host_arch());
    m = replace_line(bad, buf, n, "filter ", line); /* 2^64 + 16: wraps to 16 unchecked */
    parse_refused(bad, m, "filter section's size");
    snprintf(line, sizeof line, "filter %s 016", sr_host_arch());
    m = replace_line(bad, buf, n, "filter ", line);
    parse_refused(bad, m, "filter section's size");
    m = replace_line(bad, buf, n, "filter ", "filter x86_64_and_more_than_15 16");
    parse_refused(bad, m, "filter section's size");
    /* Counts that overflow or lie. */
    m = replace_line(bad, buf, n, "args ", "args 18446744073709551617 29");
    parse_refused(bad, m, "not `args COUNT BYTES`");
    m = replace_line(bad, buf, n, "args ", "args -1 29");
    parse_refused(bad, m, "not `args COUNT BYTES`");
    m = replace_line(bad, buf, n, "args ", "args 6 29 7");
    parse_refused(bad, m, "not `args COUNT BYTES`");
    m = replace_line(bad, buf, n, "args ", "args 6 4294967325"); /* 2^32 + 29 */
    parse_refused(bad, m, "not `args COUNT BYTES`");
    m = replace_line(bad, buf, n, "args ", "args 5 29");
    parse_refused(bad, m, "holds 6 strings, its line says 5");
  }
  /* No end; NUL bytes in header lines; bytes after the end; a missing args section. */
  n = make(buf, sizeof buf, NULL, NULL, NULL);
  parse_refused(buf, n - 4, "truncated: no end line");
  memcpy(bad, buf, n);
  bad[n - 3] = '\0'; /* "e\0d\n" */
  parse_refused(bad, n, "holds a NUL byte");
  {
    size_t m = insert(bad, buf, n, n - 4, "end\0x\n", 6); /* reads as "end" to strcmp */
    parse_refused(bad, m, "holds a NUL byte");
    memcpy(bad, buf, n);
    ((char *)memmem(bad, n, "name t", 6))[5] = '\0'; /* "name \0" */
    parse_refused(bad, n, "holds a NUL byte");
    m = insert(bad, buf, n, n, "x", 1);
    parse_refused(bad, m, "bytes follow the end line");
    const char *a = memmem(buf, n, "args ", 5), *f = memmem(buf, n, "filter ", 7);
    memcpy(bad, buf, (size_t)(a - buf));
    memcpy(bad + (a - buf), f, n - (size_t)(f - buf));
    parse_refused(bad, n - (size_t)(f - a), "no args section");
    parse_refused(bad, 0, "not a secure-run bundle");
  }
  /* Format 2: both filters of the host's architecture and the fix table, checked entry by entry. */
  {
    n = make(buf, sizeof buf, NULL, NULL, NULL);
    CHECK(sr_bundle_parse(buf, n, sr_host_arch(), "t", &b, &err) == 0);
    CHECK(b.notify.len == 1 && b.fixes.n == 3 && strcmp(b.fixes.names[2], "clone") == 0);
    CHECK(strcmp(sr_fixes_lookup(&b.fixes, "clone"), "syscalls.profiles: [process]") == 0);
    CHECK(strcmp(sr_fixes_lookup(&b.fixes, "mount"), "syscalls.allow: [{}]") == 0);
    CHECK(strcmp(sr_fixes_lookup(&b.fixes, "+"), "secure-run trace") == 0);
    sr_bundle_free(&b);
    size_t m = replace_line(bad, buf, n, "secure-run-bundle", "secure-run-bundle 1");
    parse_refused(bad, m, "format 1, made by an older secure-run");
    const char *nt = memmem(buf, n, "notify ", 7), *fx = memmem(buf, n, "fixes ", 6);
    memcpy(bad, buf, (size_t)(nt - buf));
    memcpy(bad + (nt - buf), fx, n - (size_t)(fx - buf));
    parse_refused(bad, n - (size_t)(fx - nt), "no notify section");
    const char *e = memmem(buf, n, "end\n", 4);
    memcpy(bad, buf, (size_t)(fx - buf));
    memcpy(bad + (fx - buf), e, 4);
    parse_refused(bad, (size_t)(fx - buf) + 4, "no fixes section");
    m = insert(bad, buf, n, (size_t)(fx - buf), nt, (size_t)(fx - nt));
    parse_refused(bad, m, "two notify sections for");
    m = insert(bad, buf, n, (size_t)(e - buf), fx, (size_t)(e - fx));
    parse_refused(bad, m, "two fixes lines");
    char line[64];
    snprintf(line, sizeof line, "fixes 2 %zu", fixes_len);
    m = replace_line(bad, buf, n, "fixes ", line);
    parse_refused(bad, m, "not its count of pairs");
    snprintf(line, sizeof line, "fixes 1025 %zu", fixes_len);
    m = replace_line(bad, buf, n, "fixes ", line);
    parse_refused(bad, m, "not `fixes COUNT BYTES`");
    snprintf(line, sizeof line, "fixes 3 %zu", fixes_len + 40);
    m = replace_line(bad, buf, n, "fixes ", line);
    parse_refused(bad, m, "fixes section is cut short");
    static const struct {
      const char *table;
      size_t len, count;
      const char *expect;
    } tables[] = {
#define T(s, c, e) {s, sizeof s - 1, c, e}
        T("clone\0a\0*\0b\0", 2, "out of order or repeated"),
        T("clone\0a\0clone\0b\0", 2, "out of order or repeated"),
        T("Clone\0a\0", 1, "is not a syscall name"),
        T("\0a\0", 1, "is not a syscall name"),
        T("clone\0\0", 1, "the fix is empty"),
        T("clone\0\x1b[31mred\0", 1, "not printable ASCII"),
        T("clone\0caf\xc3\xa9\0", 1, "not printable ASCII"),
        T("clone\0a", 1, "not terminated"),
        T("clone\0a\0b\0", 1, "holds 3 strings"),
#undef T
    };
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
      fixes = tables[i].table;
      fixes_len = tables[i].len;
      fixes_count = tables[i].count;
      m = make(bad, sizeof bad, NULL, NULL, NULL);
      parse_refused(bad, m, tables[i].expect);
    }
    static char long_fix[SR_FIX_TEXT_MAX + 16];
    memcpy(long_fix, "clone\0", 6);
    memset(long_fix + 6, 'x', SR_FIX_TEXT_MAX);
    fixes = long_fix;
    fixes_len = 6 + SR_FIX_TEXT_MAX + 1;
    fixes_count = 1;
    m = make(bad, sizeof bad, NULL, NULL, NULL);
    parse_refused(bad, m, "over 199 bytes");
    fixes = "";
    fixes_len = fixes_count = 0;
    m = make(bad, sizeof bad, NULL, NULL, NULL);
    CHECK(sr_bundle_parse(bad, m, sr_host_arch(), "t", &b, &err) == 0 && b.fixes.n == 0);
    CHECK(sr_fixes_lookup(&b.fixes, "clone") == NULL);
    sr_bundle_free(&b);
    fixes = default_fixes;
    fixes_len = sizeof default_fixes - 1;
    fixes_count = 3;
  }
  /* The summary: counted by syscall and program, ordered as first refused, fixes filled in. */
  {
    struct sr_refusals r;
    memset(&r, 0, sizeof r);
    r.counting = true;
    n = make(buf, sizeof buf, NULL, NULL, NULL);
    CHECK(sr_bundle_parse(buf, n, sr_host_arch(), "t", &b, &err) == 0);
    for (int i = 0; i < 3; i++) sr_refusals_add(&r, 56, "clone", "sh", 38);
    sr_refusals_add(&r, 165, "mount", "tool\x1b]0;x", 1);
    sr_refusals_add(&r, 56, "clone", "wc", 38);
    for (int i = 0; i < 100; i++) sr_refusals_add(&r, 1000 + i, NULL, "flood", 38);
    CHECK(r.total == 105 && r.n == SR_REFUSALS_MAX && r.other == 100 - (SR_REFUSALS_MAX - 3));
    char *text = NULL;
    size_t len = 0;
    CHECK(sr_refusals_format(&r, &b.fixes, "t", &text, &len, &err) == 0);
    CHECK(text && strstr(text, "refused 105 calls of t") != NULL);
    CHECK(text && strstr(text, "secure-run:   clone ") != NULL &&
          strstr(text, "ENOSYS   4\xc3\x97 by sh, wc") != NULL);
    CHECK(text && strstr(text, "\xe2\x86\x92 syscalls.profiles: [process]") != NULL);
    CHECK(text && strstr(text, "by tool?]0;x  \xe2\x86\x92 syscalls.allow: [mount]") != NULL);
    CHECK(text && strstr(text, "more refusals") != NULL && strstr(text, "secure-run: secure-run trace\n"));
    CHECK(text && strchr(text, '\x1b') == NULL);
    free(text);
    CHECK(sr_refusals_due(&r, SR_SUMMARY_AUTO, 2) && !sr_refusals_due(&r, SR_SUMMARY_AUTO, 0));
    CHECK(sr_refusals_due(&r, SR_SUMMARY_ALWAYS, 0) && !sr_refusals_due(&r, SR_SUMMARY_OFF, 2));
    sr_bundle_free(&b);
  }
  /* --bundle-sha256: the bytes read must be the bytes verified. */
  sha256_vectors();
  {
    char hex[SR_SHA256_HEX];
    n = make(buf, sizeof buf, NULL, NULL, NULL);
    sr_sha256_hex(buf, n, hex);
    if (ftruncate(memfd, 0) < 0 || pwrite(memfd, buf, n, 0) != (ssize_t)n) abort();
    CHECK(sr_bundle_load(file, hex, &b, &err) == 0);
    if (b.data) sr_bundle_free(&b);
    hex[0] = hex[0] == '0' ? '1' : '0';
    CHECK(sr_bundle_load(file, hex, &b, &err) == -1 && strstr(err.msg, "changed since") != NULL);
    CHECK(sr_bundle_load(file, "ABC", &b, &err) == -1 && strstr(err.msg, "not a sha256") != NULL);
  }

  /* Random corruption: refused or loaded, never a crash (ASan watches). */
  srand(7);
  int loaded = 0;
  for (int round = 0; round < 3000; round++) {
    memcpy(bad, buf, n);
    int flips = 1 + rand() % 4;
    for (int i = 0; i < flips; i++) bad[rand() % n] = (char)(rand() % 256);
    struct sr_error e = {0};
    if (load(bad, n, &b, &e) == 0) {
      loaded++;
      CHECK(b.args[b.nargs] == NULL);
      sr_bundle_free(&b);
    }
  }
  printf("test_bundle: %d of 3000 corrupted bundles still loaded (flips in free text)\n", loaded);
  close(memfd);
  return checks_report("test_bundle");
}
