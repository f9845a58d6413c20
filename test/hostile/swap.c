/* A hostile host process: swaps two paths (renameat2 RENAME_EXCHANGE) as fast as it can, until it
 * is killed or SECONDS have passed, so that a launcher opening one of them by path races it.
 *   swap A B SECONDS */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: swap A B SECONDS\n");
    return 2;
  }
  time_t end = time(NULL) + atoi(argv[3]);
  for (unsigned long n = 0;; n++) {
    if (renameat2(AT_FDCWD, argv[1], AT_FDCWD, argv[2], RENAME_EXCHANGE) < 0) {
      perror("renameat2");
      return 1;
    }
    if (n % 1024 == 0 && time(NULL) >= end) return 0;
  }
}
