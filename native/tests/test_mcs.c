/* The SELinux category registry, which the launcher alone allocates from, reclaims and releases
 * (native/launcher/mcs.c). */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../launcher/mcs.h"
#include "check.h"

static int entries(const char *dir) {
  DIR *d = opendir(dir);
  if (d == NULL) return -1;
  int n = 0;
  for (struct dirent *e; (e = readdir(d)) != NULL;)
    if (e->d_name[0] != '.') n++;
  closedir(d);
  return n;
}

static bool exists(const char *dir, const char *name) {
  char p[PATH_MAX + 32];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  return access(p, F_OK) == 0;
}

static void put(const char *dir, const char *name, const char *text) {
  char p[PATH_MAX + 32];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd >= 0) {
    if (write(fd, text, strlen(text)) < 0) perror(p);
    close(fd);
  }
}

static void remove_all(const char *dir) {
  DIR *d = opendir(dir);
  if (d == NULL) return;
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    if (e->d_name[0] == '.') continue;
    unlinkat(dirfd(d), e->d_name, 0);
  }
  closedir(d);
}

static void categories(const struct sr_mcs *m, unsigned *a, unsigned *b) {
  *a = *b = 9999;
  CHECK(sscanf(m->pair, "c%u,c%u", a, b) == 2 && *a < *b && *b < 1024);
}

/* The pid of a process that has ended. */
static pid_t dead_pid(void) {
  pid_t p = fork();
  if (p == 0) _exit(0);
  waitpid(p, NULL, 0);
  return p;
}

int main(void) {
  char base[] = "/tmp/secure-run-test-mcs-XXXXXX";
  if (mkdtemp(base) == NULL) return 2;
  char registry[PATH_MAX];
  /* Its parent is missing too, as /run/secure-run is on a fresh host. */
  snprintf(registry, sizeof registry, "%s/run/mcs", base);
  struct sr_error err = {0};
  int me = (int)getpid();
  char mine[24];
  snprintf(mine, sizeof mine, "%d\n", me);

  /* 100 launches at once: 100 different pairs, each a file holding its owner. */
  static struct sr_mcs held[100];
  for (int i = 0; i < 100; i++) {
    CHECK(sr_mcs_allocate(registry, me, NULL, &held[i], &err) == 0);
    unsigned a, b;
    categories(&held[i], &a, &b);
    CHECK(held[i].shared == -1);
    for (int j = 0; j < i; j++) CHECK(strcmp(held[i].pair, held[j].pair) != 0);
  }
  char owner[16] = {0};
  int fd = open(held[0].file, O_RDONLY);
  CHECK(fd >= 0 && read(fd, owner, sizeof owner - 1) > 0);
  if (fd >= 0) close(fd);
  CHECK_STR(owner, mine);
  CHECK(entries(registry) == 100);
  for (int i = 0; i < 100; i++) sr_mcs_release(&held[i]);
  CHECK(entries(registry) == 0);

  /* A pair whose owner is gone is taken back; a live owner keeps its pair. */
  char dead[24];
  snprintf(dead, sizeof dead, "%d\n", (int)dead_pid());
  put(registry, "c1,c2", dead);
  put(registry, "c3,c4", mine);
  put(registry, "c5,c6", "not a pid\n");
  put(registry, "stray", "left alone\n");
  CHECK(sr_mcs_reclaim(registry, &err) == 2);
  CHECK(!exists(registry, "c1,c2") && !exists(registry, "c5,c6"));
  CHECK(exists(registry, "c3,c4") && exists(registry, "stray"));
  /* Allocating takes back stale pairs first. */
  put(registry, "c7,c8", "999999999\n");
  struct sr_mcs m;
  CHECK(sr_mcs_allocate(registry, me, NULL, &m, &err) == 0);
  CHECK(!exists(registry, "c7,c8"));
  sr_mcs_release(&m);
  /* A category reserved for a group that no pair holds any more is taken back too. */
  put(registry, "c9", "gone-app\n");
  put(registry, "c10", "live-app\n");
  put(registry, "c10,c11", mine);
  CHECK(sr_mcs_reclaim(registry, &err) == 1);
  CHECK(!exists(registry, "c9") && exists(registry, "c10"));
  remove_all(registry);

  /* The instances of one app share one category, reserved for them; each has a pair of its own;
   * the category goes when the last of them does. */
  static struct sr_mcs inst[5];
  for (int i = 0; i < 5; i++) {
    CHECK(sr_mcs_allocate(registry, me, "app-1", &inst[i], &err) == 0);
    unsigned a, b;
    categories(&inst[i], &a, &b);
    CHECK(inst[i].shared >= 0 && inst[i].shared == inst[0].shared);
    CHECK((int)a == inst[i].shared || (int)b == inst[i].shared);
    for (int j = 0; j < i; j++) CHECK(strcmp(inst[i].pair, inst[j].pair) != 0);
  }
  char reservation[16];
  snprintf(reservation, sizeof reservation, "c%d", inst[0].shared);
  CHECK(exists(registry, reservation));
  /* Another app's instances get another category. */
  struct sr_mcs other;
  CHECK(sr_mcs_allocate(registry, me, "app-2", &other, &err) == 0);
  CHECK(other.shared >= 0 && other.shared != inst[0].shared);
  unsigned oa, ob;
  categories(&other, &oa, &ob);
  CHECK((int)oa != inst[0].shared && (int)ob != inst[0].shared);
  sr_mcs_release(&other);
  for (int i = 0; i < 4; i++) sr_mcs_release(&inst[i]);
  CHECK(exists(registry, reservation)); /* instance 4 still holds it */
  sr_mcs_release(&inst[4]);
  CHECK(entries(registry) == 0);

  /* The labels: the process gets the pair; the files the pair, or a group's category alone. */
  char process[320], file[320];
  struct sr_mcs l = {.pair = "c1,c2", .shared = -1};
  CHECK(sr_mcs_labels(&l, "system_u:system_r:container_t:s0", "system_u:object_r:container_file_t:s0",
                      process, sizeof process, file, sizeof file, &err) == 0);
  CHECK_STR(process, "system_u:system_r:container_t:s0:c1,c2");
  CHECK_STR(file, "system_u:object_r:container_file_t:s0:c1,c2");
  l.shared = 1;
  CHECK(sr_mcs_labels(&l, "system_u:system_r:container_t:s0", "system_u:object_r:container_file_t:s0",
                      process, sizeof process, file, sizeof file, &err) == 0);
  CHECK_STR(file, "system_u:object_r:container_file_t:s0:c1");

  /* Categories that an app's instances reserved ("cN" files, held by a live pair) are in no
   * other pair. */
  for (unsigned c = 0; c < 512; c++) {
    char name[32];
    snprintf(name, sizeof name, "c%u", c);
    put(registry, name, "busy-app\n");
    snprintf(name, sizeof name, "c%u,c1023", c);
    put(registry, name, mine);
  }
  for (int i = 0; i < 20; i++) {
    CHECK(sr_mcs_allocate(registry, me, NULL, &m, &err) == 0);
    unsigned a, b;
    categories(&m, &a, &b);
    CHECK(a >= 512 && b >= 512);
    sr_mcs_release(&m);
  }
  CHECK(entries(registry) == 1024);
  remove_all(registry);

  /* A category in another app's pair is not reserved for an app's instances. */
  for (unsigned c = 0; c < 512; c += 2) {
    char name[32];
    snprintf(name, sizeof name, "c%u,c%u", c, c + 1);
    put(registry, name, mine);
  }
  for (int i = 0; i < 40; i++) {
    char group[16];
    snprintf(group, sizeof group, "g%d", i);
    CHECK(sr_mcs_allocate(registry, me, group, &m, &err) == 0);
    CHECK(m.shared >= 512);
    sr_mcs_release(&m);
  }
  CHECK(entries(registry) == 256);
  remove_all(registry);

  /* Group names: what a registry file may hold. */
  CHECK(sr_mcs_group_valid("app.1_x-Y"));
  CHECK(!sr_mcs_group_valid(""));
  CHECK(!sr_mcs_group_valid("a/b"));
  CHECK(!sr_mcs_group_valid("a\nb"));

  /* A registry that cannot be made: an error naming it. */
  memset(&err, 0, sizeof err);
  CHECK(sr_mcs_allocate("/proc/no/such/registry", 1, NULL, &m, &err) == -1);
  CHECK(strstr(err.msg, "/proc/no/such/registry") != NULL);

  rmdir(registry);
  *strrchr(registry, '/') = '\0';
  rmdir(registry);
  rmdir(base);
  return checks_report("test_mcs");
}
