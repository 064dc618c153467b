/*
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of Kafka v2 record batches.
 *
 * crc32c(data, crc) -> uint32. `crc` and the result are finalised CRCs (the register xor
 * 0xFFFFFFFF), so crc32c(b, crc32c(a)) == crc32c(a ++ b) and crc32c(empty, c) == c, exactly as
 * src/native/binding.ts specifies and crc-32's crc32c.buf(data, seed) computes.
 * `data` is any ArrayBufferView (Buffer, every TypedArray, DataView): its bytes are checksummed.
 *
 * Two implementations, chosen once per process:
 *   'sse4.2': the CPU's crc32 instruction, 8 bytes per instruction. Only these functions are
 *             compiled for SSE4.2 (target attribute), so the addon still loads on CPUs without it.
 *             The instruction has a latency of 3 cycles but issues every cycle, so long inputs run
 *             three independent streams over three adjacent blocks and combine them:
 *             crc(s, A B C) = shift(shift(crc(s, A)) ^ crc(0, B)) ^ crc(0, C), where shift(x) is
 *             the CRC register x advanced over |A| zero bytes — a linear map on 32 bits, applied
 *             with four 256-entry tables per block size (Mark Adler's crc32c.c method).
 *   'table' : slicing-by-8 over eight 256-entry tables (8 KiB), for other CPUs and architectures.
 * SEGLOG_CRC32C_PORTABLE=1 in the environment at load time forces 'table' (tests use it to check
 * the table path on machines that have SSE4.2).
 *
 * copyWithCrc32c(source, sourceStart, sourceEnd, target, targetStart, crcStart) -> uint32 copies
 * source[sourceStart, sourceEnd) to target[targetStart, ...) and returns the CRC-32C (from 0) of
 * source[crcStart, sourceEnd). The read path uses it to hand each reader a private copy of a batch
 * checked in the same pass (decisions.md "Readers get private copies"): each 24 KiB chunk is
 * checksummed from the source, then copied while it is still in L1, so the bytes leave memory once.
 * The checksum is of the source chunk just copied, so it vouches for the bytes the reader gets.
 * Overlapping ranges are refused (the chunk order would checksum bytes already overwritten).
 *
 * Concurrency: the tables are built once under pthread_once and read-only afterwards.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seglog.h"

#if defined(__x86_64__) || defined(__i386__)
#include <nmmintrin.h>
#define SEGLOG_HAVE_SSE42_PATH 1
#endif

#define CRC32C_POLY 0x82F63B78u

/* Block sizes of the 3-stream loop: LONG amortises the two table shifts per round to nothing on
 * large inputs; SHORT lets inputs from 768 bytes (a small record batch) use three streams too. */
#define INTERLEAVE_LONG_BYTES 8192
#define INTERLEAVE_SHORT_BYTES 256

static uint32_t table[8][256];
static uint32_t shift_long[4][256];
static uint32_t shift_short[4][256];
static bool use_sse42;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static uint32_t crc32c_table(uint32_t crc, const uint8_t *p, size_t n);

/* shift[k][v] = the register (v << 8k) advanced over `zero_bytes` zero bytes. The map is linear,
 * so it is built from the images of the 32 single-bit registers. */
static void build_shift(uint32_t shift[4][256], size_t zero_bytes) {
  static const uint8_t zeros[INTERLEAVE_LONG_BYTES];
  uint32_t bit_image[32];
  for (int bit = 0; bit < 32; bit++) bit_image[bit] = crc32c_table(1u << bit, zeros, zero_bytes);
  for (int k = 0; k < 4; k++) {
    for (uint32_t v = 0; v < 256; v++) {
      uint32_t image = 0;
      for (int bit = 0; bit < 8; bit++) {
        if ((v >> bit) & 1) image ^= bit_image[8 * k + bit];
      }
      shift[k][v] = image;
    }
  }
}

static inline uint32_t apply_shift(const uint32_t shift[4][256], uint32_t crc) {
  return shift[0][crc & 0xff] ^ shift[1][(crc >> 8) & 0xff] ^ shift[2][(crc >> 16) & 0xff] ^ shift[3][crc >> 24];
}

static void init(void) {
  for (uint32_t n = 0; n < 256; n++) {
    uint32_t crc = n;
    for (int bit = 0; bit < 8; bit++) crc = (crc >> 1) ^ (CRC32C_POLY & (0u - (crc & 1)));
    table[0][n] = crc;
  }
  for (uint32_t n = 0; n < 256; n++) {
    for (int k = 1; k < 8; k++) table[k][n] = (table[k - 1][n] >> 8) ^ table[0][table[k - 1][n] & 0xff];
  }
  build_shift(shift_long, INTERLEAVE_LONG_BYTES);
  build_shift(shift_short, INTERLEAVE_SHORT_BYTES);
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
/* Consumes rounds of three `block`-byte blocks from *p as three streams (see the header). */
__attribute__((target("sse4.2"))) static inline uint64_t crc32c_sse42_3way(uint64_t crc, const uint8_t **p, size_t *n,
                                                                          size_t block, const uint32_t shift[4][256]) {
  for (; *n >= 3 * block; *p += 3 * block, *n -= 3 * block) {
    const uint8_t *a = *p;
    uint64_t crc_b = 0, crc_c = 0;
    for (size_t i = 0; i < block; i += 8) {
      /* A point read checks a batch nothing has touched yet: the hardware prefetcher stops at
       * each 4 KiB page, and the crc32 chains stall on the misses. Asking for the lines 512 bytes
       * ahead of each stream took a cold 10.6 KB batch from 1.5-1.7 to 1.4-1.5 us and W6 from
       * ~260k to ~272k reads/s (bench/crc32c.mjs, /tmp probe on W1's data); hot data is unchanged. */
      if ((i & 63) == 0) {
        __builtin_prefetch(a + i + 512);
        __builtin_prefetch(a + block + i + 512);
        __builtin_prefetch(a + 2 * block + i + 512);
      }
      crc = _mm_crc32_u64(crc, load_le64(a + i));
      crc_b = _mm_crc32_u64(crc_b, load_le64(a + block + i));
      crc_c = _mm_crc32_u64(crc_c, load_le64(a + 2 * block + i));
    }
    crc = apply_shift(shift, (uint32_t)crc) ^ (uint32_t)crc_b;
    crc = apply_shift(shift, (uint32_t)crc) ^ (uint32_t)crc_c;
  }
  return crc;
}

/* The crc32 instruction on the raw register; aligned 8-byte steps after a short unaligned head. */
__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(uint32_t crc, const uint8_t *p, size_t n) {
  while (n > 0 && ((uintptr_t)p & 7) != 0) {
    crc = _mm_crc32_u8(crc, *p++);
    n--;
  }
  uint64_t wide = crc32c_sse42_3way(crc, &p, &n, INTERLEAVE_LONG_BYTES, shift_long);
  wide = crc32c_sse42_3way(wide, &p, &n, INTERLEAVE_SHORT_BYTES, shift_short);
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

/* The raw register over n bytes, by the method chosen at load. */
static uint32_t crc32c_raw(uint32_t crc, const uint8_t *p, size_t n) {
#ifdef SEGLOG_HAVE_SSE42_PATH
  return use_sse42 ? crc32c_sse42(crc, p, n) : crc32c_table(crc, p, n);
#else
  return crc32c_table(crc, p, n);
#endif
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
  crc = ~crc32c_raw(~crc, data, length);
  napi_value result;
  if (napi_create_uint32(env, crc, &result) != napi_ok) return seglog_throw_napi_failure(env, "crc32c: napi_create_uint32");
  return result;
}

/* Bytes checksummed, then copied, per step: three 8 KiB blocks, so the long 3-stream loop runs once per
 * chunk, and small enough to be in L1 when it is copied. */
#define COPY_CHUNK_BYTES (3 * INTERLEAVE_LONG_BYTES)

static bool arg_index(napi_env env, napi_value value, const char *name, size_t max, size_t *out) {
  int64_t index;
  if (!seglog_arg_size(env, value, name, &index)) return false;
  if ((uint64_t)index > max) {
    char message[160];
    snprintf(message, sizeof message, "The value of \"%s\" is out of range. It must be <= %zu. Received %lld", name, max,
             (long long)index);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", message);
    return false;
  }
  *out = (size_t)index;
  return true;
}

napi_value seglog_copy_with_crc32c(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!seglog_args(env, info, 6, argv)) return NULL;
  const uint8_t *source, *target_view;
  size_t source_length, target_length;
  if (!view_bytes(env, argv[0], &source, &source_length) || !view_bytes(env, argv[3], &target_view, &target_length)) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE",
                          "The \"source\" and \"target\" arguments must be instances of Buffer, TypedArray, or DataView");
    return NULL;
  }
  size_t source_end, source_start, crc_start, target_start;
  if (!arg_index(env, argv[2], "sourceEnd", source_length, &source_end) ||
      !arg_index(env, argv[1], "sourceStart", source_end, &source_start) ||
      !arg_index(env, argv[5], "crcStart", source_end, &crc_start) ||
      !arg_index(env, argv[4], "targetStart", target_length, &target_start)) {
    return NULL;
  }
  size_t length = source_end - source_start;
  if (crc_start < source_start || length > target_length - target_start) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "copyWithCrc32c: crcStart or the target range is out of range");
    return NULL;
  }
  const uint8_t *from = source + source_start;
  uint8_t *to = (uint8_t *)target_view + target_start;
  if (length > 0 && from < to + length && to < from + length) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "copyWithCrc32c: the source and target ranges overlap");
    return NULL;
  }
  size_t head = crc_start - source_start;
  memcpy(to, from, head);
  uint32_t crc = ~0u;
  for (size_t done = head; done < length;) {
    size_t n = length - done < COPY_CHUNK_BYTES ? length - done : COPY_CHUNK_BYTES;
    crc = crc32c_raw(crc, from + done, n);
    memcpy(to + done, from + done, n);
    done += n;
  }
  napi_value result;
  if (napi_create_uint32(env, ~crc, &result) != napi_ok) return seglog_throw_napi_failure(env, "copyWithCrc32c: napi_create_uint32");
  return result;
}
