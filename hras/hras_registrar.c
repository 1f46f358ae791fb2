/*
 * hras as the registrar of the domains it serves (paper 3.1): the
 * bindings of the inside phones behind each client, learnt from the
 * REGISTERs that come through its tunnel, so that a request from outside
 * for user@domain finds the client and phone it goes to.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <osipparser2/osip_port.h>

#include "clock.h"
#include "config.h"
#include "hras_config.h"
#include "hras_sip.h"
#include "log.h"

static unsigned int hras_registrar_bindings_of(const struct hras *,
		    const char *);
static void	hras_registrar_expire(struct hras *);
static int	hras_registrar_check(const osip_message_t *, int);

/* Start with no bindings. */
void
hras_registrar_init(struct hras *h)
{
	TAILQ_INIT(&h->bindings);
}

/* Forget every binding (shutdown). */
void
hras_registrar_free(struct hras *h)
{
	struct hras_binding	*b;

	while ((b = TAILQ_FIRST(&h->bindings)) != NULL) {
		TAILQ_REMOVE(&h->bindings, b, entry);
		free(b);
	}
}

/* How many bindings a client has. */
static unsigned int
hras_registrar_bindings_of(const struct hras *h, const char *client)
{
	const struct hras_binding	*b;
	unsigned int			 n = 0;

	TAILQ_FOREACH(b, &h->bindings, entry)
		if (strcmp(b->client, client) == 0)
			n++;
	return n;
}

/* Forget bindings whose time is up. */
static void
hras_registrar_expire(struct hras *h)
{
	struct hras_binding	*b, *next;
	time_t			 now = clock_now();

	for (b = TAILQ_FIRST(&h->bindings); b != NULL; b = next) {
		next = TAILQ_NEXT(b, entry);
		if (b->expires > now)
			continue;
		log_info("binding %s -> %s expired", b->aor, b->contact);
		TAILQ_REMOVE(&h->bindings, b, entry);
		h->nbindings--;
		free(b);
	}
}

/*
 * The newest live binding of an AOR (with this contact, of this client, if
 * given).
 */
const struct hras_binding *
hras_registrar_lookup(struct hras *h, const char *aor, const char *contact,
    const char *client)
{
	struct hras_binding	*b, *best = NULL;

	const char		*at = strchr(aor, '@');
	size_t			 ulen = at != NULL ? (size_t)(at - aor) + 1 : 0;
	int			 byuser;

	/* user@<hras's address> stands for that user in any served domain. */
	byuser = at != NULL && strcmp(at + 1, h->conf->sip.address) == 0;
	hras_registrar_expire(h);
	TAILQ_FOREACH(b, &h->bindings, entry)
		if ((byuser ? strncmp(b->aor, aor, ulen) == 0 :
		    strcmp(b->aor, aor) == 0) && (contact == NULL ||
		    strcmp(b->contact, contact) == 0) && (client == NULL ||
		    strcmp(b->client, client) == 0) && (best == NULL ||
		    b->expires > best->expires))
			best = b;
	return best;
}

/*
 * True when every Contact of a REGISTER can be taken (RFC 3261 10.3 takes
 * all or none): a sip: URI with an address hrac can send to, as it does
 * with a binding, and an expires parameter, if any, in delta-seconds; or
 * a lone "*" with Expires: 0 (expires0).
 */
static int
hras_registrar_check(const osip_message_t *m, int expires0)
{
	osip_contact_t		*c;
	osip_generic_param_t	*ep;
	struct sip_addr		 to;
	long			 secs;
	int			 i;

	for (i = 0; (c = osip_list_get(&m->contacts, i)) != NULL; i++) {
		if (c->url == NULL && c->displayname != NULL &&
		    strcmp(c->displayname, "*") == 0) {
			if (!expires0 || osip_list_size(&m->contacts) != 1)
				return 0;
		} else if (sip_uri_target(c->url, &to) == -1 ||
		    ((ep = sip_param(&c->gen_params, "expires")) != NULL &&
		    sip_delta_seconds(ep->gvalue, &secs) == -1))
			return 0;
	}
	return 1;
}

/*
 * REGISTER from an inside phone through its client's tunnel (RFC 3261
 * 10.3): only for the client's own domains and with usable Contacts; add,
 * refresh or remove bindings and answer with the AOR's bindings.
 */
void
hras_registrar_register(struct hras *h, const char *client, osip_message_t *m)
{
	const struct config_client	*cl = hras_config_client(h->conf,
					    client);
	struct hras_binding		*b, *next;
	osip_contact_t			*c;
	osip_header_t			*eh;
	osip_generic_param_t		*ep;
	osip_message_t			*r;
	char				 aor[256], *uri, val[600];
	long				 expires, dflt = HRAS_EXPIRES_DEFAULT;
	size_t				 i;
	int				 k, ok = 0, expires0 = 0;

	if (cl == NULL || sip_uri_aor(m->to->url, aor, sizeof(aor)) == -1) {
		hras_sip_reply_tunnel(h, client, m, 400);
		return;
	}
	for (i = 0; i < cl->ndomains; i++)
		if (strcasecmp(cl->domains[i], m->to->url->host) == 0)
			ok = 1;
	if (!ok) {
		log_warnx("client %s: REGISTER for %s refused: not its domain",
		    client, aor);
		hras_sip_reply_tunnel(h, client, m, 403);
		return;
	}
	if (osip_message_header_get_byname(m, "expires", 0, &eh) >= 0) {
		if (sip_delta_seconds(eh->hvalue, &dflt) == -1) {
			log_warnx("client %s: REGISTER for %s refused: bad "
			    "Expires", client, aor);
			hras_sip_refuse_tunnel(h, client, m, 400,
			    "Bad Expires");
			return;
		}
		expires0 = dflt == 0;
	}
	if (!hras_registrar_check(m, expires0)) {
		log_warnx("client %s: REGISTER for %s refused: unusable Contact",
		    client, aor);
		hras_sip_refuse_tunnel(h, client, m, 400, "Unusable Contact");
		return;
	}
	hras_registrar_expire(h);
	for (k = 0; (c = osip_list_get(&m->contacts, k)) != NULL; k++) {
		if (c->displayname != NULL && strcmp(c->displayname, "*") == 0) {
			/* Contact: * with Expires: 0 removes everything. */
			for (b = TAILQ_FIRST(&h->bindings); b != NULL;
			    b = next) {
				next = TAILQ_NEXT(b, entry);
				if (strcmp(b->aor, aor) != 0)
					continue;
				TAILQ_REMOVE(&h->bindings, b, entry);
				h->nbindings--;
				free(b);
			}
			continue;
		}
		if (c->url == NULL || osip_uri_to_str(c->url, &uri) != 0)
			continue;
		expires = dflt;
		/* Checked by hras_registrar_check. */
		if ((ep = sip_param(&c->gen_params, "expires")) != NULL)
			(void)sip_delta_seconds(ep->gvalue, &expires);
		if (expires > HRAS_EXPIRES_MAX)
			expires = HRAS_EXPIRES_MAX;
		TAILQ_FOREACH(b, &h->bindings, entry)
			if (strcmp(b->aor, aor) == 0 &&
			    strcmp(b->contact, uri) == 0)
				break;
		if (expires == 0) {
			if (b != NULL) {
				TAILQ_REMOVE(&h->bindings, b, entry);
				h->nbindings--;
				free(b);
				log_info("client %s: %s unregistered %s", client,
				    aor, uri);
			}
		} else if (b == NULL && (h->nbindings >= HRAS_BINDINGS_MAX ||
		    hras_registrar_bindings_of(h, client) >=
		    (unsigned int)h->conf->limits.bindings ||
		    (b = calloc(1, sizeof(*b))) == NULL)) {
			if (hras_limit_note())
				log_warnx("client %s: REGISTER for %s refused: "
				    "%u bindings of its own (%u in all)", client,
				    aor, hras_registrar_bindings_of(h, client),
				    h->nbindings);
			osip_free(uri);
			hras_sip_refuse_tunnel(h, client, m, 503,
			    "Too Many Bindings");
			return;
		} else {
			if (b->aor[0] == '\0') {
				snprintf(b->aor, sizeof(b->aor), "%s", aor);
				snprintf(b->contact, sizeof(b->contact), "%s",
				    uri);
				TAILQ_INSERT_TAIL(&h->bindings, b, entry);
				h->nbindings++;
				log_info("client %s: %s registered at %s",
				    client, aor, uri);
			}
			snprintf(b->client, sizeof(b->client), "%s", client);
			b->expires = clock_now() + expires;
		}
		osip_free(uri);
	}
	if ((r = sip_reply(m, 200, NULL)) == NULL)
		return;
	TAILQ_FOREACH(b, &h->bindings, entry) {
		if (strcmp(b->aor, aor) != 0)
			continue;
		snprintf(val, sizeof(val), "<%s>;expires=%lld", b->contact,
		    (long long)(b->expires - clock_now()));
		osip_message_set_contact(r, val);
	}
	hras_sip_to_tunnel(h, client, r, 0);
	osip_message_free(r);
}
