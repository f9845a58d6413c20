/* --relabel: which paths are refused (before anything is written), and the walk by file
 * descriptor: a symbolic link inside is not followed out of the tree, a mount inside is left
 * alone. The walk sets user.* attributes on tmpfs: SELinux is not needed to test it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "../launcher/relabel.h"
#include "check.h"

#define ATTR "user.secure-run-test"

static const char *const homes[] = {"/home/alice", "/srv/users/bob", NULL};

static void refused(const char *path, const char *expect) {
  struct sr_error err = {0};
  CHECK(sr_relabel_allowed_canonical(path, homes, &err) == -1);
  if (strstr(err.msg, expect) == NULL) {
    fprintf(stderr, "  %s: \"%s\" does not mention \"%s\"\n", path, err.msg, expect);
    CHECK(0);
  }
}

static void allowed(const char *path) {
  struct sr_error err = {0};
  if (sr_relabel_allowed_canonical(path, homes, &err) != 0) {
    fprintf(stderr, "  %s refused: %s\n", path, err.msg);
    CHECK(0);
  }
}

static bool labelled(const char *path) {
  char v[16];
  ssize_t n = lgetxattr(path, ATTR, v, sizeof v);
  return n == 2 && strcmp(v, "v") == 0;
}

static void put(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) abort();
}

int main(void) {
  const char *trees[] = {"/etc", "/etc/ssl", "/usr", "/usr/share/doc", "/bin", "/sbin", "/lib",
                         "/lib64/x", "/boot", "/dev", "/dev/shm", "/proc", "/proc/1", "/sys/fs"};
  for (size_t i = 0; i < sizeof trees / sizeof trees[0]; i++) refused(trees[i], "host's system");
  const char *dirs[] = {"/", "/var", "/var/lib", "/var/log", "/home", "/root", "/run", "/tmp",
                        "/opt", "/srv", "/mnt", "/media"};
  for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) refused(dirs[i], "system directory");
  refused("/home/alice", "home directory");
  refused("/srv/users/bob", "home directory");
  const char *fine[] = {"/home/alice/project", "/srv/app", "/var/lib/app/data", "/tmp/vol",
                        "/etcetera", "/usr2/x", "/opt/app", "/run/app"};
  for (size_t i = 0; i < sizeof fine / sizeof fine[0]; i++) allowed(fine[i]);

  /* Resolved before the check: a link to /etc, a path through .., the password database's
   * homes (root's is /root). */
  char base[] = "/dev/shm/secure-run-test-relabel-XXXXXX";
  if (mkdtemp(base) == NULL) return 2;
  char link[256], dots[256], vol[256], out[256], p[512];
  snprintf(link, sizeof link, "%s/etc-link", base);
  if (symlink("/etc", link) < 0) return 2;
  struct sr_error err = {0};
  CHECK(sr_relabel_allowed(link, &err) == -1 && strstr(err.msg, "`/etc`") != NULL);
  snprintf(dots, sizeof dots, "%s/../../../etc", base);
  CHECK(sr_relabel_allowed(dots, &err) == -1 && strstr(err.msg, "`/etc`") != NULL);
  CHECK(sr_relabel(link, "system_u:object_r:container_file_t:s0", &err) == -1 &&
        strstr(err.msg, "never relabelled") != NULL);

  /* The walk: vol/{a, sub/b, out-file -> ../out/f, out-dir -> ../out}. */
  snprintf(vol, sizeof vol, "%s/vol", base);
  snprintf(out, sizeof out, "%s/out", base);
  if (mkdir(vol, 0700) < 0 || mkdir(out, 0700) < 0) return 2;
  snprintf(p, sizeof p, "%s/f", out);
  put(p, "outside\n");
  snprintf(p, sizeof p, "%s/a", vol);
  put(p, "a\n");
  snprintf(p, sizeof p, "%s/sub", vol);
  if (mkdir(p, 0700) < 0) return 2;
  snprintf(p, sizeof p, "%s/sub/b", vol);
  put(p, "b\n");
  snprintf(p, sizeof p, "%s/out-file", vol);
  if (symlink("../out/f", p) < 0) return 2;
  snprintf(p, sizeof p, "%s/out-dir", vol);
  if (symlink("../out", p) < 0) return 2;
  snprintf(p, sizeof p, "%s/mnt", vol);
  if (mkdir(p, 0700) < 0) return 2;
  snprintf(p, sizeof p, "%s/bind", vol);
  if (mkdir(p, 0700) < 0) return 2;

  /* In a child with a mount namespace of its own: a tmpfs and a bind mount of out inside vol. */
  pid_t pid = fork();
  if (pid == 0) {
    char m[512];
    snprintf(m, sizeof m, "%s/mnt", vol);
    bool mounts = unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
                  mount("tmpfs", m, "tmpfs", 0, "size=64k") == 0;
    snprintf(m, sizeof m, "%s/mnt/c", vol);
    if (mounts) put(m, "c\n");
    snprintf(m, sizeof m, "%s/bind", vol);
    if (mounts && mount(out, m, NULL, MS_BIND, NULL) < 0) mounts = false;
    struct sr_error e = {0};
    int rc = sr_relabel_tree(vol, ATTR, "v", &e);
    if (rc < 0) fprintf(stderr, "  walk: %s (%d)\n", e.msg, e.code);
    snprintf(m, sizeof m, "%s/mnt/c", vol);
    bool inner_mount_left = !mounts || !labelled(m);
    snprintf(m, sizeof m, "%s/mnt", vol);
    bool mnt_left = !mounts || !labelled(m);
    _exit(rc == 0 && inner_mount_left && mnt_left ? 0 : 1);
  }
  int status;
  CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CHECK(labelled(vol));
  snprintf(p, sizeof p, "%s/a", vol);
  CHECK(labelled(p));
  snprintf(p, sizeof p, "%s/sub", vol);
  CHECK(labelled(p));
  snprintf(p, sizeof p, "%s/sub/b", vol);
  CHECK(labelled(p));
  /* Nothing outside: not through the links, not through the bind mount. */
  CHECK(!labelled(out));
  snprintf(p, sizeof p, "%s/f", out);
  CHECK(!labelled(p));
  CHECK(!labelled(base));
  /* A single file, and a volume given through a link is not walked through it. */
  snprintf(p, sizeof p, "%s/f", out);
  CHECK(sr_relabel_tree(p, ATTR, "v", &err) == 0 && labelled(p));
  snprintf(p, sizeof p, "%s/out-dir", vol);
  CHECK(sr_relabel_tree(p, ATTR, "v", &err) == -1 && err.code == ELOOP);

  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
  if (system(cmd) != 0) CHECK(0);
  return checks_report("test_relabel");
}
