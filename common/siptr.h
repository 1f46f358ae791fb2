/*
 * SIP transport for both halves (RFC 3261 section 18): one UDP socket and
 * one TCP listener on the same address and port, TCP connections framed by
 * Content-Length, every message checked and parsed (a bad request is
 * answered here, 400 or 513), and sending to an address over UDP or over
 * the TCP connection that address already has (or a new one). Accepted
 * TCP connections are capped in all and per address, and must send a
 * valid message soon; the ones we open are counted apart.
 */
#ifndef VOFW_SIPTR_H
#define VOFW_SIPTR_H

#include <stddef.h>

#include "sip.h"

struct config_sip_tcp;
struct event_base;
struct siptr;

/*
 * One parsed, checked message and where it came from (host, port,
 * transport); the transport frees it when the callback returns.
 */
typedef void (*siptr_recv_fn)(void *, osip_message_t *,
    const struct sip_addr *);

/*
 * Whether a message (buf, len) from an address may be handed up: 0 yes,
 * -1 drop it (and close the TCP connection it came on). With buf NULL, a
 * TCP connection from that address asks to be accepted.
 */
typedef int (*siptr_admit_fn)(void *, const struct sip_addr *, const char *,
    size_t);

struct siptr	*siptr_new(struct event_base *, const char *, uint16_t,
		    siptr_recv_fn, void *);
void		 siptr_free(struct siptr *);
void		 siptr_set_limits(struct siptr *,
		    const struct config_sip_tcp *);
void		 siptr_set_admit(struct siptr *, siptr_admit_fn, void *);
int		 siptr_send(struct siptr *, const struct sip_addr *,
		    const char *, size_t);
int		 siptr_send_msg(struct siptr *, osip_message_t *,
		    const struct sip_addr *);
void		 siptr_reply(struct siptr *, const osip_message_t *, int,
		    const char *);
int		 siptr_hop(struct siptr *, osip_message_t *,
		    const struct sip_addr *);
const struct sip_addr *siptr_self(const struct siptr *, int tcp);

#endif
