/*
 * Shared declarations of the seglog addon: one entry point per exported function (each in the
 * file that owns its system call) and the argument/error helpers from binding.c.
 *
 * Contract with src/native/load.ts: the TS wrapper validates every argument before it gets here
 * (fds are non-negative int32, positions and lengths safe non-negative integers), so these checks
 * are a second line of defence: bad input throws, it never reaches a system call or crashes the
 * process. System call failures throw an Error shaped like Node's own:
 * `{ code: 'EBADF', errno: -9, syscall: 'fstat', message: 'EBADF: Bad file descriptor, fstat' }`
 * (negative errno, as libuv reports it, so native and fallback errors compare equal).
 */
#ifndef SEGLOG_H
#define SEGLOG_H

#include <stdbool.h>
#include <stdint.h>
#include <node_api.h>

/* binding.c: argument helpers. Each returns false after throwing a JS exception. */
bool seglog_args(napi_env env, napi_callback_info info, size_t count, napi_value *argv);
bool seglog_arg_fd(napi_env env, napi_value value, const char *name, int *out);
bool seglog_arg_size(napi_env env, napi_value value, const char *name, int64_t *out);

/* binding.c: throws an Error naming `what` unless an exception is already pending (a napi_* call
 * that failed may or may not have thrown) and returns NULL for the caller to return. */
napi_value seglog_throw_napi_failure(napi_env env, const char *what);

/* binding.c: throws an errno error (see above) and returns NULL for the caller to return. */
napi_value seglog_throw_errno(napi_env env, int err, const char *syscall);

/* crc32c.c */
void seglog_crc32c_init(void);
const char *seglog_crc32c_method(void);
napi_value seglog_crc32c(napi_env env, napi_callback_info info);
napi_value seglog_copy_with_crc32c(napi_env env, napi_callback_info info);

/* mmap.c */
napi_value seglog_map_file(napi_env env, napi_callback_info info);
napi_value seglog_advise_mapping(napi_env env, napi_callback_info info);
napi_value seglog_advise_huge_pages(napi_env env, napi_callback_info info);

/* sendfile.c */
napi_value seglog_sendfile(napi_env env, napi_callback_info info);

/* lock.c */
napi_value seglog_lock_file(napi_env env, napi_callback_info info);
napi_value seglog_unlock_file(napi_env env, napi_callback_info info);

/* fallocate.c */
napi_value seglog_fallocate(napi_env env, napi_callback_info info);

#endif
