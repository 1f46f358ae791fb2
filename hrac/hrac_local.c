/*
 * The inside phones as hras confirmed them (paper appendix 4): hrac keeps
 * the bindings of the REGISTER answers it relays, so that a call from one
 * inside phone to another can be routed by hrac alone and never cross the
 * firewall, even while the tunnel is down. Only the company's domains are
 * learnt: those of hrac.conf's domains when it has them, else those hras's
 * registrar confirmed (it answers 2xx for its client's domains only, and
 * never passes on an outsider's answer to a REGISTER). When the tunnel
 * comes back up, hrac_sip.c walks them to register them at hras again.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <osipparser2/osip_port.h>

#include "clock.h"
#include "hrac.h"
#include "log.h"
#include "sip.h"

#define LOCAL_BINDINGS_MAX	4096
#define LOCAL_DOMAINS_MAX	64

struct hrac_binding {
	TAILQ_ENTRY(hrac_binding) entry;
	char			 aor[256];
	char			 contact[512];
	time_t			 expires;	/* monotonic */
};

struct hrac_local {
	TAILQ_HEAD(, hrac_binding) bindings;
	unsigned int		 nbindings;
	char			 domains[LOCAL_DOMAINS_MAX][128];
	int			 ndomains;
	int			 fixed;		/* domains from hrac.conf */
};

static void	hrac_local_expire(struct hrac_local *);
static void	hrac_local_domain(struct hrac_local *, const char *);

/* An empty table. */
struct hrac_local *
hrac_local_new(void)
{
	struct hrac_local	*l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	TAILQ_INIT(&l->bindings);
	return l;
}

/* Free the table. */
void
hrac_local_free(struct hrac_local *l)
{
	struct hrac_binding	*b;

	if (l == NULL)
		return;
	while ((b = TAILQ_FIRST(&l->bindings)) != NULL) {
		TAILQ_REMOVE(&l->bindings, b, entry);
		free(b);
	}
	free(l);
}

/*
 * The company's domains from hrac.conf (start, SIGHUP); with none, those
 * hras confirms (kept across a reload). Bindings of other domains are
 * forgotten.
 */
void
hrac_local_set_domains(struct hrac_local *l, char *const *domains, size_t n)
{
	struct hrac_binding	*b, *next;
	const char		*at;
	size_t			 i;

	/* None configured: what hras confirmed so far stays. */
	if (n == 0 && !l->fixed)
		return;
	l->ndomains = 0;
	l->fixed = n > 0;
	for (i = 0; i < n; i++)
		hrac_local_domain(l, domains[i]);
	if (!l->fixed)
		return;
	for (b = TAILQ_FIRST(&l->bindings); b != NULL; b = next) {
		next = TAILQ_NEXT(b, entry);
		if ((at = strchr(b->aor, '@')) != NULL &&
		    hrac_local_served(l, at + 1))
			continue;
		TAILQ_REMOVE(&l->bindings, b, entry);
		l->nbindings--;
		free(b);
	}
}

/* True when a domain is one of the company's (as far as hrac knows). */
int
hrac_local_served(const struct hrac_local *l, const char *domain)
{
	int	 i;

	for (i = 0; i < l->ndomains; i++)
		if (strcasecmp(l->domains[i], domain) == 0)
			return 1;
	return 0;
}

/* Remember a domain as the company's. */
static void
hrac_local_domain(struct hrac_local *l, const char *domain)
{
	if (hrac_local_served(l, domain))
		return;
	if (l->ndomains < LOCAL_DOMAINS_MAX && strlen(domain) <
	    sizeof(l->domains[0]))
		snprintf(l->domains[l->ndomains++], sizeof(l->domains[0]),
		    "%s", domain);
}

/* Forget bindings whose time is up. */
static void
hrac_local_expire(struct hrac_local *l)
{
	struct hrac_binding	*b, *next;
	time_t			 now = clock_now();

	for (b = TAILQ_FIRST(&l->bindings); b != NULL; b = next) {
		next = TAILQ_NEXT(b, entry);
		if (b->expires > now)
			continue;
		TAILQ_REMOVE(&l->bindings, b, entry);
		l->nbindings--;
		free(b);
	}
}

/* How many bindings are current (the phones registered, for STATUS=). */
unsigned int
hrac_local_count(struct hrac_local *l)
{
	hrac_local_expire(l);
	return l->nbindings;
}

/*
 * Take the bindings of a 2xx to a REGISTER: they replace what hrac knew of
 * that AOR (a phone that moved or unregistered is followed).
 */
void
hrac_local_learn(struct hrac_local *l, const osip_message_t *m)
{
	struct hrac_binding	*b, *next;
	osip_contact_t		*c;
	osip_generic_param_t	*ep;
	char			 aor[256], *uri;
	long			 expires;
	int			 i;

	if (sip_uri_aor(m->to->url, aor, sizeof(aor)) == -1)
		return;
	if (l->fixed && !hrac_local_served(l, m->to->url->host)) {
		log_info("REGISTER answer for %s not learnt: not one of the "
		    "company's domains", aor);
		return;
	}
	hrac_local_domain(l, m->to->url->host);
	for (b = TAILQ_FIRST(&l->bindings); b != NULL; b = next) {
		next = TAILQ_NEXT(b, entry);
		if (strcmp(b->aor, aor) != 0)
			continue;
		TAILQ_REMOVE(&l->bindings, b, entry);
		l->nbindings--;
		free(b);
	}
	for (i = 0; (c = osip_list_get(&m->contacts, i)) != NULL; i++) {
		if (c->url == NULL ||
		    (ep = sip_param(&c->gen_params, "expires")) == NULL ||
		    sip_delta_seconds(ep->gvalue, &expires) == -1 ||
		    expires == 0)
			continue;
		if (l->nbindings >= LOCAL_BINDINGS_MAX ||
		    (b = calloc(1, sizeof(*b))) == NULL)
			return;
		if (osip_uri_to_str(c->url, &uri) != 0) {
			free(b);
			continue;
		}
		snprintf(b->aor, sizeof(b->aor), "%s", aor);
		snprintf(b->contact, sizeof(b->contact), "%s", uri);
		osip_free(uri);
		b->expires = clock_now() + expires;
		TAILQ_INSERT_TAIL(&l->bindings, b, entry);
		l->nbindings++;
		log_debug("inside binding %s -> %s", b->aor, b->contact);
	}
}

/*
 * Where a request for this URI goes inside: 1 with the newest binding, 0
 * when the domain is ours but the user has no binding,
 * -1 when the URI is not of an inside domain hrac knows. user@<self> (as
 * phones dialling hrac's address send) stands for the user in any of them.
 */
int
hrac_local_lookup(struct hrac_local *l, const osip_uri_t *u, const char *self,
    struct hrac_local_hit *hit)
{
	struct hrac_binding	*b, *best = NULL;
	char			 aor[256];
	size_t			 ulen;
	int			 ours, byuser;

	if (u == NULL || u->host == NULL || u->username == NULL)
		return -1;
	byuser = strcmp(u->host, self) == 0 && l->ndomains > 0;
	ours = hrac_local_served(l, u->host);
	if ((!ours && !byuser) || sip_uri_aor(u, aor, sizeof(aor)) == -1)
		return -1;
	ulen = strlen(u->username) + 1;
	hrac_local_expire(l);
	TAILQ_FOREACH(b, &l->bindings, entry)
		if ((byuser ? strncmp(b->aor, aor, ulen) == 0 :
		    strcmp(b->aor, aor) == 0) &&
		    (best == NULL || b->expires > best->expires))
			best = b;
	if (best == NULL)
		return 0;
	snprintf(hit->aor, sizeof(hit->aor), "%s", best->aor);
	snprintf(hit->contact, sizeof(hit->contact), "%s", best->contact);
	return 1;
}

/*
 * The binding at position i (oldest first) for the control socket's
 * listing, with its seconds left; 0, or -1 past the end.
 */
int
hrac_local_nth(struct hrac_local *l, unsigned int i, struct hrac_local_hit *hit,
    long long *left)
{
	struct hrac_binding	*b;

	TAILQ_FOREACH(b, &l->bindings, entry)
		if (i-- == 0) {
			snprintf(hit->aor, sizeof(hit->aor), "%s", b->aor);
			snprintf(hit->contact, sizeof(hit->contact), "%s",
			    b->contact);
			*left = (long long)(b->expires - clock_now());
			return 0;
		}
	return -1;
}

/*
 * Call fn(arg, aor, contact, seconds left) for each binding still valid,
 * until it returns -1; the number of calls made.
 */
int
hrac_local_walk(struct hrac_local *l, int (*fn)(void *, const char *,
    const char *, long), void *arg)
{
	struct hrac_binding	*b;
	time_t			 now = clock_now();
	int			 n = 0;

	hrac_local_expire(l);
	TAILQ_FOREACH(b, &l->bindings, entry) {
		if (fn(arg, b->aor, b->contact, (long)(b->expires - now)) == -1)
			break;
		n++;
	}
	return n;
}
