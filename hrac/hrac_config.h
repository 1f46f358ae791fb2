/*
 * Configuration of hrac, the inside half: the keys of hrac.conf (its
 * credentials, the hras it tunnels to, perhaps through the company's HTTP
 * proxy, its inside listeners and how the tunnel behaves), read by the
 * table walker of common/config.h.
 */
#ifndef VOFW_HRAC_CONFIG_H
#define VOFW_HRAC_CONFIG_H

#include <stddef.h>

#include "config.h"
#include "lanes.h"

/* How hrac carries frames through whatever sits between it and hras. */
enum tunnel_mode {
	TUNNEL_MODE_AUTO,	/* probe at connect time */
	TUNNEL_MODE_STREAM,	/* chunked GET response + chunked POST */
	TUNNEL_MODE_POLL	/* short complete requests and responses */
};

/* How hrac authenticates to the proxy (proxy_auth.method). */
enum proxy_auth_method {
	PROXY_AUTH_AUTO,	/* the strongest scheme the proxy offers */
	PROXY_AUTH_BASIC,
	PROXY_AUTH_NTLM,
	PROXY_AUTH_NEGOTIATE	/* SPNEGO (Kerberos) through GSSAPI */
};

/* How hrac treats a call between two of its inside phones (paper 3.5). */
enum inside_calls {
	INSIDE_CALLS_LOCAL,	/* hrac routes it; nothing crosses */
	INSIDE_CALLS_HRAS,	/* set up through hras, voice phone to phone */
	INSIDE_CALLS_OFF	/* relayed through hras like any call */
};

struct hrac_config {
	char			*file;
	char			*user;		/* user: who a root start becomes
						   (NULL: CONFIG_USER) */
	int			 sandbox;
	int			 log_debug;
	int			 log_syslog;
	int			 log_limit_lines;
	int			 log_limit_interval;
	char			*id;
	char			*secret;
	char			*server;	/* http:// or https:// URL */
	char			*proxy;		/* http://[user:pass@]host:port,
						   or "auto" */
	char			*proxy_pac;	/* with "auto": a PAC file's
						   http:// URL or path */
	int			 proxy_pac_timeout; /* ms for its script */
	int			 proxy_auth_set; /* a proxy_auth group */
	enum proxy_auth_method	 proxy_auth_method;
	char			*proxy_auth_user;	/* NULL: none */
	char			*proxy_auth_password;	/* NULL: none */
	char			*proxy_auth_domain;	/* NTLM's; NULL: none */
	char			*tls_ca;	/* tls.ca: CA file to verify hras */
	char			*tls_fingerprint; /* tls.fingerprint: sha256
						     of hras's cert, as 64
						     lowercase hex digits */
	struct config_endpoint	 sip;
	struct config_sip_tcp	 sip_tcp;
	int			 timer_c;	/* sip.timer_c, seconds */
	struct config_media	 media;
	enum tunnel_mode	 mode;		/* tunnel.mode */
	int			 dead_after;	/* tunnel.timeout, seconds */
	int			 get_age;	/* tunnel.get_age: renew the GET
						   before it gets this old */
	int			 backoff_max;	/* tunnel.backoff_max, seconds */
	int			 lanes;		/* tunnel.lanes: connection
						   pairs carrying the frames */
	enum lanes_copies	 copies;	/* tunnel.copies: when the
						   later lanes carry them */
	size_t			 queue_max;	/* tunnel.queue_max, bytes */
	int			 batch_wait;	/* tunnel.batch_wait, µs */
	size_t			 batch_bytes;	/* tunnel.batch_bytes */
	enum inside_calls	 inside_calls;
	char			*inside_proxy;	/* inside PBX "address:port" */
	int			 sip_transactions; /* sip.transactions_max:
						     requests whose sender
						     hrac remembers */
	char			*inside_proxy_users; /* POSIX ERE on the user
						   of an outsider's R-URI
						   the PBX may get, or NULL */
	char			**domains;	/* the company's SIP domains, as
						   in its hras client entry */
	size_t			 ndomains;
	struct config_hook	 hook;
	char			*control;	/* control.socket, or NULL: the
						   default; "": none */
	int			 metrics_on;	/* a metrics group is there */
	struct config_endpoint	 metrics;	/* address NULL: loopback */
};

struct hrac_config *hrac_config_load(const char *path, char *err, size_t);
void	 hrac_config_free(struct hrac_config *);
int	 hrac_config_proxy_auth_changed(const struct hrac_config *,
	    const struct hrac_config *);

#define HRAC_METRICS_PORT	9467

#endif
