/* The launch report: filled as the launch goes, written once at its end. */
#define _GNU_SOURCE
#include "report.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

void sr_report_start(struct sr_report *rep) {
  memset(rep, 0, sizeof *rep);
  rep->status = "running";
  rep->stats.memory_peak = -1;
}

bool sr_report_failed(const struct sr_report *rep) { return strcmp(rep->status, "failed") == 0; }

int sr_report_refusals_text(const struct sr_report *rep, const struct sr_fixes *fixes, int mode,
                            const char *app, char **text, size_t *len, struct sr_error *err) {
  if (!rep->refused.counting) return 0;
  if (sr_report_failed(rep) && rep->refused.total == 0) return 0;
  if (!sr_refusals_due(&rep->refused, (enum sr_summary_mode)mode, rep->exit_code)) return 0;
  if (sr_refusals_format(&rep->refused, fixes, app, text, len, err) < 0) return -1;
  return 1;
}

void sr_report_fail(struct sr_report *rep, const char *step, const struct sr_error *e, int exit_code) {
  if (sr_report_failed(rep)) return; /* the first failure is the cause */
  rep->status = "failed";
  rep->exit_code = exit_code;
  snprintf(rep->step, sizeof rep->step, "%s", step);
  rep->error = *e;
}

void sr_report_outcome(struct sr_report *rep, int app_status, int init_status) {
  if (sr_report_failed(rep)) return;
  if (app_status < 0) {
    /* init ended without a word: killed (the OOM killer, or SIGKILL from outside). */
    app_status = init_status;
  }
  if (WIFEXITED(app_status)) {
    rep->status = "exited";
    rep->app_exit = WEXITSTATUS(app_status);
    rep->exit_code = rep->app_exit;
  } else if (WIFSIGNALED(app_status)) {
    rep->status = "signaled";
    rep->app_signal = WTERMSIG(app_status);
    rep->exit_code = 128 + rep->app_signal;
  }
}

void sr_json_string(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      fprintf(f, "\\%c", *p);
    else if (*p < 0x20)
      fprintf(f, "\\u%04x", *p);
    else
      fputc(*p, f);
  }
  fputc('"', f);
}

void sr_report_write(int fd, const struct sr_report *rep) {
  sr_autofree char *buf = NULL;
  size_t size = 0;
  FILE *f = open_memstream(&buf, &size);
  if (f == NULL) return;
  fprintf(f, "{\"status\":\"%s\",\"exitCode\":%d", rep->status, rep->exit_code);
  if (strcmp(rep->status, "exited") == 0) fprintf(f, ",\"appExitCode\":%d", rep->app_exit);
  if (strcmp(rep->status, "signaled") == 0) fprintf(f, ",\"signal\":%d", rep->app_signal);
  if (sr_report_failed(rep)) {
    fprintf(f, ",\"error\":{\"step\":");
    sr_json_string(f, rep->step);
    fprintf(f, ",\"errno\":%d,\"message\":", rep->error.code);
    sr_json_string(f, rep->error.msg);
    fprintf(f, ",\"detail\":");
    sr_json_string(f, rep->error.code ? strerror(rep->error.code) : "");
    fputc('}', f);
  }
  fprintf(f, ",\"oomKilled\":%s", rep->stats.oom_kills > 0 || rep->oom_group_kill ? "true" : "false");
  fprintf(f, ",\"cpu\":{\"userUs\":%lld,\"systemUs\":%lld},\"wallUs\":%lld",
          (long long)rep->user_us, (long long)rep->system_us, (long long)rep->wall_us);
  if (rep->parent_died) fprintf(f, ",\"parentDied\":true");
  if (rep->cgroup_driver) {
    fprintf(f, ",\"cgroup\":{\"driver\":\"%s\",\"memoryPeak\":%lld,\"oomKills\":%lld,"
               "\"pidsLimitHits\":%lld",
            rep->cgroup_driver, (long long)rep->stats.memory_peak,
            (long long)rep->stats.oom_kills, (long long)rep->stats.pids_limit_hits);
    if (rep->cgroup_placement) fprintf(f, ",\"placement\":\"%s\"", rep->cgroup_placement);
    fputc('}', f);
  }
  if (rep->cleanup_error[0]) {
    fprintf(f, ",\"cleanupError\":");
    sr_json_string(f, rep->cleanup_error);
  }
  if (rep->refused.counting) {
    fprintf(f, ",\"refused\":");
    sr_refusals_json(f, &rep->refused, rep->fixes);
  }
  fputs("}\n", f);
  fclose(f); /* buf and size are final only now */
  (void)sr_write_all(fd, buf, size); /* nobody to tell if the reader is gone */
}
