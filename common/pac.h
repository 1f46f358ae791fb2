/*
 * Proxy auto-configuration, the parts without a network: a PAC script's
 * FindProxyForURL run by duktape with the standard helper functions
 * (dnsDomainIs, shExpMatch, isInNet, myIpAddress, dnsResolve, ...), the
 * first usable entry of its answer, and the environment's proxy variables
 * (https_proxy, http_proxy, no_proxy). hrac_discover.c fetches the script
 * and resolves names; this module only computes.
 */
#ifndef VOFW_PAC_H
#define VOFW_PAC_H

#include <stddef.h>
#include <stdint.h>

#define PAC_SCRIPT_MAX	(256 * 1024)	/* bytes of a PAC file */
#define PAC_HEAP_MAX	(32 * 1024 * 1024) /* the script's memory */
#define PAC_RESULT_MAX	1024

/* What a script may learn of the network: computed beforehand, since a
 * script runs without waiting on anything. */
struct pac_net {
	char		 my_ip[64];	/* myIpAddress(); "" for 127.0.0.1 */
	const char	*host;		/* the host asked about */
	char		 host_ip[64];	/* its address; "" if it has none */
};

int	 pac_run(const char *script, size_t len, const char *url,
	    const struct pac_net *, char *out, size_t outlen, char *err,
	    size_t errlen);
int	 pac_pick(const char *result, char *proxy, size_t len);
int	 pac_no_proxy(const char *list, const char *host, uint16_t port);
const char *pac_env_proxy(int tls, const char **name);

#endif
