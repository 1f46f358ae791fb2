/*
 * The parts of hrac's half of the virtual SIP proxy (paper 3.1, 3.3): the
 * proxy for the inside phones (hrac_sip.c) and the media glue
 * (hrac_media.c), and the state they share.
 */
#ifndef VOFW_HRAC_SIP_H
#define VOFW_HRAC_SIP_H

#include <sys/queue.h>

#include <regex.h>
#include <stdint.h>
#include <time.h>

#include "call.h"
#include "crypto.h"
#include "hrac.h"

struct hrac_contact;

/* hrac's SIP side: its listener, calls, media relay and what it learnt. */
struct hrac_sip {
	struct hrac		*h;
	struct siptr		*sip;
	struct media		*media;
	struct vcit		*vcit;
	struct call_ctx		 calls;
	TAILQ_HEAD(, hrac_contact) contacts;
	unsigned int		 ncontacts;
	struct hrac_local	*local;
	struct hrac_txn		*txns;		/* who sent what it relayed */
	uint8_t			 branch_key[CRYPTO_KEYLEN];
	char			 rr_uri[128];
	regex_t			 users;		/* inside_proxy_users */
	int			 has_users;
	unsigned int		 refresh_sent;	/* REGISTERs awaiting hras */
	unsigned int		 refresh_failed;
	time_t			 note_sec;	/* refusal lines: this second, */
	unsigned int		 note_n;	/*   how many so far */
};

/* hrac_media.c */
int	 hrac_media_init(struct hrac_sip *);
void	 hrac_media_free(struct hrac_sip *);

#endif
