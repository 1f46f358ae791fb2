/*
 * What fuzz_hras and fuzz_hrac share: the input format, the phones on
 * loopback that send to a half and read what it sends them, a clock the
 * input moves, and the checks of what a half hands its tunnel. See
 * froute.c for the format.
 */
#ifndef VOFW_FROUTE_H
#define VOFW_FROUTE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "sip.h"

struct event_base;

enum froute_entry {
	FR_PHONE,		/* [opts][message] from a phone */
	FR_TUNNEL_SIP,		/* [opts][flow:4][message] from the far half */
	FR_TUNNEL_MEDIA,	/* [opts][flow:4][payload] from the far half */
	FR_PHONE_MEDIA,		/* [opts][pair][payload] to a relay port */
	FR_ANSWER,		/* [opts][sel][rest]: a peer answers, or
				   sends a request in a dialog */
	FR_CLOCK,		/* [seconds:2] pass */
	FR_SEQ,			/* ([len:2][record])...: several of the above */
	FR_ENTRIES
};

/* Bits of the opts byte; each half gives the rest a meaning of its own. */
#define FR_O_WHO	0x03	/* which phone; client (bit 0) on hras */
#define FR_O_TCP	0x04	/* FR_PHONE: over TCP; media: RTCP;
				   FR_ANSWER: the far half answers */
#define FR_O_LIVE	0x08	/* flow of a call the half announced */
#define FR_O_HALF	0x70	/* per half */
#define FR_O_DOWN	0x80	/* tunnel down, or its queue full */

#define FR_PHONES	4
#define FR_SETTLE	4	/* loop turns after each record */
#define FR_RESET_EVERY	1000	/* inputs between fresh halves */
#define FR_FLOWS	16	/* flow bases remembered */

/* What a peer of the half (a phone, the far half) last got from it. */
struct froute_peer {
	char		 via[32];	/* host:port of its requests' Via */
	char		 req[SIP_MSG_MAX + 1];
	size_t		 reqlen;
	char		 resp[SIP_MSG_MAX + 1];
	size_t		 resplen;
	uint32_t	 flow[2];	/* the far half: flow and client of */
	char		 client[2][65];	/*   the request's and response's frame */
};

/* A phone or server on the half's side of the network, on loopback. */
struct froute_phone {
	char		 host[16];
	uint16_t	 port;
	int		 udp;
	int		 tcp;	/* connected to the half, or -1 */
	struct froute_peer peer;
};

/* One record of the input, decoded. */
struct froute_rec {
	enum froute_entry	 entry;
	uint8_t			 opts;
	uint32_t		 flow;		/* FR_TUNNEL_*, FR_O_LIVE applied */
	uint8_t			 sel;		/* FR_PHONE_MEDIA: pair,
						   FR_ANSWER: status */
	const uint8_t		*data;
	size_t			 len;
};

struct froute {
	struct event_base	*base;
	const char		*self;		/* the half's SIP address */
	uint16_t		 self_port;
	const char		*media;		/* its media address */
	uint16_t		 media_port;	/* and first relay port */
	unsigned int		 media_pairs;
	struct froute_phone	 phone[FR_PHONES];
	struct froute_peer	 tun;		/* the far half */
	uint32_t		 flows[FR_FLOWS];	/* flow bases seen */
	unsigned int		 nflows;
	unsigned int		 flownext;	/* ring position */
	unsigned long		 inputs;
	unsigned long		 stats[8];	/* frames by type, and more */
};

#define FR_ST_UNPARSED	0	/* stats[]: SIP frames the far half would
				   refuse */

void	 froute_init(struct froute *, const char *ident, struct event_base *);
char	*froute_conf(const char *ident, const char *text);
void	 froute_fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	 froute_phone(struct froute *, int, const char *, uint16_t);
int	 froute_input(struct froute *, const uint8_t *, size_t,
	    void (*)(struct froute *, const struct froute_rec *, void *),
	    void *);
void	 froute_send(struct froute *, int phone, int tcp, const void *,
	    size_t);
void	 froute_media(struct froute *, const struct froute_rec *);
size_t	 froute_reply(struct froute *, const struct froute_rec *, char *,
	    size_t, uint32_t *, const char **);
void	 froute_settle(struct froute *);
void	 froute_reset(struct froute *);
int	 froute_frame(struct froute *, const char *client, unsigned int,
	    uint32_t, const void *, size_t);
time_t	 froute_now(void);

#endif
