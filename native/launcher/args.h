#ifndef SR_ARGS_H
#define SR_ARGS_H

#include "../common/sr_error.h"
#include "config.h"

/* Parses the launcher's command line into cfg. Storage for arrays is allocated; release it
 * with sr_args_free. Returns -1 with err filled on any invalid option. */
int sr_args_parse(int argc, char **argv, struct sr_config *cfg, struct sr_error *err);
void sr_args_free(struct sr_config *cfg);

extern const char sr_usage[];

#endif
