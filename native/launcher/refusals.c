/* Counting refused syscalls, and the summary of them with their fixes. */
#define _GNU_SOURCE
#include "refusals.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"

void sr_refusals_add(struct sr_refusals *r, int nr, const char *name, const char *comm, int err_no) {
  /* The app names its programs (prctl PR_SET_NAME): nothing but printable ASCII reaches a
   * terminal from there. */
  char prog[sizeof r->e[0].comm];
  snprintf(prog, sizeof prog, "%s", comm);
  for (char *c = prog; *c; c++)
    if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e) *c = '?';
  r->total++;
  for (size_t i = 0; i < r->n; i++) {
    if (r->e[i].nr == nr && strcmp(r->e[i].comm, prog) == 0) {
      r->e[i].count++;
      return;
    }
  }
  if (r->n == SR_REFUSALS_MAX) {
    r->other++;
    return;
  }
  struct sr_refusal *e = &r->e[r->n++];
  memset(e, 0, sizeof *e);
  e->nr = nr;
  snprintf(e->name, sizeof e->name, "%s", name ? name : "");
  memcpy(e->comm, prog, sizeof prog);
  e->err_no = err_no;
  e->count = 1;
}

/* A syscall name as the table writes it ([a-z0-9_], 1 to SR_SYSCALL_NAME_MAX-1 bytes), or one
 * of the two special names. */
static bool valid_name(const char *s, size_t len) {
  if (len == 1 && (s[0] == '*' || s[0] == '+')) return true;
  if (len == 0 || len >= SR_SYSCALL_NAME_MAX) return false;
  for (size_t i = 0; i < len; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_')) return false;
  return true;
}

/* Printable ASCII only: a fix is printed on a terminal as it is. */
static bool valid_text(const char *s, size_t len) {
  if (len == 0 || len >= SR_FIX_TEXT_MAX) return false;
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e) return false;
  return true;
}

int sr_fixes_parse(const char *buf, size_t bytes, size_t count, const char *what,
                   struct sr_fixes *out, struct sr_error *err) {
  memset(out, 0, sizeof *out);
  if (bytes > SR_FIXES_MAX_BYTES)
    return sr_fail(err, 0, "%s: the fix table is over %d bytes", what, SR_FIXES_MAX_BYTES);
  if (count != SIZE_MAX && count > SR_FIXES_MAX)
    return sr_fail(err, 0, "%s: the fix table has over %d entries", what, SR_FIXES_MAX);
  if (bytes > 0 && buf[bytes - 1] != '\0')
    return sr_fail(err, 0, "%s: the fix table's last string is not terminated", what);
  size_t strings = 0;
  for (size_t i = 0; i < bytes; i++) strings += buf[i] == '\0';
  if (strings % 2 != 0 || (count != SIZE_MAX && strings != 2 * count))
    return sr_fail(err, 0, "%s: the fix table holds %zu strings, not %s pairs", what, strings,
                   count == SIZE_MAX ? "whole" : "its count of");
  size_t n = strings / 2;
  if (n > SR_FIXES_MAX)
    return sr_fail(err, 0, "%s: the fix table has over %d entries", what, SR_FIXES_MAX);
  sr_autofree char *data = malloc(bytes + 1);
  sr_autofree const char **names = calloc(n + 1, sizeof *names);
  sr_autofree const char **texts = calloc(n + 1, sizeof *texts);
  if (data == NULL || names == NULL || texts == NULL) return sr_fail(err, ENOMEM, "%s", what);
  if (bytes > 0) memcpy(data, buf, bytes);
  data[bytes] = '\0';
  const char *p = data;
  for (size_t i = 0; i < n; i++) {
    size_t nlen = strlen(p);
    if (!valid_name(p, nlen))
      return sr_fail(err, 0, "%s: fix table entry %zu: `%.40s` is not a syscall name", what, i, p);
    if (i > 0 && strcmp(names[i - 1], p) >= 0)
      return sr_fail(err, 0, "%s: fix table entry %zu: `%s` out of order or repeated", what, i, p);
    names[i] = p;
    p += nlen + 1;
    size_t tlen = strlen(p);
    if (!valid_text(p, tlen))
      return sr_fail(err, 0,
                     "%s: fix table entry %zu (%s): the fix is empty, over %d bytes or not printable "
                     "ASCII",
                     what, i, names[i], SR_FIX_TEXT_MAX - 1);
    texts[i] = p;
    p += tlen + 1;
  }
  out->data = sr_steal_ptr(data);
  out->names = sr_steal_ptr(names);
  out->texts = sr_steal_ptr(texts);
  out->n = n;
  return 0;
}

int sr_fixes_read(int fd, struct sr_fixes *out, struct sr_error *err) {
  size_t cap = SR_FIXES_MAX_BYTES + 1, len = 0;
  sr_autofree char *buf = malloc(cap);
  if (buf == NULL) {
    close(fd);
    return sr_fail(err, ENOMEM, "reading the fix table");
  }
  for (;;) {
    ssize_t n = read(fd, buf + len, cap - len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      close(fd);
      return sr_fail(err, e, "reading the fix table from fd %d", fd);
    }
    if (n == 0) break;
    len += (size_t)n;
    if (len == cap) {
      close(fd);
      return sr_fail(err, E2BIG, "--refusal-fixes-fd: the fix table is over %d bytes",
                     SR_FIXES_MAX_BYTES);
    }
  }
  close(fd);
  return sr_fixes_parse(buf, len, SIZE_MAX, "--refusal-fixes-fd", out, err);
}

const char *sr_fixes_lookup(const struct sr_fixes *f, const char *name) {
  if (f == NULL || f->n == 0) return NULL;
  size_t lo = 0, hi = f->n;
  while (lo < hi) { /* names are strictly ascending (checked) */
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(f->names[mid], name);
    if (c == 0) return f->texts[mid];
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return strcmp(name, "+") == 0 || name[0] == '\0' ? NULL : sr_fixes_lookup(f, "*");
}

void sr_fixes_free(struct sr_fixes *f) {
  free(f->data);
  free(f->names);
  free(f->texts);
  memset(f, 0, sizeof *f);
}

bool sr_refusals_due(const struct sr_refusals *r, enum sr_summary_mode mode, int exit_code) {
  if (mode == SR_SUMMARY_OFF) return false;
  if (mode == SR_SUMMARY_ALWAYS) return true;
  return r->total > 0 && exit_code != 0;
}

/* The fix with `{}` replaced by the syscall's name, into out. */
static void fix_for(const struct sr_fixes *f, const char *name, char *out, size_t size) {
  const char *t = sr_fixes_lookup(f, name);
  out[0] = '\0';
  if (t == NULL) return;
  const char *hole = strstr(t, "{}");
  if (hole == NULL)
    snprintf(out, size, "%s", t);
  else
    snprintf(out, size, "%.*s%s%s", (int)(hole - t), t, name, hole + 2);
}

/* The syscalls of r in the order first refused: index of each one's first entry. */
static size_t distinct_calls(const struct sr_refusals *r, size_t firsts[SR_REFUSALS_MAX]) {
  size_t n = 0;
  for (size_t i = 0; i < r->n; i++) {
    bool seen = false;
    for (size_t k = 0; k < n && !seen; k++) seen = r->e[firsts[k]].nr == r->e[i].nr;
    if (!seen) firsts[n++] = i;
  }
  return n;
}

static const char *errno_name(int e) {
  const char *s = e ? strerrorname_np(e) : NULL;
  return s ? s : "refused";
}

int sr_refusals_format(const struct sr_refusals *r, const struct sr_fixes *f, const char *app,
                       char **out, size_t *len, struct sr_error *err) {
  *out = NULL;
  *len = 0;
  FILE *m = open_memstream(out, len);
  if (m == NULL) return sr_fail(err, errno, "formatting the summary of refusals");
  if (r->total == 0) {
    fprintf(m, "secure-run: no syscall of %s was refused\n", app);
  } else {
    size_t firsts[SR_REFUSALS_MAX];
    size_t calls = distinct_calls(r, firsts);
    fprintf(m, "secure-run: the sandbox refused %llu call%s of %s (each failed with the error shown):\n",
            (unsigned long long)r->total, r->total == 1 ? "" : "s", app);
    int width = 0;
    for (size_t k = 0; k < calls; k++) {
      const struct sr_refusal *e = &r->e[firsts[k]];
      int w = e->name[0] ? (int)strlen(e->name) : snprintf(NULL, 0, "syscall %d", e->nr);
      if (w > width) width = w;
    }
    size_t shown = 0;
    for (size_t k = 0; k < calls && shown < SR_SUMMARY_LINES; k++, shown++) {
      const struct sr_refusal *e = &r->e[firsts[k]];
      char label[SR_SYSCALL_NAME_MAX + 16], fix[SR_FIX_TEXT_MAX + SR_SYSCALL_NAME_MAX];
      if (e->name[0])
        snprintf(label, sizeof label, "%s", e->name);
      else
        snprintf(label, sizeof label, "syscall %d", e->nr);
      uint64_t count = 0;
      for (size_t i = firsts[k]; i < r->n; i++)
        if (r->e[i].nr == e->nr) count += r->e[i].count;
      fprintf(m, "secure-run:   %-*s  %-6s %3llu\xc3\x97 by ", width, label, errno_name(e->err_no),
              (unsigned long long)count);
      int programs = 0;
      for (size_t i = firsts[k]; i < r->n; i++) {
        if (r->e[i].nr != e->nr) continue;
        if (programs++ == 3) {
          fputs(", \xe2\x80\xa6", m);
          break;
        }
        fprintf(m, "%s%s", programs > 1 ? ", " : "", r->e[i].comm);
      }
      fix_for(f, e->name, fix, sizeof fix);
      if (fix[0]) fprintf(m, "  \xe2\x86\x92 %s", fix);
      fputc('\n', m);
    }
    uint64_t rest = r->other;
    size_t more = 0;
    for (size_t k = shown; k < calls; k++, more++)
      for (size_t i = firsts[k]; i < r->n; i++)
        if (r->e[i].nr == r->e[firsts[k]].nr) rest += r->e[i].count;
    if (rest > 0)
      fprintf(m, "secure-run:   \xe2\x80\xa6 and %llu more refusal%s (%s)\n", (unsigned long long)rest,
              rest == 1 ? "" : "s",
              more > 0 ? "other syscalls" : "other programs");
    const char *advice = sr_fixes_lookup(f, "+");
    if (advice) fprintf(m, "secure-run: %s\n", advice);
  }
  if (fclose(m) != 0) {
    free(*out);
    *out = NULL;
    return sr_fail(err, ENOMEM, "formatting the summary of refusals");
  }
  return 0;
}

void sr_refusals_json(FILE *out, const struct sr_refusals *r, const struct sr_fixes *f) {
  size_t firsts[SR_REFUSALS_MAX];
  size_t calls = distinct_calls(r, firsts);
  fprintf(out, "{\"total\":%llu,\"other\":%llu,\"calls\":[", (unsigned long long)r->total,
          (unsigned long long)r->other);
  for (size_t k = 0; k < calls; k++) {
    const struct sr_refusal *e = &r->e[firsts[k]];
    char fix[SR_FIX_TEXT_MAX + SR_SYSCALL_NAME_MAX];
    uint64_t count = 0;
    for (size_t i = firsts[k]; i < r->n; i++)
      if (r->e[i].nr == e->nr) count += r->e[i].count;
    fprintf(out, "%s{\"syscall\":", k ? "," : "");
    sr_json_string(out, e->name);
    fprintf(out, ",\"nr\":%d,\"errno\":\"%s\",\"count\":%llu,\"programs\":{", e->nr,
            e->err_no ? errno_name(e->err_no) : "", (unsigned long long)count);
    bool first = true;
    for (size_t i = firsts[k]; i < r->n; i++) {
      if (r->e[i].nr != e->nr) continue;
      if (!first) fputc(',', out);
      first = false;
      sr_json_string(out, r->e[i].comm);
      fprintf(out, ":%llu", (unsigned long long)r->e[i].count);
    }
    fputs("},\"fix\":", out);
    fix_for(f, e->name, fix, sizeof fix);
    if (fix[0])
      sr_json_string(out, fix);
    else
      fputs("null", out);
    fputc('}', out);
  }
  fputs("]}", out);
}
