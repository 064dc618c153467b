/*
 * Registration of the seglog addon and the helpers every entry point shares: argument checks that
 * mirror src/errors.ts (Node-style `code`s) and Node-shaped errno errors.
 *
 * Exports (see src/native/binding.ts for the contract; src/native/load.ts wraps these):
 *   crc32c(data, crc) · crc32cMethod ('sse4.2' | 'table') · mapFile(fd, position, length)
 *   adviseMapping(buffer, adviceIndex) · sendfile(outFd, inFd, position, length)
 *   lockFile(path) · unlockFile(fd) · fallocate(fd, position, length)
 *
 * Concurrency: the module is context-aware (NAPI_MODULE_INIT), holds no per-env state and may be
 * loaded by several worker threads; the only process-wide state (CRC tables, the external-buffer
 * flag in mmap.c) is written once and then only read.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "seglog.h"

/* Largest integer a JS number holds exactly (Number.MAX_SAFE_INTEGER). */
#define SAFE_INTEGER_MAX 9007199254740991.0

static void throw_arg(napi_env env, bool range, const char *name, const char *expected) {
  char message[160];
  snprintf(message, sizeof message, "The \"%s\" argument must be %s", name, expected);
  if (range) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", message);
  } else {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  }
}

bool seglog_args(napi_env env, napi_callback_info info, size_t count, napi_value *argv) {
  size_t argc = count;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) {
    seglog_throw_napi_failure(env, "napi_get_cb_info");
    return false;
  }
  if (argc < count) {
    char message[80];
    snprintf(message, sizeof message, "Expected %zu arguments, received %zu", count, argc);
    napi_throw_type_error(env, "ERR_MISSING_ARGS", message);
    return false;
  }
  return true;
}

/* Reads a number that must be an integer in [0, max]; the double read keeps NaN and 1.5 out. */
static bool arg_integer(napi_env env, napi_value value, const char *name, double max, const char *range, double *out) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_number) {
    throw_arg(env, false, name, "of type number");
    return false;
  }
  double number;
  if (napi_get_value_double(env, value, &number) != napi_ok) {
    seglog_throw_napi_failure(env, "napi_get_value_double");
    return false;
  }
  if (!(number >= 0 && number <= max && floor(number) == number)) {
    throw_arg(env, true, name, range);
    return false;
  }
  *out = number;
  return true;
}

bool seglog_arg_fd(napi_env env, napi_value value, const char *name, int *out) {
  double number;
  if (!arg_integer(env, value, name, 2147483647.0, ">= 0 and <= 2147483647 (a file descriptor)", &number)) return false;
  *out = (int)number;
  return true;
}

bool seglog_arg_size(napi_env env, napi_value value, const char *name, int64_t *out) {
  double number;
  if (!arg_integer(env, value, name, SAFE_INTEGER_MAX, ">= 0 and <= 2^53 - 1 (an integer)", &number)) return false;
  *out = (int64_t)number;
  return true;
}

/* The errno's symbolic name ('EBADF'); NULL if unknown. glibc has it since 2.32; elsewhere (musl)
 * a table of the errnos the system calls in this addon document. */
static const char *errno_name(int err) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  return strerrorname_np(err);
#else
  switch (err) {
    case EACCES: return "EACCES";
    case EAGAIN: return "EAGAIN";
    case EBADF: return "EBADF";
    case EDQUOT: return "EDQUOT";
    case EEXIST: return "EEXIST";
    case EFAULT: return "EFAULT";
    case EFBIG: return "EFBIG";
    case EINTR: return "EINTR";
    case EINVAL: return "EINVAL";
    case EIO: return "EIO";
    case EISDIR: return "EISDIR";
    case ELOOP: return "ELOOP";
    case EMFILE: return "EMFILE";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENFILE: return "ENFILE";
    case ENODEV: return "ENODEV";
    case ENOENT: return "ENOENT";
    case ENOMEM: return "ENOMEM";
    case ENOSPC: return "ENOSPC";
    case ENOTDIR: return "ENOTDIR";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EOVERFLOW: return "EOVERFLOW";
    case EPERM: return "EPERM";
    case EPIPE: return "EPIPE";
    case EROFS: return "EROFS";
    case ESPIPE: return "ESPIPE";
    case ETXTBSY: return "ETXTBSY";
    default: return NULL;
  }
#endif
}

napi_value seglog_throw_napi_failure(napi_env env, const char *what) {
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) != napi_ok || !pending) {
    char message[160];
    snprintf(message, sizeof message, "seglog native addon: %s failed", what);
    napi_throw_error(env, NULL, message);
  }
  return NULL;
}

napi_value seglog_throw_errno(napi_env env, int err, const char *syscall) {
  const char *name = errno_name(err);
  char code_buffer[16];
  if (name == NULL) {
    snprintf(code_buffer, sizeof code_buffer, "E%d", err);
    name = code_buffer;
  }
  char message[256];
  snprintf(message, sizeof message, "%s: %s, %s", name, strerror(err), syscall);

  napi_value code, text, error, errno_value, syscall_value;
  if (napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code) != napi_ok ||
      napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &text) != napi_ok ||
      napi_create_error(env, code, text, &error) != napi_ok ||
      napi_create_int32(env, -err, &errno_value) != napi_ok ||
      napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &syscall_value) != napi_ok ||
      napi_set_named_property(env, error, "errno", errno_value) != napi_ok ||
      napi_set_named_property(env, error, "syscall", syscall_value) != napi_ok) {
    napi_throw_error(env, name, message);
    return NULL;
  }
  napi_throw(env, error);
  return NULL;
}

NAPI_MODULE_INIT() {
  seglog_crc32c_init();
  napi_value method;
  if (napi_create_string_utf8(env, seglog_crc32c_method(), NAPI_AUTO_LENGTH, &method) != napi_ok) return NULL;
  const napi_property_descriptor properties[] = {
    {"crc32c", NULL, seglog_crc32c, NULL, NULL, NULL, napi_enumerable, NULL},
    {"copyWithCrc32c", NULL, seglog_copy_with_crc32c, NULL, NULL, NULL, napi_enumerable, NULL},
    {"crc32cMethod", NULL, NULL, NULL, NULL, method, napi_enumerable, NULL},
    {"mapFile", NULL, seglog_map_file, NULL, NULL, NULL, napi_enumerable, NULL},
    {"adviseMapping", NULL, seglog_advise_mapping, NULL, NULL, NULL, napi_enumerable, NULL},
    {"adviseHugePages", NULL, seglog_advise_huge_pages, NULL, NULL, NULL, napi_enumerable, NULL},
    {"sendfile", NULL, seglog_sendfile, NULL, NULL, NULL, napi_enumerable, NULL},
    {"lockFile", NULL, seglog_lock_file, NULL, NULL, NULL, napi_enumerable, NULL},
    {"unlockFile", NULL, seglog_unlock_file, NULL, NULL, NULL, napi_enumerable, NULL},
    {"fallocate", NULL, seglog_fallocate, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties) != napi_ok) return NULL;
  return exports;
}
