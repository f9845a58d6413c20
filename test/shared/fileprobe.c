/* A static test program for the SELinux checks: it runs the operations given as arguments, in
 * order, and prints one line for each, so a test sees what the sandbox allowed.
 *   label                 "label CONTEXT": the process's own SELinux context
 *   read PATH             "read PATH ok TEXT" or "read PATH errno N (NAME)"
 *   write PATH TEXT       "write PATH ok" or "write PATH errno N (NAME)"
 *   waitfor PATH          waits (up to 10 minutes) until PATH can be opened: "waitfor PATH ok"
 *   mount TARGET          "mount TARGET FSTYPE SUPER-OPTIONS" from /proc/self/mountinfo
 *   sleep MS              sleeps MS milliseconds (prints nothing)
 * Exits 0 when every operation worked, else 1. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int failed;

static void fail(const char *op, const char *path) {
  printf("%s %s errno %d (%s)\n", op, path, errno, strerrorname_np(errno));
  failed = 1;
}

static ssize_t slurp(const char *path, char *buf, size_t size) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t n = 0;
  for (ssize_t r; n + 1 < size && (r = read(fd, buf + n, size - 1 - n)) != 0; n += (size_t)r) {
    if (r < 0) {
      int e = errno;
      close(fd);
      errno = e;
      return -1;
    }
  }
  close(fd);
  buf[n] = '\0';
  return (ssize_t)n;
}

static void mount_of(const char *target) {
  static char text[1 << 16];
  if (slurp("/proc/self/mountinfo", text, sizeof text) < 0) return fail("mount", target);
  const char *found = NULL;
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    char point[4096];
    if (sscanf(line, "%*s %*s %*s %*s %4095s", point) == 1 && strcmp(point, target) == 0)
      found = line; /* the last one is the one on top */
  }
  const char *sep = found ? strstr(found, " - ") : NULL;
  if (sep == NULL) {
    printf("mount %s none\n", target);
    failed = 1;
    return;
  }
  char fstype[64], source[4096], options[4096];
  if (sscanf(sep + 3, "%63s %4095s %4095s", fstype, source, options) != 3) options[0] = '\0';
  printf("mount %s %s %s\n", target, fstype, options);
}

int main(int argc, char **argv) {
  static char buf[4096];
  setvbuf(stdout, NULL, _IONBF, 0);
  for (int i = 1; i < argc; i++) {
    const char *op = argv[i];
    if (strcmp(op, "label") == 0) {
      if (slurp("/proc/self/attr/current", buf, sizeof buf) < 0) fail("label", "-");
      else printf("label %s\n", buf);
    } else if (strcmp(op, "read") == 0 && i + 1 < argc) {
      const char *path = argv[++i];
      if (slurp(path, buf, sizeof buf) < 0) fail("read", path);
      else printf("read %s ok %s\n", path, buf);
    } else if (strcmp(op, "write") == 0 && i + 2 < argc) {
      const char *path = argv[++i], *text = argv[++i];
      int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) fail("write", path);
      else printf("write %s ok\n", path);
      if (fd >= 0) close(fd);
    } else if (strcmp(op, "waitfor") == 0 && i + 1 < argc) {
      const char *path = argv[++i];
      int fd = -1;
      for (int tries = 0; tries < 6000 && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0; tries++)
        nanosleep(&(struct timespec){.tv_nsec = 100000000}, NULL);
      if (fd < 0) fail("waitfor", path);
      else {
        close(fd);
        printf("waitfor %s ok\n", path);
      }
    } else if (strcmp(op, "mount") == 0 && i + 1 < argc) {
      mount_of(argv[++i]);
    } else if (strcmp(op, "sleep") == 0 && i + 1 < argc) {
      long ms = atol(argv[++i]);
      nanosleep(&(struct timespec){.tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000}, NULL);
    } else {
      printf("unknown operation %s\n", op);
      return 64;
    }
  }
  return failed;
}
