#ifndef TENANT_PROVISIONER_CTHREAD_SHIM_H
#define TENANT_PROVISIONER_CTHREAD_SHIM_H
// pthread_setname_np is a GNU extension, which Swift's Glibc module does not show.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>

static inline int tp_pthread_setname(pthread_t thread, const char *name) { return pthread_setname_np(thread, name); }
#endif
