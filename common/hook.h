/*
 * The diagnostic datagram relay: datagrams sent to one half's hook address
 * cross the tunnel and leave the other half towards its configured forward
 * address. Lets a sysadmin (and the tests and benchmarks) check a tunnel
 * end to end without a phone; off unless configured.
 */
#ifndef VOFW_HOOK_H
#define VOFW_HOOK_H

#include <stddef.h>

struct event_base;
struct config_hook;
struct hook;

/* Hands a datagram received on the hook to the tunnel. */
typedef int (*hook_send_fn)(void *, const void *, size_t);

struct hook	*hook_new(struct event_base *, const struct config_hook *,
		    hook_send_fn, void *);
void		 hook_free(struct hook *);
void		 hook_deliver(struct hook *, const void *, size_t);

#endif
