/*
 * The parts of hras's half of the virtual SIP proxy (paper 3.1, 3.3) and
 * what they call of each other: the SIP entry points and dispatch
 * (hras_sip.c), the registrar (hras_registrar.c), topology hiding
 * (hras_topo.c), routing (hras_route.c) and the media glue
 * (hras_media.c).
 */
#ifndef VOFW_HRAS_SIP_H
#define VOFW_HRAS_SIP_H

#include <stdint.h>

#include "hras.h"

#define HRAS_TOKEN_PREFIX	"vofw-"	/* user part of a Contact token */
#define HRAS_BRANCH_PREFIX	"z9hG4bK-vofw-"
#define HRAS_VIA_PLAIN_MAX	1024	/* inside Vias hidden in one branch */
#define HRAS_SEALED_HEX(n)	(2 * (8 + (n) + CRYPTO_TAGLEN) + 1)
#define HRAS_VIA_SEALED_MAX	HRAS_SEALED_HEX(HRAS_VIA_PLAIN_MAX)

/* hras_sip.c */
int	 hras_sip_to_tunnel(struct hras *, const char *, osip_message_t *,
	    uint32_t);
void	 hras_sip_reply_tunnel(struct hras *, const char *,
	    const osip_message_t *, int);
void	 hras_sip_refuse_tunnel(struct hras *, const char *,
	    const osip_message_t *, int, const char *);

/* hras_registrar.c */
void	 hras_registrar_init(struct hras *);
void	 hras_registrar_free(struct hras *);
void	 hras_registrar_register(struct hras *, const char *,
	    osip_message_t *);
const struct hras_binding *hras_registrar_lookup(struct hras *,
	    const char *aor, const char *contact, const char *client);

/* hras_topo.c */
int	 hras_topo_init(struct hras *);
void	 hras_topo_free(struct hras *);
int	 hras_topo_ours(const osip_uri_t *, void *);
int	 hras_topo_branch_split(const char *, char *sealed, size_t,
	    char *client, size_t);
int	 hras_topo_via_hide(struct hras *, osip_message_t *,
	    const char *client, char *branch, size_t);
int	 hras_topo_via_restore(struct hras *, osip_message_t *,
	    const char *sealed);
int	 hras_topo_contacts_usable(const osip_message_t *);
int	 hras_topo_contact_out(struct hras *, const char *client,
	    osip_message_t *);
int	 hras_topo_token_open(struct hras *, const char *user, char *client,
	    size_t, char *uri, size_t);
int	 hras_topo_rr_hide(struct hras *, osip_message_t *, int below);
int	 hras_topo_rr_restore(struct hras *, osip_message_t *);
void	 hras_topo_route_pop(struct hras *, osip_message_t *, int outside);
int	 hras_topo_alias_mark(struct hras *, osip_message_t *,
	    const struct sip_addr *);
int	 hras_topo_alias_open(struct hras *, osip_uri_t *, struct sip_addr *);

/* hras_route.c */
int	 hras_route_init(struct hras *);
void	 hras_route_free(struct hras *);
void	 hras_route_request(struct hras *, const char *client, uint32_t,
	    osip_message_t *);
void	 hras_route_direct(struct hras *, const char *client,
	    osip_message_t *);
int	 hras_route_direct_response(struct hras *, const char *client,
	    osip_message_t *);

/* hras_media.c */
int	 hras_media_init(struct hras *);
void	 hras_media_free(struct hras *);

#endif
