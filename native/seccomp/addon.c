/* The only file with N-API code: checks arguments at the boundary, converts them to the plain
 * C structures of sr_seccomp.h and turns failures into exceptions with a stable `code`. */
#define NAPI_VERSION 8
#include <errno.h>
#include <linux/seccomp.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/host.h"
#include "sr_seccomp.h"

#define NAME_MAX_LEN 64

#define CHECK(env, call)                                             \
  do {                                                               \
    if ((call) != napi_ok) {                                         \
      throw_error(env, "ERR_NAPI", "N-API call failed: " #call, NULL); \
      return NULL;                                                   \
    }                                                                \
  } while (0)

static void throw_error(napi_env env, const char *code, const char *message,
                        const char *syscall_name) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) return;
  napi_value msg, error, code_value;
  if (napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg) != napi_ok) return;
  if (napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &code_value) != napi_ok) return;
  if (napi_create_error(env, code_value, msg, &error) != napi_ok) return;
  if (syscall_name != NULL) {
    napi_value name;
    if (napi_create_string_utf8(env, syscall_name, NAPI_AUTO_LENGTH, &name) == napi_ok)
      napi_set_named_property(env, error, "syscall", name);
  }
  napi_throw(env, error);
}

static void throw_type(napi_env env, const char *message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
}

/* Reads property `key` of obj as a string into buf; returns false (with an exception
 * pending) when it is missing, not a string or too long. */
static bool get_string(napi_env env, napi_value obj, const char *key, char *buf, size_t size,
                       const char *usage) {
  napi_value v;
  napi_valuetype t;
  size_t len;
  if (napi_get_named_property(env, obj, key, &v) != napi_ok ||
      napi_typeof(env, v, &t) != napi_ok || t != napi_string ||
      napi_get_value_string_utf8(env, v, buf, size, &len) != napi_ok || len + 1 >= size) {
    throw_type(env, usage);
    return false;
  }
  return true;
}

static bool get_uint(napi_env env, napi_value obj, const char *key, uint32_t *out,
                     bool optional, const char *usage) {
  napi_value v;
  napi_valuetype t;
  if (napi_get_named_property(env, obj, key, &v) != napi_ok || napi_typeof(env, v, &t) != napi_ok) {
    throw_type(env, usage);
    return false;
  }
  if (t == napi_undefined && optional) return true;
  if (t != napi_number || napi_get_value_uint32(env, v, out) != napi_ok) {
    throw_type(env, usage);
    return false;
  }
  return true;
}

/* {action: "allow"|"errno"|…, errno?: number} → SCMP_ACT_… */
static bool get_action(napi_env env, napi_value obj, uint32_t *action, const char *usage) {
  char name[32];
  if (!get_string(env, obj, "action", name, sizeof name, usage)) return false;
  if (strcmp(name, "errno") == 0) {
    uint32_t e = 0;
    if (!get_uint(env, obj, "errno", &e, false, usage)) return false;
    if (e > 4095) {
      throw_type(env, "errno must be between 0 and 4095");
      return false;
    }
    *action = SCMP_ACT_ERRNO(e);
    return true;
  }
  if (sr_action_parse(name, action) < 0) {
    throw_error(env, "ERR_SECCOMP_ACTION", "unknown seccomp action", NULL);
    return false;
  }
  return true;
}

static const char *ops[] = {NULL, "ne", "lt", "le", "eq", "ge", "gt", "masked_eq"};

static bool get_args(napi_env env, napi_value rule, struct sr_rule *r, const char *usage) {
  napi_value args;
  napi_valuetype t;
  bool is_array = false;
  uint32_t n = 0;
  if (napi_get_named_property(env, rule, "args", &args) != napi_ok ||
      napi_typeof(env, args, &t) != napi_ok) {
    throw_type(env, usage);
    return false;
  }
  if (t == napi_undefined) return true;
  if (napi_is_array(env, args, &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, args, &n) != napi_ok || n > SR_MAX_ARGS) {
    throw_type(env, "rule.args must be an array of at most 6 conditions");
    return false;
  }
  for (uint32_t i = 0; i < n; i++) {
    napi_value c, v;
    char op[16];
    uint32_t index = 0;
    if (napi_get_element(env, args, i, &c) != napi_ok) return false;
    if (!get_uint(env, c, "index", &index, false, usage) ||
        !get_string(env, c, "op", op, sizeof op, usage))
      return false;
    enum scmp_compare cmp = 0;
    for (int k = 1; k < (int)(sizeof ops / sizeof ops[0]); k++)
      if (strcmp(ops[k], op) == 0) cmp = (enum scmp_compare)k;
    if (cmp == 0 || index > 5) {
      throw_type(env, "condition: index 0-5 and op one of ne, lt, le, eq, ge, gt, masked_eq");
      return false;
    }
    uint64_t values[2] = {0, 0};
    const char *keys[2] = {"value", "mask"};
    for (int k = 0; k < 2; k++) {
      bool lossless = true;
      if (napi_get_named_property(env, c, keys[k], &v) != napi_ok ||
          napi_typeof(env, v, &t) != napi_ok) return false;
      if (t == napi_undefined && (k == 1)) continue;
      if (t != napi_bigint ||
          napi_get_value_bigint_uint64(env, v, &values[k], &lossless) != napi_ok || !lossless) {
        throw_type(env, "condition value and mask must be unsigned 64-bit BigInts");
        return false;
      }
    }
    /* For masked_eq libseccomp takes (mask, value); for the others (value, unused). */
    if (cmp == SCMP_CMP_MASKED_EQ)
      r->args[i] = (struct scmp_arg_cmp){index, cmp, values[1], values[0]};
    else
      r->args[i] = (struct scmp_arg_cmp){index, cmp, values[0], 0};
  }
  r->nargs = n;
  return true;
}

static const char compile_usage[] =
    "compile({arch, defaultAction: {action, errno?}, badArchAction, rules: [{name, action, "
    "errno?, args?}]})";

struct rules_storage {
  struct sr_rule *rules;
  char (*names)[NAME_MAX_LEN];
};

static void storage_free(struct rules_storage *s) {
  free(s->rules);
  free(s->names);
}

/* compile(spec) → {bpf: Buffer, skipped: string[]} */
static napi_value compile(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], spec_v, rules_v, default_v;
  napi_valuetype t;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_typeof(env, argv[0], &t) != napi_ok || t != napi_object) {
    throw_type(env, compile_usage);
    return NULL;
  }
  spec_v = argv[0];

  struct sr_filter_spec spec = {0};
  char arch[16], badarch[32];
  if (!get_string(env, spec_v, "arch", arch, sizeof arch, compile_usage)) return NULL;
  spec.arch = sr_arch_token(arch);
  if (spec.arch == 0) {
    throw_error(env, "ERR_SECCOMP_ARCH", "unknown architecture (x86_64, aarch64, x86, arm)", NULL);
    return NULL;
  }
  CHECK(env, napi_get_named_property(env, spec_v, "defaultAction", &default_v));
  if (napi_typeof(env, default_v, &t) != napi_ok || t != napi_object) {
    throw_type(env, compile_usage);
    return NULL;
  }
  if (!get_action(env, default_v, &spec.default_action, compile_usage)) return NULL;
  if (!get_string(env, spec_v, "badArchAction", badarch, sizeof badarch, compile_usage))
    return NULL;
  if (sr_action_parse(badarch, &spec.badarch_action) < 0) {
    throw_error(env, "ERR_SECCOMP_ACTION", "unknown bad-architecture action", NULL);
    return NULL;
  }

  bool is_array = false;
  uint32_t n = 0;
  CHECK(env, napi_get_named_property(env, spec_v, "rules", &rules_v));
  if (napi_is_array(env, rules_v, &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, rules_v, &n) != napi_ok) {
    throw_type(env, compile_usage);
    return NULL;
  }
  __attribute__((cleanup(storage_free))) struct rules_storage st = {
      calloc(n ? n : 1, sizeof *st.rules), calloc(n ? n : 1, sizeof *st.names)};
  if (st.rules == NULL || st.names == NULL) {
    throw_error(env, "ERR_NO_MEMORY", "out of memory", NULL);
    return NULL;
  }
  for (uint32_t i = 0; i < n; i++) {
    napi_value rule;
    CHECK(env, napi_get_element(env, rules_v, i, &rule));
    if (napi_typeof(env, rule, &t) != napi_ok || t != napi_object) {
      throw_type(env, compile_usage);
      return NULL;
    }
    if (!get_string(env, rule, "name", st.names[i], NAME_MAX_LEN, compile_usage)) return NULL;
    st.rules[i].name = st.names[i];
    if (!get_action(env, rule, &st.rules[i].action, compile_usage)) return NULL;
    if (!get_args(env, rule, &st.rules[i], compile_usage)) return NULL;
  }
  spec.rules = st.rules;
  spec.nrules = n;

  struct sr_bpf bpf;
  struct sr_error err = {0};
  if (sr_compile(&spec, &bpf, &err) < 0) {
    char msg[SR_ERROR_MSG_MAX + 64];
    sr_error_format(&err, msg, sizeof msg);
    /* An unknown name is the user's mistake: name it so the caller can point at the rule. */
    const char *bad = NULL;
    for (uint32_t i = 0; i < n && bad == NULL; i++)
      if (sr_syscall_number(spec.arch, st.names[i]) == -1) bad = st.names[i];
    throw_error(env, bad ? "ERR_UNKNOWN_SYSCALL" : "ERR_SECCOMP_COMPILE", msg, bad);
    return NULL;
  }

  napi_value result, buffer, skipped;
  void *data = NULL;
  napi_status st1 = napi_create_buffer_copy(env, bpf.size, bpf.data, &data, &buffer);
  napi_status st2 = napi_create_array_with_length(env, bpf.nskipped, &skipped);
  for (size_t i = 0; st2 == napi_ok && i < bpf.nskipped; i++) {
    napi_value s;
    st2 = napi_create_string_utf8(env, bpf.skipped[i], NAPI_AUTO_LENGTH, &s);
    if (st2 == napi_ok) st2 = napi_set_element(env, skipped, (uint32_t)i, s);
  }
  sr_bpf_free(&bpf);
  if (st1 != napi_ok || st2 != napi_ok) {
    throw_error(env, "ERR_NAPI", "creating the result", NULL);
    return NULL;
  }
  CHECK(env, napi_create_object(env, &result));
  CHECK(env, napi_set_named_property(env, result, "bpf", buffer));
  CHECK(env, napi_set_named_property(env, result, "skipped", skipped));
  return result;
}

/* syscallNumber(arch, name) → number, -1 unknown everywhere, -2 not on this architecture */
static napi_value syscall_number(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], result;
  char arch[16], name[NAME_MAX_LEN];
  size_t len;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || napi_get_value_string_utf8(env, argv[0], arch, sizeof arch, &len) != napi_ok ||
      napi_get_value_string_utf8(env, argv[1], name, sizeof name, &len) != napi_ok) {
    throw_type(env, "syscallNumber(arch: string, name: string)");
    return NULL;
  }
  uint32_t token = sr_arch_token(arch);
  if (token == 0) {
    throw_error(env, "ERR_SECCOMP_ARCH", "unknown architecture (x86_64, aarch64, x86, arm)", NULL);
    return NULL;
  }
  CHECK(env, napi_create_int32(env, sr_syscall_number(token, name), &result));
  return result;
}

/* syscallName(arch, nr) → the name, or null when the number has none on arch */
static napi_value syscall_name(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], result;
  char arch[16];
  size_t len;
  int32_t nr = -1;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || napi_get_value_string_utf8(env, argv[0], arch, sizeof arch, &len) != napi_ok ||
      napi_get_value_int32(env, argv[1], &nr) != napi_ok) {
    throw_type(env, "syscallName(arch: string, nr: number)");
    return NULL;
  }
  uint32_t token = sr_arch_token(arch);
  if (token == 0) {
    throw_error(env, "ERR_SECCOMP_ARCH", "unknown architecture (x86_64, aarch64, x86, arm)", NULL);
    return NULL;
  }
  char *name = nr < 0 ? NULL : seccomp_syscall_resolve_num_arch(token, nr);
  if (name == NULL) {
    CHECK(env, napi_get_null(env, &result));
    return result;
  }
  napi_status st = napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &result);
  free(name);
  if (st != napi_ok) {
    throw_error(env, "ERR_NAPI", "creating the name", NULL);
    return NULL;
  }
  return result;
}

/* hostFacts() → {libseccomp: "2.5.4", landlockAbi: number (0 when Landlock is off),
 *   seccompActions: string[] (what this kernel's seccomp can do), userNotification: bool} */
static napi_value host_facts(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result, version, abi, actions, notif;
  char buf[32];
  sr_libseccomp_version(buf, sizeof buf);
  CHECK(env, napi_create_object(env, &result));
  CHECK(env, napi_create_string_utf8(env, buf, NAPI_AUTO_LENGTH, &version));
  CHECK(env, napi_create_int32(env, sr_host_landlock_abi(), &abi));
  CHECK(env, napi_create_array(env, &actions));
  uint32_t n = 0;
  for (size_t i = 0; i < sr_host_nseccomp_actions; i++) {
    if (sr_host_seccomp_action_available(sr_host_seccomp_actions[i].ret)) {
      napi_value str;
      CHECK(env, napi_create_string_utf8(env, sr_host_seccomp_actions[i].name, NAPI_AUTO_LENGTH, &str));
      CHECK(env, napi_set_element(env, actions, n++, str));
    }
  }
  CHECK(env, napi_get_boolean(env, sr_host_user_notification(), &notif));
  CHECK(env, napi_set_named_property(env, result, "libseccomp", version));
  CHECK(env, napi_set_named_property(env, result, "landlockAbi", abi));
  CHECK(env, napi_set_named_property(env, result, "seccompActions", actions));
  CHECK(env, napi_set_named_property(env, result, "userNotification", notif));
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"compile", NULL, compile, NULL, NULL, NULL, napi_enumerable, NULL},
      {"syscallNumber", NULL, syscall_number, NULL, NULL, NULL, napi_enumerable, NULL},
      {"syscallName", NULL, syscall_name, NULL, NULL, NULL, napi_enumerable, NULL},
      {"hostFacts", NULL, host_facts, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok)
    return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
