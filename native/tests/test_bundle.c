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
static size_t make(char *buf, size_t size, const char *kernel, const char *skip, const char *arch) {
  struct utsname u;
  uname(&u);
  long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
  const char args[] = "--name\0t\0--env\0\0--\0/bin/true\0";
  const unsigned char insns[16] = {6, 0, 0, 0, 0, 0, 0xff, 0x7f, 6, 0, 0, 0, 0, 0, 0xff, 0x7f};
  size_t n = (size_t)snprintf(buf, size, "secure-run-bundle 1\nname t\n");
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
  n += (size_t)snprintf(buf + n, size - n, "args 6 %zu\n", sizeof args - 1);
  memcpy(buf + n, args, sizeof args - 1);
  n += sizeof args - 1;
  buf[n++] = '\n';
  n += (size_t)snprintf(buf + n, size - n, "filter %s 16\n", arch ? arch : sr_host_arch());
  memcpy(buf + n, insns, 16);
  n += 16;
  buf[n++] = '\n';
  n += (size_t)snprintf(buf + n, size - n, "end\n");
  return n;
}

static int load(const char *data, size_t len, struct sr_bundle *b, struct sr_error *err) {
  if (ftruncate(memfd, 0) < 0 || pwrite(memfd, data, len, 0) != (ssize_t)len) abort();
  return sr_bundle_load(file, b, err);
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
  refused(bad, n, "args section is damaged");
  memcpy(bad, buf, n);
  p = memmem(bad, n, "filter ", 7);
  p = memchr(p + 7, ' ', 16);
  p[1] = '9'; /* 96 bytes: past the end */
  refused(bad, n, "filter section is damaged");

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
