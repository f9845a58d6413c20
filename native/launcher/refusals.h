/* Refused syscalls: every call the plan refuses (with an errno) reaches the supervisor by seccomp
 * user notification, which answers it with the plan's errno (explain.c) and counts it here, by
 * syscall and program. At the app's end a summary names each refused call, how often, by which
 * program, and the change that allows it: the fix table, computed by secure-run when it planned
 * the launch (src/plan/fixes.ts) and given in a bundle's `fixes` section or on
 * --refusal-fixes-fd. The C code only looks fixes up; it decides none. */
#ifndef SR_REFUSALS_H
#define SR_REFUSALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../common/sr_error.h"

#define SR_REFUSALS_MAX 64   /* distinct (syscall, program) pairs counted; more go to `other` */
#define SR_SYSCALL_NAME_MAX 40
#define SR_FIXES_MAX 1024    /* entries of a fix table */
#define SR_FIX_TEXT_MAX 200  /* bytes of one fix, its NUL included */
#define SR_FIXES_MAX_BYTES (SR_FIXES_MAX * (SR_SYSCALL_NAME_MAX + SR_FIX_TEXT_MAX))
#define SR_SUMMARY_LINES 12  /* (syscall, program) lines in a summary; the rest are counted */

struct sr_refusal {
  int nr;
  char name[SR_SYSCALL_NAME_MAX]; /* "" when libseccomp has no name for nr */
  char comm[16];                  /* the program (/proc/PID/comm), "?" when it was gone */
  int err_no;                     /* the answer */
  uint64_t count;
};

struct sr_refusals {
  bool counting; /* refusals reached the supervisor in this launch (else nothing is known) */
  struct sr_refusal e[SR_REFUSALS_MAX];
  size_t n;
  uint64_t total; /* every refusal counted, `other` included */
  uint64_t other; /* refusals of pairs beyond SR_REFUSALS_MAX */
};

/* A fix table: `count` pairs of NUL-terminated strings (syscall name, fix), names strictly
 * ascending (so each once). Two names are not syscalls: `*`, the fallback fix, in which `{}`
 * stands for the syscall, and `+`, a closing line of advice (e.g. secure-run trace). */
struct sr_fixes {
  char *data; /* owned: the pairs */
  const char **names, **texts;
  size_t n;
};

/* When the summary is printed: when the app fails (AUTO: a non-zero status), ALWAYS (on request,
 * also "no syscall was refused"), or never (OFF, --quiet). */
enum sr_summary_mode { SR_SUMMARY_AUTO, SR_SUMMARY_ALWAYS, SR_SUMMARY_OFF };

/* Counts one refusal of syscall nr (name resolved by the caller, NULL: none) by `comm`. */
void sr_refusals_add(struct sr_refusals *r, int nr, const char *name, const char *comm, int err_no);

/* Checks and copies a fix table of `bytes` bytes at buf holding `count` pairs (count: SIZE_MAX
 * when the caller does not know it: whole pairs are then required). `what` names it in
 * messages. Hostile input: every byte is checked. */
int sr_fixes_parse(const char *buf, size_t bytes, size_t count, const char *what,
                   struct sr_fixes *out, struct sr_error *err);

/* Reads a fix table from fd to its end (then closes fd) and parses it. */
int sr_fixes_read(int fd, struct sr_fixes *out, struct sr_error *err);

/* The fix for a syscall name, `{}` not yet replaced; NULL when the table has neither the name
 * nor a fallback. */
const char *sr_fixes_lookup(const struct sr_fixes *f, const char *name);

void sr_fixes_free(struct sr_fixes *f);

/* Whether a summary is due: mode, the app's exit code (-1: the launch failed), refusals seen. */
bool sr_refusals_due(const struct sr_refusals *r, enum sr_summary_mode mode, int exit_code);

/* The summary as lines of text, each "secure-run: …\n", into a malloc'd buffer (*out, *len).
 * `app`: the app's name. -1 with err when out of memory. */
int sr_refusals_format(const struct sr_refusals *r, const struct sr_fixes *f, const char *app,
                       char **out, size_t *len, struct sr_error *err);

/* The counts as a JSON object: {"total":N,"other":N,"calls":[{syscall,nr,program,count,errno,
 * fix}…]}. */
void sr_refusals_json(FILE *out, const struct sr_refusals *r, const struct sr_fixes *f);

#endif
