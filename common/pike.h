/*
 * Per-source request limiter (Kamailio's pike): a source address that
 * sends more than `requests` SIP requests within `window` seconds is
 * banned for `ban` seconds, and everything it sends meanwhile is dropped.
 * Sources are kept in a bounded table (the least recently seen forgotten
 * first), so spoofed addresses cannot exhaust memory; addresses on the
 * allow list are never counted. The caller passes the time, so the module
 * owns no timer and its tests need none.
 */
#ifndef VOFW_PIKE_H
#define VOFW_PIKE_H

#include <stddef.h>
#include <stdint.h>

#define PIKE_ALLOW_MAX		256	/* allow list entries */

/* An address prefix: IPv4 kept as IPv4-mapped IPv6. */
struct pike_net {
	uint8_t		addr[16];
	unsigned int	bits;		/* prefix length, 0..128 */
};

/* What a table enforces. */
struct pike_conf {
	unsigned int	 requests;	/* more than this many ... */
	unsigned int	 window;	/* ... in this many seconds ... */
	unsigned int	 ban;		/* ... bans for this many seconds */
	size_t		 sources;	/* addresses tracked at most */
	struct pike_net	*allow;
	size_t		 nallow;
};

struct pike;

int		 pike_net_parse(const char *, struct pike_net *);
struct pike	*pike_new(const struct pike_conf *);
void		 pike_free(struct pike *);
int		 pike_configure(struct pike *, const struct pike_conf *);
int		 pike_check(struct pike *, const char *host, int request,
		    uint64_t now_ms);
void		 pike_sweep(struct pike *, uint64_t now_ms);
size_t		 pike_count(const struct pike *);
size_t		 pike_banned(const struct pike *);

#endif
