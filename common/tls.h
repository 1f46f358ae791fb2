/*
 * The TLS context hras's tunnel listener serves with: built at start, by
 * -n to check the files, and again on SIGHUP for a renewed certificate.
 */
#ifndef VOFW_TLS_H
#define VOFW_TLS_H

#include <stddef.h>

struct ssl_ctx_st;

struct ssl_ctx_st *tls_server_ctx(const char *cert, const char *key,
		    char *err, size_t errlen);

#endif
