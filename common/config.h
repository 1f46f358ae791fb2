/*
 * Configuration of both halves, read with libconfig. Every error names the
 * file and line; semantic errors (type, range, missing key, unknown client)
 * are caught at load time so that -n and SIGHUP can refuse a bad file.
 * This header holds what the halves share: the table walker, the keys and
 * checks both use, and the pieces common/ modules take (endpoints, media,
 * SIP over TCP, the hook). Each half's own keys and struct live in its
 * own folder (hrac/, hras/), which common/ never includes.
 */
#ifndef VOFW_CONFIG_H
#define VOFW_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CONFIG_ERRLEN	512

/* An address and port to listen on or send to. */
struct config_endpoint {
	char		*address;	/* numeric IPv4 or IPv6 */
	uint16_t	 port;
};

/* The public (hras) or inside (hrac) address media relays bind on. */
struct config_media {
	char		*address;
	uint16_t	 port_min;
	uint16_t	 port_max;
	int		 timeout;	/* seconds without RTP before a call's
					   media is torn down */
	/* Caps (hras only; 0: none): relay port pairs of one call, of the
	   calls one outside address set up, of one client's calls; calls
	   of one client. */
	int		 streams_per_call;
	int		 streams_per_source;
	int		 streams_per_client;
	int		 calls_per_client;
};

/*
 * Diagnostic datagram relay: datagrams received on `listen` cross the tunnel
 * and leave the other half towards its own `forward` address. Used by the
 * tests and the tunnel benchmark; off unless configured.
 */
struct config_hook {
	int			 enabled;
	struct config_endpoint	 listen;
	struct config_endpoint	 forward;
};

/*
 * Limits on SIP over TCP (sip.tcp): connections accepted in all and from
 * one address, connections we open ourselves (counted apart), and how
 * long an idle connection lives before and after its first valid message.
 */
struct config_sip_tcp {
	int		 conns_max;	/* sip.tcp.conns_max: accepted */
	int		 per_address;	/* sip.tcp.conns_per_address */
	int		 out_max;	/* sip.tcp.outgoing_max: ours */
	int		 idle;		/* sip.tcp.idle, seconds */
	int		 first_timeout;	/* sip.tcp.first_timeout, seconds
					   until a first valid message */
};

/* A parsed http:// or https:// URL: hrac's server, or its proxy. */
struct config_url {
	int		 tls;		/* https:// */
	char		 host[256];	/* name or address, IPv6 unbracketed */
	uint16_t	 port;		/* 80 or 443 unless given */
	char		 path[256];	/* "/" unless given */
	char		 user[128];	/* percent-decoded userinfo, or "" */
	char		 pass[128];
};

int	 config_parse_url(const char *url, struct config_url *out);
int	 config_parse_hostport(const char *s, char *host, size_t hostlen,
	    uint16_t *port);
int	 config_privs_changed(const char *, int, const char *, int);
int	 config_relay_moved(const struct config_endpoint *,
	    const struct config_media *, const struct config_endpoint *,
	    const struct config_media *);

/*
 * Loader internals shared by config.c (the generic table walker) and the
 * key tables of the two halves; no other module uses them.
 * Each table lists a scope's keys by dotted path, a group before its
 * members, ending with CONFIG_KEY_END.
 */
struct config_setting_t;
struct config_ctx;

enum config_type {
	CONFIG_T_GROUP,		/* check gets the struct at offset */
	CONFIG_T_LIST,		/* list of groups read with sub into an array
				   at offset, count at aux; check gets base */
	CONFIG_T_INT,		/* int in min..max */
	CONFIG_T_SIZE,		/* size_t in min..max */
	CONFIG_T_PORT,		/* uint16_t in min..max */
	CONFIG_T_BOOL,		/* int, 0 or 1 */
	CONFIG_T_STRING,	/* char *, owned */
	CONFIG_T_STRINGS,	/* char ** at offset, count at aux; check runs
				   on each element */
	CONFIG_T_ENUM		/* int: index of the value in names */
};

#define CONFIG_REQUIRED	0x01	/* error if absent while its group exists */
#define CONFIG_PRESENCE	0x02	/* group: set the int at aux to 1 if there */

struct config_key {
	const char		 *path;
	enum config_type	  type;
	int			  flags;
	long long		  min;		/* value, or element count */
	long long		  max;
	long long		  def;		/* value when absent */
	size_t			  offset;
	size_t			  aux;
	const struct config_key	 *sub;
	size_t			  size;		/* LIST: element size */
	const char *const	 *names;	/* ENUM: NULL-terminated */
	int			(*check)(struct config_ctx *,
				    const struct config_setting_t *, void *);
};

#define CONFIG_KEY_GROUP(p, fl, off, chk)				\
	{ .path = (p), .type = CONFIG_T_GROUP, .flags = (fl),		\
	  .offset = (off), .check = (chk) }
#define CONFIG_KEY_FLAGGED(p, flagoff)					\
	{ .path = (p), .type = CONFIG_T_GROUP,				\
	  .flags = CONFIG_PRESENCE, .aux = (flagoff) }
#define CONFIG_KEY_NUM(p, t, fl, lo, hi, d, off)			\
	{ .path = (p), .type = (t), .flags = (fl), .min = (lo),	\
	  .max = (hi), .def = (d), .offset = (off) }
#define CONFIG_KEY_BOOL(p, off)						\
	{ .path = (p), .type = CONFIG_T_BOOL, .offset = (off) }
#define CONFIG_KEY_STRING(p, fl, off, chk)				\
	{ .path = (p), .type = CONFIG_T_STRING, .flags = (fl),		\
	  .offset = (off), .check = (chk) }
#define CONFIG_KEY_STRINGS(p, fl, lo, off, cnt, chk)			\
	{ .path = (p), .type = CONFIG_T_STRINGS, .flags = (fl),	\
	  .min = (lo), .offset = (off), .aux = (cnt), .check = (chk) }
#define CONFIG_KEY_LIST(p, fl, lo, off, cnt, tab, sz, chk)		\
	{ .path = (p), .type = CONFIG_T_LIST, .flags = (fl),		\
	  .min = (lo), .offset = (off), .aux = (cnt), .sub = (tab),	\
	  .size = (sz), .check = (chk) }
#define CONFIG_KEY_ENUM(p, off, tab, d)					\
	{ .path = (p), .type = CONFIG_T_ENUM, .offset = (off),		\
	  .names = (tab), .def = (d) }
#define CONFIG_KEY_END	{ .path = NULL }

/* RFC 3261 16.6: a proxy's INVITE may ring at least 3 minutes. */
#define CONFIG_TIMER_C	180

/* Keys both halves share, for a config struct type st. */
#define CONFIG_KEYS_SIP(st)						\
	CONFIG_KEY_GROUP("sip", CONFIG_REQUIRED, 0, NULL),		\
	CONFIG_KEY_STRING("sip.address", CONFIG_REQUIRED,		\
	    offsetof(st, sip.address), config_check_address),		\
	CONFIG_KEY_NUM("sip.port", CONFIG_T_PORT, 0, 1, 65535, 5060,	\
	    offsetof(st, sip.port)),					\
	CONFIG_KEY_GROUP("sip.tcp", 0, 0, NULL),			\
	CONFIG_KEY_NUM("sip.tcp.conns_max", CONFIG_T_INT, 0, 1, 65536,	\
	    1024, offsetof(st, sip_tcp.conns_max)),			\
	CONFIG_KEY_NUM("sip.tcp.conns_per_address", CONFIG_T_INT, 0, 1,	\
	    65536, 32, offsetof(st, sip_tcp.per_address)),		\
	CONFIG_KEY_NUM("sip.tcp.outgoing_max", CONFIG_T_INT, 0, 1,	\
	    65536, 1024, offsetof(st, sip_tcp.out_max)),		\
	CONFIG_KEY_NUM("sip.tcp.idle", CONFIG_T_INT, 0, 10, 86400, 300,	\
	    offsetof(st, sip_tcp.idle)),				\
	CONFIG_KEY_NUM("sip.tcp.first_timeout", CONFIG_T_INT, 0, 1,	\
	    300, 10, offsetof(st, sip_tcp.first_timeout)),	\
	CONFIG_KEY_NUM("sip.timer_c", CONFIG_T_INT, 0, 1, 3600,	\
	    CONFIG_TIMER_C, offsetof(st, timer_c))
#define CONFIG_KEYS_MEDIA(st)						\
	CONFIG_KEY_GROUP("media", CONFIG_REQUIRED, offsetof(st, media),	\
	    config_check_media),					\
	CONFIG_KEY_STRING("media.address", CONFIG_REQUIRED,		\
	    offsetof(st, media.address), config_check_address),	\
	CONFIG_KEY_NUM("media.port_min", CONFIG_T_PORT, 0, 1024, 65535,	\
	    20000, offsetof(st, media.port_min)),			\
	CONFIG_KEY_NUM("media.port_max", CONFIG_T_PORT, 0, 1024, 65535,	\
	    29999, offsetof(st, media.port_max)),			\
	CONFIG_KEY_NUM("media.timeout", CONFIG_T_INT, 0, 5, 3600, 30,	\
	    offsetof(st, media.timeout))
/*
 * Voice waits up to batch_wait µs for batch_bytes of records to share a
 * frame, and only as long as the voice rate says the batch takes to fill
 * (common/batch.h), in the queue or, under load, in the socket buffers
 * while the event loop paces itself (common/pace.h); docs/performance.md
 * has the trade between delay, bytes and CPU.
 */
#define CONFIG_BATCH_WAIT	1000
#define CONFIG_BATCH_BYTES	512
#define CONFIG_KEYS_BATCH(st)						\
	CONFIG_KEY_NUM("tunnel.batch_wait", CONFIG_T_INT, 0, 0, 100000,	\
	    CONFIG_BATCH_WAIT, offsetof(st, batch_wait)),		\
	CONFIG_KEY_NUM("tunnel.batch_bytes", CONFIG_T_SIZE, 0, 0, 16384,	\
	    CONFIG_BATCH_BYTES, offsetof(st, batch_bytes))
#define CONFIG_KEYS_LOG(st)						\
	CONFIG_KEY_GROUP("log", 0, 0, NULL),				\
	CONFIG_KEY_BOOL("log.debug", offsetof(st, log_debug)),		\
	CONFIG_KEY_BOOL("log.syslog", offsetof(st, log_syslog)),	\
	CONFIG_KEY_NUM("log.limit_lines", CONFIG_T_INT, 0, 1, 100000,	\
	    LOG_LIMIT_LINES, offsetof(st, log_limit_lines)),		\
	CONFIG_KEY_NUM("log.limit_interval", CONFIG_T_INT, 0, 1, 3600,	\
	    LOG_LIMIT_INTERVAL, offsetof(st, log_limit_interval))
/* Who a daemon started as root becomes once its sockets are open. */
#define CONFIG_USER	"vofw"
#define CONFIG_KEYS_PRIVS(st)						\
	CONFIG_KEY_STRING("user", 0, offsetof(st, user),		\
	    config_check_user),						\
	{ .path = "sandbox", .type = CONFIG_T_BOOL, .def = 1,		\
	  .offset = offsetof(st, sandbox) }
#define CONFIG_KEYS_HOOK_SIDE(st, side)					\
	CONFIG_KEY_GROUP("hook." #side, CONFIG_REQUIRED, 0, NULL),	\
	CONFIG_KEY_STRING("hook." #side ".address", CONFIG_REQUIRED,	\
	    offsetof(st, hook.side.address), config_check_address),	\
	CONFIG_KEY_NUM("hook." #side ".port", CONFIG_T_PORT,		\
	    CONFIG_REQUIRED, 1, 65535, 0, offsetof(st, hook.side.port))
#define CONFIG_KEYS_HOOK(st)						\
	CONFIG_KEY_FLAGGED("hook", offsetof(st, hook.enabled)),		\
	CONFIG_KEYS_HOOK_SIDE(st, listen),				\
	CONFIG_KEYS_HOOK_SIDE(st, forward)

/*
 * The control socket (ctl.h): control.socket defaults to
 * /run/vofw/<daemon>.sock ("" turns it off); ctl_check_path checks it
 * (include ctl.h).
 */
#define CONFIG_KEYS_CONTROL(st)						\
	CONFIG_KEY_GROUP("control", 0, 0, NULL),			\
	CONFIG_KEY_STRING("control.socket", 0, offsetof(st, control),	\
	    ctl_check_path)

/*
 * The metrics endpoint (metrics.h): off unless the group is there;
 * metrics.address defaults to loopback (CONFIG_METRICS_ADDRESS when NULL),
 * metrics.port to the half's own (9466 hras, 9467 hrac).
 */
#define CONFIG_METRICS_ADDRESS	"127.0.0.1"
#define CONFIG_KEYS_METRICS(st, defport)					\
	CONFIG_KEY_FLAGGED("metrics", offsetof(st, metrics_on)),	\
	CONFIG_KEY_STRING("metrics.address", 0,				\
	    offsetof(st, metrics.address), config_check_address),	\
	CONFIG_KEY_NUM("metrics.port", CONFIG_T_PORT, 0, 1, 65535,	\
	    (defport), offsetof(st, metrics.port))

int	 config_load(const char *path, const struct config_key *, void *base,
	    char *err, size_t);
void	 config_release(const struct config_key *, void *base);
int	 config_fail(struct config_ctx *, const struct config_setting_t *,
	    const char *, ...) __attribute__((format(printf, 3, 4)));
int	 config_oom(struct config_ctx *);

#define CONFIG_SECRET_BITS	128	/* least entropy of a client secret */
#define CONFIG_SECRET_MAX	1024	/* longest secret, in bytes */
int	 config_check_address(struct config_ctx *,
	    const struct config_setting_t *, void *);
int	 config_check_domain(struct config_ctx *,
	    const struct config_setting_t *, void *);
int	 config_check_id(struct config_ctx *, const struct config_setting_t *,
	    void *);
int	 config_check_secret(struct config_ctx *,
	    const struct config_setting_t *, void *);
unsigned int config_secret_bits(const char *);
int	 config_check_user(struct config_ctx *,
	    const struct config_setting_t *, void *);
int	 config_check_file(struct config_ctx *,
	    const struct config_setting_t *, void *);
int	 config_check_media(struct config_ctx *,
	    const struct config_setting_t *, void *);

#endif
