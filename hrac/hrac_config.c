/*
 * Keys of hrac.conf, the inside Half Relay Agent: its credentials, the hras
 * it tunnels to (perhaps through the company's HTTP proxy), its inside
 * listeners and how the tunnel behaves.  The generic walker in
 * common/config.c reads the table.
 */
#include <arpa/inet.h>

#include <ctype.h>
#include <libconfig.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctl.h"
#include "hrac_config.h"
#include "log.h"
#include "pacd.h"
#include "tunnel.h"

static int	hrac_config_check_server(struct config_ctx *,
		    const config_setting_t *, void *);
static int	hrac_config_check_pac(struct config_ctx *,
		    const config_setting_t *, void *);
static int	hrac_config_check_proxy(struct config_ctx *,
		    const config_setting_t *, void *);
static int	hrac_config_check_proxy_auth(struct config_ctx *,
		    const config_setting_t *, void *);
static int	hrac_config_check_fingerprint(struct config_ctx *,
		    const config_setting_t *, void *);
static int	hrac_config_check_inside_proxy(struct config_ctx *,
		    const config_setting_t *, void *);
static int	hrac_config_check_users(struct config_ctx *,
		    const config_setting_t *, void *);

/* The generic walker stores an enum value as an int. */
_Static_assert(sizeof(enum tunnel_mode) == sizeof(int),
    "enum tunnel_mode must be int-sized");

_Static_assert(sizeof(enum inside_calls) == sizeof(int),
    "enum inside_calls must be int-sized");

_Static_assert(sizeof(enum proxy_auth_method) == sizeof(int),
    "enum proxy_auth_method must be int-sized");

/* In the order of enum proxy_auth_method. */
static const char *const hrac_config_proxy_auth[] = {
	"auto", "basic", "ntlm", "negotiate", NULL
};

/* In the order of enum tunnel_mode. */
static const char *const hrac_config_modes[] = {
	"auto", "stream", "poll", NULL
};

/* In the order of enum lanes_copies. */
static const char *const hrac_config_copies[] = {
	"on-loss", "always", NULL
};

/* In the order of enum inside_calls. */
static const char *const hrac_config_inside_calls[] = {
	"local", "hras", "off", NULL
};

#define O(f)	offsetof(struct hrac_config, f)

static const struct config_key hrac_config_keys[] = {
	CONFIG_KEY_STRING("id", CONFIG_REQUIRED, O(id), config_check_id),
	CONFIG_KEY_STRING("secret", CONFIG_REQUIRED, O(secret),
	    config_check_secret),
	CONFIG_KEY_STRING("server", CONFIG_REQUIRED, O(server),
	    hrac_config_check_server),
	CONFIG_KEY_STRING("proxy", 0, O(proxy), hrac_config_check_proxy),
	{ .path = "proxy_auth", .type = CONFIG_T_GROUP,
	  .flags = CONFIG_PRESENCE, .aux = O(proxy_auth_set),
	  .check = hrac_config_check_proxy_auth },
	CONFIG_KEY_ENUM("proxy_auth.method", O(proxy_auth_method),
	    hrac_config_proxy_auth, PROXY_AUTH_AUTO),
	CONFIG_KEY_STRING("proxy_auth.user", 0, O(proxy_auth_user), NULL),
	CONFIG_KEY_STRING("proxy_auth.password", 0, O(proxy_auth_password),
	    NULL),
	CONFIG_KEY_STRING("proxy_auth.domain", 0, O(proxy_auth_domain), NULL),
	CONFIG_KEY_STRING("proxy_pac", 0, O(proxy_pac), hrac_config_check_pac),
	CONFIG_KEY_NUM("proxy_pac_timeout", CONFIG_T_INT, 0, PACD_TIMEOUT_MIN,
	    PACD_TIMEOUT_MAX, 1000, O(proxy_pac_timeout)),
	CONFIG_KEY_GROUP("tls", 0, 0, NULL),
	CONFIG_KEY_STRING("tls.ca", 0, O(tls_ca), config_check_file),
	CONFIG_KEY_STRING("tls.fingerprint", 0, O(tls_fingerprint),
	    hrac_config_check_fingerprint),
	CONFIG_KEYS_SIP(struct hrac_config),
	CONFIG_KEY_NUM("sip.transactions_max", CONFIG_T_INT, 0, 16, 1048576,
	    4096, O(sip_transactions)),
	CONFIG_KEYS_MEDIA(struct hrac_config),
	CONFIG_KEY_GROUP("tunnel", 0, 0, NULL),
	CONFIG_KEY_ENUM("tunnel.mode", O(mode), hrac_config_modes,
	    TUNNEL_MODE_AUTO),
	CONFIG_KEY_NUM("tunnel.timeout", CONFIG_T_INT, 0, 3, 3600, 45,
	    O(dead_after)),
	CONFIG_KEY_NUM("tunnel.get_age", CONFIG_T_INT, 0, 10, 86400, 240,
	    O(get_age)),
	CONFIG_KEY_NUM("tunnel.backoff_max", CONFIG_T_INT, 0, 1, 600, 30,
	    O(backoff_max)),
	CONFIG_KEY_NUM("tunnel.lanes", CONFIG_T_INT, 0, 1, TUNNEL_LANES, 2,
	    O(lanes)),
	CONFIG_KEY_ENUM("tunnel.copies", O(copies), hrac_config_copies,
	    LANES_COPY_ON_LOSS),
	CONFIG_KEY_NUM("tunnel.queue_max", CONFIG_T_SIZE, 0, 65536, 67108864,
	    1048576, O(queue_max)),
	CONFIG_KEYS_BATCH(struct hrac_config),
	CONFIG_KEY_ENUM("inside_calls", O(inside_calls),
	    hrac_config_inside_calls, INSIDE_CALLS_LOCAL),
	CONFIG_KEY_STRINGS("domains", 0, 1, O(domains), O(ndomains),
	    config_check_domain),
	CONFIG_KEY_STRING("inside_proxy", 0, O(inside_proxy),
	    hrac_config_check_inside_proxy),
	CONFIG_KEY_STRING("inside_proxy_users", 0, O(inside_proxy_users),
	    hrac_config_check_users),
	CONFIG_KEYS_LOG(struct hrac_config),
	CONFIG_KEYS_PRIVS(struct hrac_config),
	CONFIG_KEYS_HOOK(struct hrac_config),
	CONFIG_KEYS_CONTROL(struct hrac_config),
	CONFIG_KEYS_METRICS(struct hrac_config, HRAC_METRICS_PORT),
	CONFIG_KEY_END
};

/* Read and check hrac.conf; NULL with a "file:line: ..." message if bad. */
struct hrac_config *
hrac_config_load(const char *path, char *err, size_t errlen)
{
	struct hrac_config	*cfg;

	if ((cfg = calloc(1, sizeof(*cfg))) == NULL ||
	    (cfg->file = strdup(path)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		free(cfg);
		return NULL;
	}
	if (config_load(path, hrac_config_keys, cfg, err, errlen) == -1) {
		hrac_config_free(cfg);
		return NULL;
	}
	if (cfg->proxy_auth_set && cfg->proxy == NULL) {
		snprintf(err, errlen, "%s: proxy_auth needs proxy, the proxy "
		    "it authenticates to", path);
		hrac_config_free(cfg);
		return NULL;
	}
	if (cfg->proxy_pac != NULL && (cfg->proxy == NULL ||
	    strcmp(cfg->proxy, "auto") != 0)) {
		snprintf(err, errlen, "%s: proxy_pac needs proxy = \"auto\"",
		    path);
		hrac_config_free(cfg);
		return NULL;
	}
	/* Only requests for the company's own domains may reach its PBX. */
	if (cfg->inside_proxy != NULL && cfg->ndomains == 0) {
		snprintf(err, errlen, "%s: inside_proxy needs domains, the "
		    "company's SIP domains", path);
		hrac_config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* Free an hrac configuration and everything it owns. */
void
hrac_config_free(struct hrac_config *cfg)
{
	if (cfg == NULL)
		return;
	config_release(hrac_config_keys, cfg);
	free(cfg->file);
	free(cfg);
}

/* Whether two configurations authenticate to the proxy differently. */
int
hrac_config_proxy_auth_changed(const struct hrac_config *a,
    const struct hrac_config *b)
{
	const char *const	 fa[3] = { a->proxy_auth_user,
				    a->proxy_auth_password, a->proxy_auth_domain };
	const char *const	 fb[3] = { b->proxy_auth_user,
				    b->proxy_auth_password, b->proxy_auth_domain };
	size_t			 i;

	if (a->proxy_auth_set != b->proxy_auth_set ||
	    a->proxy_auth_method != b->proxy_auth_method)
		return 1;
	for (i = 0; i < 3; i++)
		if ((fa[i] == NULL) != (fb[i] == NULL) ||
		    (fa[i] != NULL && strcmp(fa[i], fb[i]) != 0))
			return 1;
	return 0;
}

/* Check that server is an http:// or https:// URL without credentials. */
static int
hrac_config_check_server(struct config_ctx *ctx, const config_setting_t *s,
    void *p)
{
	const char		*v = *(char **)p;
	struct config_url	 url;

	if (config_parse_url(v, &url) == -1)
		return config_fail(ctx, s, "\"%s\" is not an http:// or "
		    "https:// URL", v);
	if (url.user[0] != '\0')
		return config_fail(ctx, s, "credentials belong in the secret, "
		    "not the URL");
	return 0;
}

/*
 * Check that proxy is http://[user:pass@]host[:port] with no path, or
 * "auto" (found at each attempt: hrac_discover.c).
 */
static int
hrac_config_check_proxy(struct config_ctx *ctx, const config_setting_t *s,
    void *p)
{
	const char		*v = *(char **)p;
	struct config_url	 url;

	if (strcmp(v, "auto") == 0)
		return 0;
	if (config_parse_url(v, &url) == -1 || url.tls ||
	    strcmp(url.path, "/") != 0)
		return config_fail(ctx, s, "\"%s\" is not "
		    "http://[user:pass@]host:port", v);
	return 0;
}

/*
 * Check proxy_auth: Basic and NTLM need a user and a password; Negotiate
 * takes a password only with its user (without both, the credential
 * cache or keytab); the user is given here or in proxy's URL, not both.
 */
static int
hrac_config_check_proxy_auth(struct config_ctx *ctx, const config_setting_t *s,
    void *p)
{
	struct hrac_config	*c = p;
	struct config_url	 url;
	const char		*m = hrac_config_proxy_auth[c->proxy_auth_method];
	const char		*f;
	size_t			 i;

	if (c->proxy != NULL && config_parse_url(c->proxy, &url) == 0 &&
	    url.user[0] != '\0' && c->proxy_auth_user != NULL)
		return config_fail(ctx, s, "the user is in proxy's URL and in "
		    "proxy_auth.user: give it in one place");
	if (c->proxy_auth_password != NULL && c->proxy_auth_user == NULL)
		return config_fail(ctx, s, "proxy_auth.password needs "
		    "proxy_auth.user");
	if ((c->proxy_auth_method == PROXY_AUTH_BASIC ||
	    c->proxy_auth_method == PROXY_AUTH_NTLM) &&
	    (c->proxy_auth_user == NULL || c->proxy_auth_password == NULL) &&
	    (c->proxy == NULL || config_parse_url(c->proxy, &url) == -1 ||
	    url.user[0] == '\0'))
		return config_fail(ctx, s, "method \"%s\" needs user and "
		    "password", m);
	/* The NTLM messages cap each field (ntlm.h). */
	for (i = 0; i < 3; i++) {
		f = i == 0 ? c->proxy_auth_user : i == 1 ?
		    c->proxy_auth_password : c->proxy_auth_domain;
		if (f != NULL && (f[0] == '\0' || strlen(f) > 127))
			return config_fail(ctx, s, "proxy_auth.%s must have 1 "
			    "to 127 bytes", i == 0 ? "user" : i == 1 ?
			    "password" : "domain");
	}
	return 0;
}

/* Check proxy_pac: an http:// URL, or the path of a readable file. */
static int
hrac_config_check_pac(struct config_ctx *ctx, const config_setting_t *s,
    void *p)
{
	const char		*v = *(char **)p;
	struct config_url	 url;

	if (strncmp(v, "http://", 7) == 0) {
		if (config_parse_url(v, &url) == -1)
			return config_fail(ctx, s, "\"%s\" is not an http:// "
			    "URL", v);
		return 0;
	}
	if (v[0] != '/')
		return config_fail(ctx, s, "expected an http:// URL or an "
		    "absolute path");
	return config_check_file(ctx, s, p);
}

/* Check a SHA-256 fingerprint and store it as 64 lowercase hex digits. */
static int
hrac_config_check_fingerprint(struct config_ctx *ctx,
    const config_setting_t *s, void *p)
{
	char	*v = *(char **)p, hex[65];
	size_t	 i, n = 0;

	for (i = 0; v[i] != '\0'; i++) {
		/* Colons may only separate digits, as in "ab:cd:...". */
		if (v[i] == ':' && i > 0 && v[i + 1] != '\0' &&
		    v[i - 1] != ':')
			continue;
		if (!isxdigit((unsigned char)v[i]) || n == 64)
			break;
		hex[n++] = (char)tolower((unsigned char)v[i]);
	}
	if (v[i] != '\0' || n != 64)
		return config_fail(ctx, s, "expected a SHA-256 fingerprint: "
		    "64 hex digits, colons allowed");
	/* The normal form is never longer than what was written. */
	memcpy(v, hex, n);
	v[n] = '\0';
	return 0;
}

/* Check inside_proxy: a numeric IPv4 inside address and a port. */
static int
hrac_config_check_inside_proxy(struct config_ctx *ctx,
    const config_setting_t *s, void *p)
{
	const char	*v = *(char **)p;
	char		 host[64];
	uint16_t	 port;
	struct in_addr	 a;

	if (config_parse_hostport(v, host, sizeof(host), &port) == -1 ||
	    inet_pton(AF_INET, host, &a) != 1)
		return config_fail(ctx, s, "\"%s\" is not address:port "
		    "with a numeric IPv4 address", v);
	return 0;
}

/* Check inside_proxy_users: a POSIX extended regular expression. */
static int
hrac_config_check_users(struct config_ctx *ctx, const config_setting_t *s,
    void *p)
{
	const char	*v = *(char **)p;
	regex_t		 re;
	char		 why[128];
	int		 rc;

	if ((rc = regcomp(&re, v, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(rc, &re, why, sizeof(why));
		return config_fail(ctx, s, "\"%s\" is not a POSIX extended "
		    "regular expression: %s", v, why);
	}
	regfree(&re);
	return 0;
}
