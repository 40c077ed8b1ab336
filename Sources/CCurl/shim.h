#ifndef TENANT_PROVISIONER_CCURL_SHIM_H
#define TENANT_PROVISIONER_CCURL_SHIM_H
#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call.
// These typed wrappers are the only way Swift code reaches them.

static inline CURLcode tp_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode tp_curl_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode tp_curl_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode tp_curl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode tp_curl_setopt_off_t(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }

typedef size_t (*tp_curl_data_callback)(char *ptr, size_t size, size_t nmemb, void *userdata);
typedef int (*tp_curl_xferinfo_callback)(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow);

static inline CURLcode tp_curl_setopt_data_callback(CURL *h, CURLoption o, tp_curl_data_callback f) { return curl_easy_setopt(h, o, f); }
static inline CURLcode tp_curl_setopt_xferinfo_callback(CURL *h, tp_curl_xferinfo_callback f) { return curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, f); }

// Passes PEM bytes held in memory (CAINFO_BLOB, SSLCERT_BLOB, SSLKEY_BLOB). libcurl copies them,
// so the caller's buffer only has to live for the duration of this call.
static inline CURLcode tp_curl_setopt_blob(CURL *h, CURLoption o, const void *data, size_t len) {
    struct curl_blob blob;
    blob.data = (void *)data;
    blob.len = len;
    blob.flags = CURL_BLOB_COPY;
    return curl_easy_setopt(h, o, &blob);
}

static inline CURLcode tp_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode tp_curl_getinfo_double(CURL *h, CURLINFO i, double *v) { return curl_easy_getinfo(h, i, v); }

// curl_multi_setopt is variadic too.
static inline CURLMcode tp_curl_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }

// CURLMsg keeps the transfer's result in a union; Swift reads it through this.
static inline CURLcode tp_curl_msg_result(const CURLMsg *msg) { return msg->data.result; }

#endif
