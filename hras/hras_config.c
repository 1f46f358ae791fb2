/*
 * Keys of hras.conf, the outside Half Relay Agent: the SIP domains it
 * serves, its public listeners, and the hracs (clients) allowed to open a
 * tunnel to it.  The generic walker in common/config.c reads the table.
 */
#include <arpa/inet.h>

#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "ctl.h"
#include "hras_config.h"
#include "log.h"
#include "pike.h"

static int	hras_config_check_tunnel(struct config_ctx *,
		    const config_setting_t *, void *);
static int	hras_config_check_tls(struct config_ctx *,
		    const config_setting_t *, void *);
static int	hras_config_check_clients(struct config_ctx *,
		    const config_setting_t *, void *);
static int	hras_config_check_upstream(struct config_ctx *,
		    const config_setting_t *, void *);
static int	hras_config_check_dns(struct config_ctx *,
		    const config_setting_t *, void *);
static int	hras_config_check_limits(struct config_ctx *,
		    const config_setting_t *, void *);
static int	hras_config_check_net(struct config_ctx *,
		    const config_setting_t *, void *);
static const struct config_client *hras_config_owner(
		    const struct hras_config *, size_t, const char *);

#define O(f)	offsetof(struct hras_config, f)
#define C(f)	offsetof(struct config_client, f)

static const struct config_key hras_config_client_keys[] = {
	CONFIG_KEY_STRING("id", CONFIG_REQUIRED, C(id), config_check_id),
	CONFIG_KEY_STRING("secret", CONFIG_REQUIRED, C(secret),
	    config_check_secret),
	CONFIG_KEY_STRINGS("domains", CONFIG_REQUIRED, 1, C(domains),
	    C(ndomains), config_check_domain),
	CONFIG_KEY_END
};

static const struct config_key hras_config_keys[] = {
	CONFIG_KEY_STRINGS("domains", CONFIG_REQUIRED, 1, O(domains),
	    O(ndomains), config_check_domain),
	CONFIG_KEYS_SIP(struct hras_config),
	CONFIG_KEYS_MEDIA(struct hras_config),
	CONFIG_KEY_NUM("media.streams_per_call", CONFIG_T_INT, 0, 1, 8, 4,
	    O(media.streams_per_call)),
	CONFIG_KEY_NUM("media.streams_per_source", CONFIG_T_INT, 0, 0, 65535,
	    256, O(media.streams_per_source)),
	CONFIG_KEY_NUM("media.streams_per_client", CONFIG_T_INT, 0, 0, 65535,
	    1024, O(media.streams_per_client)),
	CONFIG_KEY_NUM("media.calls_per_client", CONFIG_T_INT, 0, 0, 65536,
	    512, O(media.calls_per_client)),
	CONFIG_KEY_GROUP("tunnel", CONFIG_REQUIRED, 0,
	    hras_config_check_tunnel),
	CONFIG_KEY_STRING("tunnel.address", CONFIG_REQUIRED,
	    O(tunnel.address), config_check_address),
	CONFIG_KEY_NUM("tunnel.port", CONFIG_T_PORT, CONFIG_REQUIRED, 1, 65535,
	    0, O(tunnel.port)),
	CONFIG_KEY_NUM("tunnel.keepalive", CONFIG_T_INT, 0, 1, 300, 15,
	    O(keepalive)),
	CONFIG_KEY_NUM("tunnel.timeout", CONFIG_T_INT, 0, 3, 3600, 45,
	    O(dead_after)),
	CONFIG_KEY_NUM("tunnel.queue_max", CONFIG_T_SIZE, 0, 65536, 67108864,
	    1048576, O(queue_max)),
	CONFIG_KEYS_BATCH(struct hras_config),
	CONFIG_KEY_NUM("tunnel.conns_max", CONFIG_T_INT, 0, 16, 65536, 1024,
	    O(conns_max)),
	CONFIG_KEY_NUM("tunnel.unauth_max", CONFIG_T_INT, 0, 4, 65536, 256,
	    O(unauth_max)),
	CONFIG_KEY_NUM("tunnel.conns_per_address", CONFIG_T_INT, 0, 1, 65536,
	    32, O(conns_per_address)),
	CONFIG_KEY_NUM("tunnel.head_timeout", CONFIG_T_INT, 0, 1, 300, 10,
	    O(head_timeout)),
	CONFIG_KEY_NUM("tunnel.body_timeout", CONFIG_T_INT, 0, 1, 3600, 30,
	    O(body_timeout)),
	CONFIG_KEY_GROUP("tunnel.tls", 0, 0, hras_config_check_tls),
	CONFIG_KEY_STRING("tunnel.tls.cert", 0, O(tls_cert),
	    config_check_file),
	CONFIG_KEY_STRING("tunnel.tls.key", 0, O(tls_key), config_check_file),
	CONFIG_KEY_LIST("clients", CONFIG_REQUIRED, 1, O(clients),
	    O(nclients), hras_config_client_keys, sizeof(struct config_client),
	    hras_config_check_clients),
	CONFIG_KEY_STRING("upstream", 0, O(upstream),
	    hras_config_check_upstream),
	CONFIG_KEY_GROUP("dns", 0, 0, NULL),
	CONFIG_KEY_STRING("dns.server", 0, O(dns_server),
	    hras_config_check_dns),
	CONFIG_KEY_NUM("dns.timeout", CONFIG_T_INT, 0, 1, 30, 5,
	    O(dns_timeout)),
	CONFIG_KEY_GROUP("limits", 0, O(limits), hras_config_check_limits),
	CONFIG_KEY_NUM("limits.requests", CONFIG_T_INT, 0, 1, 100000, 16,
	    O(limits.requests)),
	CONFIG_KEY_NUM("limits.window", CONFIG_T_INT, 0, 1, 3600, 2,
	    O(limits.window)),
	CONFIG_KEY_NUM("limits.ban", CONFIG_T_INT, 0, 1, 86400, 300,
	    O(limits.ban)),
	CONFIG_KEY_NUM("limits.sources", CONFIG_T_SIZE, 0, 1024, 1048576,
	    65536, O(limits.sources)),
	CONFIG_KEY_STRINGS("limits.allow", 0, 0, O(limits.allow),
	    O(limits.nallow), hras_config_check_net),
	CONFIG_KEY_NUM("limits.bindings", CONFIG_T_INT, 0, 1, 100000, 1000,
	    O(limits.bindings)),
	CONFIG_KEY_NUM("limits.lookups", CONFIG_T_INT, 0, 1, 256, 32,
	    O(limits.lookups)),
	CONFIG_KEYS_LOG(struct hras_config),
	CONFIG_KEYS_PRIVS(struct hras_config),
	CONFIG_KEYS_HOOK(struct hras_config),
	CONFIG_KEYS_CONTROL(struct hras_config),
	CONFIG_KEYS_METRICS(struct hras_config, HRAS_METRICS_PORT),
	CONFIG_KEY_END
};

/* Read and check hras.conf; NULL with a "file:line: ..." message if bad. */
struct hras_config *
hras_config_load(const char *path, char *err, size_t errlen)
{
	struct hras_config	*cfg;

	if ((cfg = calloc(1, sizeof(*cfg))) == NULL ||
	    (cfg->file = strdup(path)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		free(cfg);
		return NULL;
	}
	if (config_load(path, hras_config_keys, cfg, err, errlen) == -1) {
		hras_config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* Free an hras configuration and everything it owns. */
void
hras_config_free(struct hras_config *cfg)
{
	if (cfg == NULL)
		return;
	config_release(hras_config_keys, cfg);
	free(cfg->file);
	free(cfg);
}

/* Find the client allowed to connect with this id, or NULL. */
const struct config_client *
hras_config_client(const struct hras_config *cfg, const char *id)
{
	size_t	 i;

	for (i = 0; i < cfg->nclients; i++)
		if (strcmp(cfg->clients[i].id, id) == 0)
			return &cfg->clients[i];
	return NULL;
}

/*
 * Check that a dead tunnel is declared only after keepalives were missed,
 * and that the pool of not yet admitted connections fits in the whole.
 */
static int
hras_config_check_tunnel(struct config_ctx *ctx, const config_setting_t *s,
    void *p)
{
	const struct hras_config	*cfg = p;
	const config_setting_t		*at;

	if (cfg->dead_after <= cfg->keepalive) {
		if ((at = config_setting_get_member(s, "timeout")) == NULL &&
		    (at = config_setting_get_member(s, "keepalive")) == NULL)
			at = s;
		return config_fail(ctx, at, "timeout %d must exceed "
		    "keepalive %d", cfg->dead_after, cfg->keepalive);
	}
	if (cfg->unauth_max > cfg->conns_max) {
		if ((at = config_setting_get_member(s, "unauth_max")) == NULL)
			at = s;
		return config_fail(ctx, at, "unauth_max %d must not exceed "
		    "conns_max %d", cfg->unauth_max, cfg->conns_max);
	}
	return 0;
}

/* Check that a TLS certificate and its key come together. */
static int
hras_config_check_tls(struct config_ctx *ctx, const config_setting_t *s,
    void *p)
{
	const struct hras_config	*cfg = p;

	if ((cfg->tls_cert == NULL) != (cfg->tls_key == NULL))
		return config_fail(ctx, s, "cert and key must be given "
		    "together");
	return 0;
}

/* Check client ids are unique and client domains are served, once each. */
static int
hras_config_check_clients(struct config_ctx *ctx, const config_setting_t *s,
    void *p)
{
	const struct hras_config	*cfg = p;
	const struct config_client	*c, *o;
	const config_setting_t		*e, *at;
	size_t				 i, j, d;

	for (i = 0; i < cfg->nclients; i++) {
		c = &cfg->clients[i];
		e = config_setting_get_elem(s, i);
		for (j = 0; j < i; j++)
			if (strcmp(cfg->clients[j].id, c->id) == 0)
				return config_fail(ctx,
				    config_setting_get_member(e, "id"),
				    "duplicate client id \"%s\"", c->id);
		for (d = 0; d < c->ndomains; d++) {
			at = config_setting_get_elem(
			    config_setting_get_member(e, "domains"), d);
			if (!hras_config_serves(cfg, c->domains[d]))
				return config_fail(ctx, at,
				    "unknown domain \"%s\"", c->domains[d]);
			/* Inbound calls to a domain need one tunnel. */
			if ((o = hras_config_owner(cfg, i, c->domains[d])) !=
			    NULL)
				return config_fail(ctx, at, "domain \"%s\" "
				    "already belongs to client \"%s\"",
				    c->domains[d], o->id);
		}
	}
	return 0;
}

/* Check that upstream is "host:port". */
static int
hras_config_check_upstream(struct config_ctx *ctx, const config_setting_t *s,
    void *p)
{
	const char	*v = *(char **)p;
	char		 host[256];
	uint16_t	 port;

	if (config_parse_hostport(v, host, sizeof(host), &port) == -1)
		return config_fail(ctx, s, "\"%s\" is not host:port", v);
	return 0;
}

/* Check that the DNS server is a numeric address, with a port or not. */
static int
hras_config_check_dns(struct config_ctx *ctx, const config_setting_t *s,
    void *p)
{
	const char	*v = *(char **)p;
	char		 host[64];
	unsigned char	 buf[16];
	uint16_t	 port;

	if (inet_pton(AF_INET, v, buf) == 1 || inet_pton(AF_INET6, v, buf) == 1)
		return 0;
	if (config_parse_hostport(v, host, sizeof(host), &port) == -1 ||
	    (inet_pton(AF_INET, host, buf) != 1 &&
	    inet_pton(AF_INET6, host, buf) != 1))
		return config_fail(ctx, s, "\"%s\" is not a numeric address "
		    "with an optional :port", v);
	return 0;
}

/* Check that the allow list fits the limiter's table. */
static int
hras_config_check_limits(struct config_ctx *ctx, const config_setting_t *s,
    void *p)
{
	const struct config_limits	*l = p;

	if (l->nallow > PIKE_ALLOW_MAX)
		return config_fail(ctx, config_setting_get_member(s, "allow"),
		    "%zu entries, at most %d", l->nallow, PIKE_ALLOW_MAX);
	return 0;
}

/* Check that an allow list entry is an address or a prefix (CIDR). */
static int
hras_config_check_net(struct config_ctx *ctx, const config_setting_t *s,
    void *p)
{
	const char	*v = *(char **)p;
	struct pike_net	 net;

	if (pike_net_parse(v, &net) == -1)
		return config_fail(ctx, s, "\"%s\" is not an address or "
		    "address/prefix-length (host bits clear)", v);
	return 0;
}

/* Tell whether a domain is one of the top-level domains (one hras serves). */
int
hras_config_serves(const struct hras_config *cfg, const char *domain)
{
	size_t	 i;

	for (i = 0; i < cfg->ndomains; i++)
		if (strcasecmp(cfg->domains[i], domain) == 0)
			return 1;
	return 0;
}

/* Find which of the first n clients already has a domain, or NULL. */
static const struct config_client *
hras_config_owner(const struct hras_config *cfg, size_t n,
    const char *domain)
{
	size_t	 i, d;

	for (i = 0; i < n; i++)
		for (d = 0; d < cfg->clients[i].ndomains; d++)
			if (strcasecmp(cfg->clients[i].domains[d], domain) == 0)
				return &cfg->clients[i];
	return NULL;
}
