/* The launcher's share of the SELinux category registry (src/launch/mcs.ts has the other). */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static void remove_all(const char *dir) {
  DIR *d = opendir(dir);
  if (d == NULL) return;
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    if (e->d_name[0] == '.') continue;
    unlinkat(dirfd(d), e->d_name, 0);
  }
  closedir(d);
}

int main(void) {
  char base[] = "/tmp/secure-run-test-mcs-XXXXXX";
  if (mkdtemp(base) == NULL) return 2;
  char registry[PATH_MAX];
  snprintf(registry, sizeof registry, "%s/mcs", base);
  struct sr_error err = {0};

  /* 100 launches at once: 100 different pairs, each a file holding its owner. */
  static struct sr_mcs held[100];
  for (int i = 0; i < 100; i++) {
    CHECK(sr_mcs_allocate(registry, 4242, &held[i], &err) == 0);
    unsigned a = 0, b = 0;
    CHECK(sscanf(held[i].pair, "c%u,c%u", &a, &b) == 2 && a < b && b < 1024);
    for (int j = 0; j < i; j++) CHECK(strcmp(held[i].pair, held[j].pair) != 0);
  }
  char owner[16] = {0};
  int fd = open(held[0].file, O_RDONLY);
  CHECK(fd >= 0 && read(fd, owner, sizeof owner - 1) > 0);
  if (fd >= 0) close(fd);
  CHECK_STR(owner, "4242\n");
  CHECK(entries(registry) == 100);
  for (int i = 0; i < 100; i++) sr_mcs_release(&held[i]);
  CHECK(entries(registry) == 0);

  /* Categories that an app's instances reserved ("cN" files) are in no other pair. */
  for (unsigned c = 0; c < 512; c++) {
    char p[PATH_MAX + 16];
    snprintf(p, sizeof p, "%s/c%u", registry, c);
    int r = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (r >= 0) close(r);
  }
  for (int i = 0; i < 20; i++) {
    struct sr_mcs m;
    CHECK(sr_mcs_allocate(registry, 4242, &m, &err) == 0);
    unsigned a = 0, b = 0;
    CHECK(sscanf(m.pair, "c%u,c%u", &a, &b) == 2 && a >= 512 && b >= 512);
    sr_mcs_release(&m);
  }
  remove_all(registry);

  /* A registry that cannot be made: an error naming it. */
  struct sr_mcs m;
  memset(&err, 0, sizeof err);
  CHECK(sr_mcs_allocate("/proc/no/such/registry", 1, &m, &err) == -1);
  CHECK(strstr(err.msg, "/proc/no/such/registry") != NULL);

  rmdir(registry);
  rmdir(base);
  return checks_report("test_mcs");
}
