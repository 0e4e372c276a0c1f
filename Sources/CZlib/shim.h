#include <zlib.h>

/// deflateInit/inflateInit are macros that pass the library version and the
/// stream size; Swift cannot call macros, so these wrap them.
static inline int visivo_deflate_init(z_streamp strm, int level) {
    return deflateInit(strm, level);
}
static inline int visivo_inflate_init(z_streamp strm) {
    return inflateInit(strm);
}
/// A gzip stream (RFC 1952) rather than a zlib one: window bits 15, plus 16.
static inline int visivo_inflate_init_gzip(z_streamp strm) {
    return inflateInit2(strm, 15 + 16);
}
