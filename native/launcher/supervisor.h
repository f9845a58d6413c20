#ifndef SR_SUPERVISOR_H
#define SR_SUPERVISOR_H

#include "config.h"
#include "loop.h"
#include "report.h"

/* Runs one launch from start to end, in this order: the filters, the SELinux categories and
 * relabelling, the rootfs sources, the cgroup, init in its namespaces, waiting, cleanup. With
 * `in` (--instance), one run of the instance: its output to the log, its state recorded. */
void sr_supervise(struct sr_config *cfg, struct sr_report *rep, struct sr_instance *in);

#endif
