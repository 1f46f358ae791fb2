/*
 * The SIP proxy core both halves share (RFC 3261 section 16), on libosip2:
 * bounded parsing of what arrives from the network, responses built from
 * requests, Via with branch and rport (RFC 3581), Record-Route and Route,
 * Max-Forwards. The halves decide where a message goes; this module only
 * knows how a proxy handles one.
 */
#ifndef VOFW_SIP_H
#define VOFW_SIP_H

#include <stddef.h>
#include <stdint.h>

#include <osipparser2/osip_message.h>
#include <osipparser2/osip_parser.h>

#define SIP_MSG_MAX		16384	/* bytes of one message */
#define SIP_LINE_MAX		2048	/* start line or header line */
#define SIP_HEADERS_MAX		128
#define SIP_VIAS_MAX		64	/* RFC 4475 3.1.1.7 has 34 */
#define SIP_BRANCH_LEN		48
#define SIP_MAX_FORWARDS	70
#define SIP_ALIAS		"vofw-alias"	/* a NAT'd Contact's real address */

/* Where a message came from or goes to. */
struct sip_addr {
	char		host[64];	/* numeric */
	uint16_t	port;
	int		tcp;
};

void	 sip_init(void);
osip_generic_param_t *sip_param(const osip_list_t *, const char *);
int	 sip_precheck(const char *, size_t, size_t *, int *, const char **);
int	 sip_parse(const char *, size_t, osip_message_t **, int *status,
	    const char **why);
int	 sip_serialize(osip_message_t *, char **, size_t *);
const char *sip_call_id(const osip_message_t *, char *, size_t);
osip_message_t *sip_reply(const osip_message_t *, int status,
	    const char *reason);
int	 sip_via_push(osip_message_t *, const struct sip_addr *,
	    const char *branch);
int	 sip_via_pop(osip_message_t *);
int	 sip_via_received(osip_message_t *, const struct sip_addr *);
int	 sip_via_target(const osip_message_t *, struct sip_addr *);
int	 sip_branch(const osip_message_t *, const uint8_t *key, size_t keylen,
	    char out[SIP_BRANCH_LEN]);
int	 sip_loop_check(const osip_message_t *, const char *branch_prefix);
int	 sip_max_forwards(osip_message_t *);
int	 sip_rr_push(osip_message_t *, const char *uri);
/* Which of a message's vofw-marked Record-Routes sip_rr_swap replaces. */
enum sip_rr_which {
	SIP_RR_FIRST,		/* nearest the callee */
	SIP_RR_LAST		/* nearest the caller */
};
int	 sip_rr_swap(osip_message_t *, const char *uri, enum sip_rr_which);
int	 sip_route_pop(osip_message_t *,
	    int (*)(const osip_uri_t *, void *), void *);
int	 sip_body(const osip_message_t *, const char **, size_t *);
int	 sip_set_body(osip_message_t *, const char *, size_t);
int	 sip_set_ruri(osip_message_t *, const char *uri);
int	 sip_uri_target(const osip_uri_t *, struct sip_addr *);
int	 sip_uri_usable(const osip_uri_t *);
int	 sip_delta_seconds(const char *, long *);
int	 sip_uri_aor(const osip_uri_t *, char *, size_t);
int	 sip_contact_alias(osip_message_t *, const struct sip_addr *,
	    const char *value);
int	 sip_alias_format(const struct sip_addr *, char *, size_t);
int	 sip_alias_parse(const char *, struct sip_addr *);
int	 sip_uri_alias(osip_uri_t *, char *, size_t);

#endif
