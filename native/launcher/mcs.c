#define _GNU_SOURCE
#include "mcs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define SR_MCS_ATTEMPTS 1000

bool sr_mcs_group_valid(const char *s) {
  size_t n = 0;
  for (; s[n]; n++) {
    char c = s[n];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
          c == '_' || c == '-'))
      return false;
  }
  return n >= 1 && n <= SR_MCS_GROUP_MAX;
}

/* Creates dir and the directories above it that are missing (mode 0700, as secure-run did). */
static int make_dirs(const char *dir) {
  char path[PATH_MAX];
  int n = snprintf(path, sizeof path, "%s", dir);
  if (n < 0 || (size_t)n >= sizeof path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  for (char *p = path + 1;; p++) {
    if (*p != '/' && *p != '\0') continue;
    char end = *p;
    *p = '\0';
    if (mkdir(path, 0700) < 0 && errno != EEXIST) return -1;
    *p = end;
    if (end == '\0') return 0;
  }
}

/* The registry, created if missing, opened and locked: closing the descriptor unlocks it. */
static int lock_registry(const char *registry, struct sr_error *err) {
  if (make_dirs(registry) < 0)
    return sr_fail(err, errno, "create the SELinux category registry `%s`", registry);
  sr_autoclose int dir = open(registry, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return sr_fail(err, errno, "open the SELinux category registry `%s`", registry);
  while (flock(dir, LOCK_EX) < 0)
    if (errno != EINTR) return sr_fail(err, errno, "lock the SELinux category registry `%s`", registry);
  return sr_steal_fd(dir);
}

/* An entry's name: a pair "cA,cB" (a < b) or a reservation "cN"; false for anything else. */
static bool parse_entry(const char *name, int *a, int *b) {
  char rest;
  unsigned x, y;
  if (sscanf(name, "c%u,c%u%c", &x, &y, &rest) == 2 && x < y && y < SR_MCS_CATEGORIES) {
    *a = (int)x;
    *b = (int)y;
    return true;
  }
  if (sscanf(name, "c%u%c", &x, &rest) == 1 && x < SR_MCS_CATEGORIES) {
    *a = (int)x;
    *b = -1;
    return true;
  }
  return false;
}

/* The first line of an entry ("" when unreadable). */
static void read_entry(int dir, const char *name, char *buf, size_t size) {
  buf[0] = '\0';
  sr_autoclose int fd = openat(dir, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return;
  ssize_t n = read(fd, buf, size - 1);
  buf[n > 0 ? n : 0] = '\0';
  buf[strcspn(buf, "\n")] = '\0';
}

static bool owner_alive(const char *text) {
  char *end = NULL;
  long pid = strtol(text, &end, 10);
  if (end == text || *end != '\0' || pid <= 0 || pid > INT32_MAX) return false;
  return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

/* What the registry holds: which categories are reserved (with the reserving group) and which
 * are in a pair. */
struct registry_view {
  bool reserved[SR_MCS_CATEGORIES];
  bool in_pair[SR_MCS_CATEGORIES];
  int group_category; /* the asked-for group's reservation, -1 when none */
};

/* Removes stale entries (with `reclaim`) and describes what is left. dir is locked. */
static int scan(int dir, const char *group, bool reclaim, struct registry_view *v, struct sr_error *err) {
  memset(v, 0, sizeof *v);
  v->group_category = -1;
  int removed = 0;
  /* Pairs first: a reservation is stale once no pair is left that holds it. */
  for (int pass = 0; pass < 2; pass++) {
    int fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return sr_fail(err, errno, "list the SELinux category registry");
    sr_autoclosedir DIR *d = fdopendir(fd);
    if (d == NULL) {
      close(fd);
      return sr_fail(err, errno, "list the SELinux category registry");
    }
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
      int a, b;
      if (!parse_entry(e->d_name, &a, &b) || (b >= 0) != (pass == 0)) continue;
      char text[SR_MCS_GROUP_MAX + 8];
      read_entry(dir, e->d_name, text, sizeof text);
      bool stale = pass == 0 ? !owner_alive(text) : !v->in_pair[a];
      if (reclaim && stale && unlinkat(dir, e->d_name, 0) == 0) {
        removed++;
        continue;
      }
      if (pass == 0) {
        v->in_pair[a] = v->in_pair[b] = true;
      } else {
        v->reserved[a] = true;
        if (group && strcmp(text, group) == 0) v->group_category = a;
      }
    }
  }
  return removed;
}

int sr_mcs_reclaim(const char *registry, struct sr_error *err) {
  sr_autoclose int dir = lock_registry(registry, err);
  if (dir < 0) return -1;
  struct registry_view v;
  return scan(dir, NULL, true, &v, err);
}

static int random_category(struct sr_error *err) {
  unsigned r;
  if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
    return sr_fail(err, errno, "getrandom for SELinux categories");
  return (int)(r % SR_MCS_CATEGORIES);
}

/* Creates entry `name` in dir holding `text`; 0, 1 when it exists, -1 with err. */
static int create_entry(int dir, const char *name, const char *text, struct sr_error *err) {
  sr_autoclose int fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0 && errno == EEXIST) return 1;
  if (fd < 0) return sr_fail(err, errno, "create the SELinux category entry `%s`", name);
  if (sr_write_all(fd, text, strlen(text)) < 0) {
    int e = errno;
    unlinkat(dir, name, 0);
    return sr_fail(err, e, "write the SELinux category entry `%s`", name);
  }
  return 0;
}

/* A category no pair holds and nobody reserved, reserved now for `group`. */
static int reserve(int dir, const char *group, struct registry_view *v, struct sr_error *err) {
  char text[SR_MCS_GROUP_MAX + 2];
  snprintf(text, sizeof text, "%s\n", group);
  for (int attempt = 0; attempt < SR_MCS_ATTEMPTS; attempt++) {
    int c = random_category(err);
    if (c < 0) return -1;
    if (v->reserved[c] || v->in_pair[c]) continue;
    char name[16];
    snprintf(name, sizeof name, "c%d", c);
    int rc = create_entry(dir, name, text, err);
    if (rc < 0) return -1;
    if (rc > 0) continue;
    v->reserved[c] = true;
    return c;
  }
  return sr_fail(err, EAGAIN, "no free SELinux category for the app's instances");
}

int sr_mcs_allocate(const char *registry, int owner, const char *group, struct sr_mcs *out,
                    struct sr_error *err) {
  memset(out, 0, sizeof *out);
  out->shared = -1;
  int n = snprintf(out->registry, sizeof out->registry, "%s", registry);
  if (n < 0 || (size_t)n >= sizeof out->registry - 16)
    return sr_fail(err, ENAMETOOLONG, "SELinux category registry `%s`", registry);
  sr_autoclose int dir = lock_registry(registry, err);
  if (dir < 0) return -1;
  struct registry_view v;
  if (scan(dir, group, true, &v, err) < 0) return -1;
  if (group) {
    out->shared = v.group_category >= 0 ? v.group_category : reserve(dir, group, &v, err);
    if (out->shared < 0) return -1;
  }
  char text[24];
  snprintf(text, sizeof text, "%d\n", owner);
  int rc = 1;
  for (int attempt = 0; attempt < SR_MCS_ATTEMPTS && rc > 0; attempt++) {
    int a = group ? out->shared : random_category(err), b = random_category(err);
    if (a < 0 || b < 0) {
      rc = -1;
      break;
    }
    /* Another group's category is in no pair but that group's instances'. */
    if (a == b || (!group && v.reserved[a]) || v.reserved[b]) continue;
    snprintf(out->pair, sizeof out->pair, "c%d,c%d", a < b ? a : b, a < b ? b : a);
    rc = create_entry(dir, out->pair, text, err);
  }
  if (rc == 0) {
    snprintf(out->file, sizeof out->file, "%s/%s", registry, out->pair);
    return 0;
  }
  if (rc > 0) sr_fail(err, EAGAIN, "no free pair of SELinux categories in `%s`", registry);
  /* Nothing held: a reservation made for this launch alone goes too. */
  struct registry_view after;
  struct sr_error ignored = {0};
  (void)scan(dir, NULL, true, &after, &ignored);
  out->pair[0] = '\0';
  return -1;
}

void sr_mcs_release(struct sr_mcs *m) {
  if (m->file[0] == '\0') return;
  struct sr_error ignored = {0};
  sr_autoclose int dir = lock_registry(m->registry, &ignored);
  unlink(m->file);
  m->file[0] = '\0';
  if (dir >= 0 && m->shared >= 0) {
    /* The group's category stays while another instance holds it. */
    struct registry_view v;
    (void)scan(dir, NULL, false, &v, &ignored);
    if (!v.in_pair[m->shared]) {
      char name[16];
      snprintf(name, sizeof name, "c%d", m->shared);
      unlinkat(dir, name, 0);
    }
  }
}

int sr_mcs_labels(const struct sr_mcs *m, const char *process_base, const char *file_base,
                  char *process, size_t process_size, char *file, size_t file_size,
                  struct sr_error *err) {
  char files[16];
  if (m->shared >= 0) snprintf(files, sizeof files, "c%d", m->shared);
  int p = snprintf(process, process_size, "%s:%s", process_base, m->pair);
  int f = snprintf(file, file_size, "%s:%s", file_base, m->shared >= 0 ? files : m->pair);
  if (p < 0 || (size_t)p >= process_size || f < 0 || (size_t)f >= file_size)
    return sr_fail(err, ENAMETOOLONG, "SELinux labels with categories %s", m->pair);
  return 0;
}
