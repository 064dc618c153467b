{
  # The seglog addon: plain C over Node-API (no node-addon-api), Linux system calls.
  # Built by scripts/build-native.mjs (`npm ci` runs it) into build/Release/seglog.node.
  "targets": [
    {
      "target_name": "seglog",
      "sources": [
        "native/binding.c",
        "native/crc32c.c",
        "native/mmap.c",
        "native/sendfile.c",
        "native/lock.c",
        "native/fallocate.c"
      ],
      "defines": ["NAPI_VERSION=8", "_FILE_OFFSET_BITS=64"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "cflags_c": ["-std=gnu11"],
      # node-gyp's common.gypi adds -O3 to Release builds; -O2 is what we measured and ship.
      "cflags!": ["-O3"],
      "libraries": ["-lpthread"]
    }
  ]
}
