/* SELinux MCS categories, the launcher's alone: two per running launch, never the same two for two
 * launches on a host, whichever way they were started (secure-run run, or a compiled bundle with
 * no Node at all). The registry is a directory (/run/secure-run/mcs by default), every change to
 * it made under an exclusive lock on it:
 *
 *   "c12,c345"  a pair, holding its owner's pid; taken back when that process is gone.
 *   "c17"       a category reserved for the instances of one app (--selinux-mcs-shared GROUP),
 *               holding GROUP; no other pair may contain it. Taken back when no pair holds it.
 *
 * The instances of one app share its rootfs and volumes. Each has a pair of its own made of the
 * group's category and one of its own: the shared files are labelled with the group's category
 * alone, which every instance's pair dominates and no other app's does; what an instance creates
 * carries its whole pair, which no other instance dominates. */
#ifndef SR_MCS_H
#define SR_MCS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "../common/sr_error.h"

#define SR_MCS_CATEGORIES 1024
#define SR_MCS_GROUP_MAX 64

struct sr_mcs {
  char registry[PATH_MAX];
  char pair[32];       /* "c12,c345" */
  char file[PATH_MAX]; /* the pair's registry entry, removed by sr_mcs_release; "" when none */
  int shared;          /* the group's category, -1 when not one of a group's instances */
};

/* Whether s names a group: 1 to 64 of [A-Za-z0-9._-]. */
bool sr_mcs_group_valid(const char *s);

/* Takes back, under the lock, the pairs whose owner is gone and the reservations no pair holds
 * any more; returns how many entries it removed, -1 with err when the registry is unusable. */
int sr_mcs_reclaim(const char *registry, struct sr_error *err);

/* Allocates a pair for `owner` in `registry` (created if missing, mode 0700), first taking back
 * stale entries. With `group` (NULL: none), the pair holds the group's category, reserved now
 * if the group has none yet. */
int sr_mcs_allocate(const char *registry, int owner, const char *group, struct sr_mcs *out,
                    struct sr_error *err);

/* Gives the pair back (and the group's category, when no other instance holds it); for
 * __attribute__((cleanup)) too. */
void sr_mcs_release(struct sr_mcs *m);

/* "BASE:PAIR" for the process; for the files "BASE:cN" (a group's category) or "BASE:PAIR". */
int sr_mcs_labels(const struct sr_mcs *m, const char *process_base, const char *file_base,
                  char *process, size_t process_size, char *file, size_t file_size,
                  struct sr_error *err);

#endif
