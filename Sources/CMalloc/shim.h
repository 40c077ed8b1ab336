// glibc's malloc.h, which Swift's Glibc module leaves out: malloc_trim, mallopt (M_ARENA_MAX)
// and mallinfo2 (glibc 2.33 and later; Debian bookworm has 2.36).
#include <malloc.h>
