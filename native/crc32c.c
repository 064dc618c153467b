/*
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of Kafka v2 record batches.
 *
 * crc32c(data, crc) -> uint32. `crc` and the result are finalised CRCs (the register xor
 * 0xFFFFFFFF), so crc32c(b, crc32c(a)) == crc32c(a ++ b) and crc32c(empty, c) == c, exactly as
 * src/native/binding.ts specifies and crc-32's crc32c.buf(data, seed) computes.
 * `data` is any ArrayBufferView (Buffer, every TypedArray, DataView): its bytes are checksummed.
 *
 * Two implementations, chosen once per process:
 *   'sse4.2': the CPU's crc32 instruction, 8 bytes per instruction. Only this function is compiled
 *             for SSE4.2 (target attribute), so the addon still loads on CPUs without it.
 *   'table' : slicing-by-8 over eight 256-entry tables (8 KiB), for other CPUs and architectures.
 * SEGLOG_CRC32C_PORTABLE=1 in the environment at load time forces 'table' (tests use it to check
 * the table path on machines that have SSE4.2).
 *
 * Concurrency: the tables are built once under pthread_once and read-only afterwards.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "seglog.h"

#if defined(__x86_64__) || defined(__i386__)
#include <nmmintrin.h>
#define SEGLOG_HAVE_SSE42_PATH 1
#endif

#define CRC32C_POLY 0x82F63B78u

static uint32_t table[8][256];
static bool use_sse42;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void init(void) {
  for (uint32_t n = 0; n < 256; n++) {
    uint32_t crc = n;
    for (int bit = 0; bit < 8; bit++) crc = (crc >> 1) ^ (CRC32C_POLY & (0u - (crc & 1)));
    table[0][n] = crc;
  }
  for (uint32_t n = 0; n < 256; n++) {
    for (int k = 1; k < 8; k++) table[k][n] = (table[k - 1][n] >> 8) ^ table[0][table[k - 1][n] & 0xff];
  }
#ifdef SEGLOG_HAVE_SSE42_PATH
  const char *portable = getenv("SEGLOG_CRC32C_PORTABLE");
  use_sse42 = __builtin_cpu_supports("sse4.2") && !(portable != NULL && strcmp(portable, "1") == 0);
#endif
}

void seglog_crc32c_init(void) { pthread_once(&init_once, init); }

const char *seglog_crc32c_method(void) { return use_sse42 ? "sse4.2" : "table"; }

/* 8 little-endian bytes as an integer, whatever the host byte order (one load on x86/arm64). */
static inline uint64_t load_le64(const uint8_t *p) {
  uint64_t word;
  memcpy(&word, p, sizeof word);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  word = __builtin_bswap64(word);
#endif
  return word;
}

/* Slicing-by-8 on the raw register (not finalised). */
static uint32_t crc32c_table(uint32_t crc, const uint8_t *p, size_t n) {
  while (n > 0 && ((uintptr_t)p & 7) != 0) {
    crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
    n--;
  }
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t word = load_le64(p) ^ crc;
    crc = table[7][word & 0xff] ^ table[6][(word >> 8) & 0xff] ^ table[5][(word >> 16) & 0xff] ^
          table[4][(word >> 24) & 0xff] ^ table[3][(word >> 32) & 0xff] ^ table[2][(word >> 40) & 0xff] ^
          table[1][(word >> 48) & 0xff] ^ table[0][word >> 56];
  }
  while (n-- > 0) crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
  return crc;
}

#ifdef SEGLOG_HAVE_SSE42_PATH
/* The crc32 instruction on the raw register; aligned 8-byte steps after a short unaligned head. */
__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(uint32_t crc, const uint8_t *p, size_t n) {
  while (n > 0 && ((uintptr_t)p & 7) != 0) {
    crc = _mm_crc32_u8(crc, *p++);
    n--;
  }
  uint64_t wide = crc;
  for (; n >= 8; p += 8, n -= 8) wide = _mm_crc32_u64(wide, load_le64(p));
  crc = (uint32_t)wide;
  while (n-- > 0) crc = _mm_crc32_u8(crc, *p++);
  return crc;
}
#endif

/* The bytes of any ArrayBufferView. napi_get_buffer_info accepts every view in Node >= 20; the
 * typed-array/DataView queries are the documented route if it ever stops doing so. */
static bool view_bytes(napi_env env, napi_value value, const uint8_t **data, size_t *length) {
  void *raw = NULL;
  if (napi_get_buffer_info(env, value, &raw, length) == napi_ok) {
    *data = raw;
    return true;
  }
  bool is_view = false;
  napi_typedarray_type type;
  size_t count, offset;
  napi_value array_buffer;
  if (napi_is_typedarray(env, value, &is_view) == napi_ok && is_view &&
      napi_get_typedarray_info(env, value, &type, &count, &raw, &array_buffer, &offset) == napi_ok) {
    static const size_t element_bytes[] = {1, 1, 1, 2, 2, 4, 4, 4, 8, 8, 8};
    if ((size_t)type >= sizeof element_bytes / sizeof element_bytes[0]) return false;
    *data = raw;
    *length = count * element_bytes[type];
    return true;
  }
  if (napi_is_dataview(env, value, &is_view) == napi_ok && is_view &&
      napi_get_dataview_info(env, value, length, &raw, &array_buffer, &offset) == napi_ok) {
    *data = raw;
    return true;
  }
  return false;
}

napi_value seglog_crc32c(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!seglog_args(env, info, 2, argv)) return NULL;
  const uint8_t *data;
  size_t length;
  if (!view_bytes(env, argv[0], &data, &length)) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                          "The \"data\" argument must be an instance of Buffer, TypedArray, or DataView");
    return NULL;
  }
  uint32_t crc;
  if (napi_get_value_uint32(env, argv[1], &crc) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "The \"crc\" argument must be of type number");
    return NULL;
  }
  crc = ~crc;
#ifdef SEGLOG_HAVE_SSE42_PATH
  crc = use_sse42 ? crc32c_sse42(crc, data, length) : crc32c_table(crc, data, length);
#else
  crc = crc32c_table(crc, data, length);
#endif
  napi_value result;
  napi_create_uint32(env, ~crc, &result);
  return result;
}
