/*
 * The parts of hras's half of the virtual SIP proxy (paper 3.1, 3.3) and
 * what they call of each other: the SIP entry points and dispatch
 * (hras_sip.c) and the registrar (hras_registrar.c).
 */
#ifndef VOFW_HRAS_SIP_H
#define VOFW_HRAS_SIP_H

#include <stdint.h>

#include "hras.h"

/* hras_sip.c */
int	 hras_sip_served(const struct hras *, const char *);
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

#endif
