/* A minimal test harness: CHECK records a failure with file and line and carries on. */
#ifndef SR_CHECK_H
#define SR_CHECK_H

#include <stdio.h>
#include <string.h>

static int checks_failed, checks_run;

#define CHECK(cond)                                                           \
  do {                                                                        \
    checks_run++;                                                             \
    if (!(cond)) {                                                            \
      checks_failed++;                                                        \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                         \
  } while (0)

#define CHECK_STR(a, b) CHECK(strcmp((a), (b)) == 0)

static inline int checks_report(const char *name) {
  printf("%s: %d checks, %d failed\n", name, checks_run, checks_failed);
  return checks_failed == 0 ? 0 : 1;
}

#endif
