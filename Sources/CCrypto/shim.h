// OpenSSL's libcrypto, which libpq and libcurl load anyway: its SHA-256 (EVP_Digest).
#include <openssl/evp.h>
