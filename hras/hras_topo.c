/*
 * hras's topology hiding (paper 3.3): to the outside, hras is the one
 * proxy hop in front of every inside phone. The Vias and Record-Routes
 * the inside added are sealed into hras's own on the way out and put back
 * on the way in; inside Contacts go out as sealed tokens on hras; and the
 * Contacts of outside senders carry a sealed alias of where they came
 * from. Only this hras can open what it sealed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <osipparser2/osip_port.h>

#include "config.h"
#include "hras_config.h"
#include "hras_sip.h"

#define RR_PARAM	"vofw-rr"	/* inside Record-Routes, sealed */
#define RR_PLAIN_MAX	512
#define TOKEN_PLAIN_MAX	600
#define ALIAS_PLAIN_MAX	80	/* sip_alias_format's text */
#define ALIAS_SEALED	HRAS_SEALED_HEX(ALIAS_PLAIN_MAX)
#define SEALED_MAX	(8 + RR_PLAIN_MAX + HRAS_VIA_PLAIN_MAX + CRYPTO_TAGLEN)

static int	hras_topo_line_add(char *, size_t, size_t *, char *);
static int	hras_topo_seal(struct crypto_aead *, uint64_t, const char *,
		    size_t, char *, size_t);
static int	hras_topo_unseal(struct crypto_aead *, const char *, char *,
		    size_t);
static osip_record_route_t *hras_topo_rr_ours(struct hras *,
		    osip_message_t *, int, int *);
static int	hras_topo_rr_open(struct hras *, const osip_uri_t *, char *,
		    size_t);

/* Draw the keys that seal what hras hides. */
int
hras_topo_init(struct hras *h)
{
	uint8_t	 key[CRYPTO_KEYLEN];

	if (crypto_random(key, sizeof(key)) == -1 ||
	    crypto_aead_init(&h->token_key, key, "contact") == -1 ||
	    crypto_aead_init(&h->via_key, key, "via") == -1 ||
	    crypto_aead_init(&h->route_key, key, "route") == -1 ||
	    crypto_aead_init(&h->alias_key, key, "alias") == -1 ||
	    crypto_random(h->branch_key, sizeof(h->branch_key)) == -1 ||
	    crypto_random(&h->token_seq, sizeof(h->token_seq)) == -1)
		return -1;
	return 0;
}

/* Forget the keys (shutdown). */
void
hras_topo_free(struct hras *h)
{
	crypto_aead_clear(&h->token_key);
	crypto_aead_clear(&h->via_key);
	crypto_aead_clear(&h->route_key);
	crypto_aead_clear(&h->alias_key);
}

/* A Route or Record-Route URI that names this hras. */
int
hras_topo_ours(const osip_uri_t *u, void *arg)
{
	struct hras	*h = arg;
	unsigned long	 port = u->port != NULL ? strtoul(u->port, NULL, 10) :
	    5060;

	return u->host != NULL && strcmp(u->host, h->conf->sip.address) == 0 &&
	    port == h->conf->sip.port;
}

/*
 * Take a branch of ours apart: "z9hG4bK-vofw-" HASH "." SEALED "." CLIENT,
 * where SEALED is the hex of the inside Vias sealed by hras_topo_via_hide.
 */
int
hras_topo_branch_split(const char *branch, char *sealed, size_t slen,
    char *client, size_t clen)
{
	const char	*p, *dot;

	if (strncmp(branch, HRAS_BRANCH_PREFIX,
	    strlen(HRAS_BRANCH_PREFIX)) != 0)
		return -1;
	p = branch + strlen(HRAS_BRANCH_PREFIX);
	if (strlen(p) < 26 || p[24] != '.' ||
	    (dot = strchr(p + 25, '.')) == NULL ||
	    (size_t)(dot - (p + 25)) >= slen ||
	    (size_t)snprintf(client, clen, "%s", dot + 1) >= clen)
		return -1;
	memcpy(sealed, p + 25, (size_t)(dot - (p + 25)));
	sealed[dot - (p + 25)] = '\0';
	return 0;
}

/*
 * Seal n bytes under key k as hex: the 8-byte nonce seq, then the
 * ciphertext and its tag. -1 when it does not fit hexlen.
 */
static int
hras_topo_seal(struct crypto_aead *k, uint64_t seq, const char *plain,
    size_t n, char *hex, size_t hexlen)
{
	uint8_t	 sealed[SEALED_MAX];
	int	 i;

	if (n > sizeof(sealed) - 8 - CRYPTO_TAGLEN ||
	    hexlen < HRAS_SEALED_HEX(n))
		return -1;
	for (i = 0; i < 8; i++)
		sealed[i] = (uint8_t)(seq >> (56 - 8 * i));
	if (crypto_aead_seal(k, seq, NULL, 0, (const uint8_t *)plain, n,
	    sealed + 8) == -1)
		return -1;
	crypto_hex(sealed, 8 + n + CRYPTO_TAGLEN, hex);
	return 0;
}

/* Open what hras_topo_seal made: the plaintext, NUL-terminated, or -1. */
static int
hras_topo_unseal(struct crypto_aead *k, const char *hex, char *plain,
    size_t plainlen)
{
	uint8_t		 sealed[SEALED_MAX];
	size_t		 n = strlen(hex) / 2;
	uint64_t	 seq = 0;
	int		 i;

	if (strlen(hex) % 2 != 0 || n < 8 + CRYPTO_TAGLEN ||
	    n > sizeof(sealed) || n - 8 - CRYPTO_TAGLEN >= plainlen ||
	    crypto_unhex(hex, sealed, n) == -1)
		return -1;
	for (i = 0; i < 8; i++)
		seq = seq << 8 | sealed[i];
	if (crypto_aead_open(k, seq, NULL, 0, sealed + 8, n - 8,
	    (uint8_t *)plain) == -1)
		return -1;
	plain[n - 8 - CRYPTO_TAGLEN] = '\0';
	return 0;
}

/*
 * Append a header value s (which it frees) and a newline to the plain
 * text of what is about to be sealed; -1 when it does not fit.
 */
static int
hras_topo_line_add(char *plain, size_t size, size_t *n, char *s)
{
	size_t	 k = strlen(s);

	if (*n + k + 1 >= size) {
		osip_free(s);
		return -1;
	}
	memcpy(plain + *n, s, k);
	*n += k;
	plain[(*n)++] = '\n';
	osip_free(s);
	return 0;
}

/*
 * Topology hiding for requests going out: every Via the request has (the
 * inside phone's, a PBX's) is sealed into the branch of the one Via hras
 * adds, to be restored when the response comes back. The nonce comes from
 * the branch hash, so a CANCEL or ACK gets the same branch as its INVITE.
 */
int
hras_topo_via_hide(struct hras *h, osip_message_t *m, const char *client,
    char *branch, size_t blen)
{
	osip_via_t	*via;
	char		 plain[HRAS_VIA_PLAIN_MAX], *s, hash[SIP_BRANCH_LEN];
	uint64_t	 seq = 0;
	size_t		 n = 0, pre;
	int		 i;

	if (sip_branch(m, h->branch_key, sizeof(h->branch_key), hash) == -1)
		return -1;
	for (i = 0; (via = osip_list_get(&m->vias, i)) != NULL; i++)
		if (osip_via_to_str(via, &s) != 0 ||
		    hras_topo_line_add(plain, sizeof(plain), &n, s) == -1)
			return -1;
	for (i = 0; i < 16; i++)
		seq = seq << 4 |
		    (uint64_t)(hash[strlen(HRAS_BRANCH_PREFIX) + i] <= '9' ?
		    hash[strlen(HRAS_BRANCH_PREFIX) + i] - '0' :
		    hash[strlen(HRAS_BRANCH_PREFIX) + i] - 'a' + 10);
	pre = (size_t)snprintf(branch, blen, "%s.", hash);
	if (pre >= blen || hras_topo_seal(&h->via_key, seq, plain, n,
	    branch + pre, blen - pre) == -1 ||
	    strlen(branch) + strlen(client) + 2 > blen)
		return -1;
	strncat(branch, ".", blen - strlen(branch) - 1);
	strncat(branch, client, blen - strlen(branch) - 1);
	while ((via = osip_list_get(&m->vias, 0)) != NULL) {
		osip_list_remove(&m->vias, 0);
		osip_via_free(via);
	}
	return 0;
}

/* Put back the Vias hras_topo_via_hide sealed into our branch. */
int
hras_topo_via_restore(struct hras *h, osip_message_t *m, const char *hex)
{
	char		 plain[HRAS_VIA_PLAIN_MAX + 1], *line, *nl;
	osip_via_t	*via;
	int		 pos = 0;

	if (hras_topo_unseal(&h->via_key, hex, plain, sizeof(plain)) == -1)
		return -1;
	for (line = plain; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		*nl = '\0';
		if (osip_via_init(&via) != 0)
			return -1;
		if (osip_via_parse(via, line) != 0 ||
		    osip_list_add(&m->vias, via, pos++) < 0) {
			osip_via_free(via);
			return -1;
		}
	}
	return pos > 0 ? 0 : -1;
}

/*
 * True when every Contact of a message from the tunnel can be sealed into
 * a token: a request to the token will carry it as its Request-URI.
 */
int
hras_topo_contacts_usable(const osip_message_t *m)
{
	osip_contact_t	*c;
	int		 i;

	for (i = 0; (c = osip_list_get(&m->contacts, i)) != NULL; i++)
		if (!sip_uri_usable(c->url))
			return 0;
	return 1;
}

/*
 * Hide inside Contacts from the outside: each becomes a URI on hras whose
 * user part is a sealed token of the client and the original URI, which
 * only this hras can open (so requests to it come back through us). A
 * Contact no request could be sent to is not sealed: -1.
 */
int
hras_topo_contact_out(struct hras *h, const char *client, osip_message_t *m)
{
	osip_contact_t	*c;
	char		*orig, plain[TOKEN_PLAIN_MAX];
	char		 token[HRAS_SEALED_HEX(TOKEN_PLAIN_MAX)], user[1500];
	size_t		 n;
	int		 i;

	for (i = 0; (c = osip_list_get(&m->contacts, i)) != NULL; i++) {
		if (!sip_uri_usable(c->url) ||
		    osip_uri_to_str(c->url, &orig) != 0)
			return -1;
		n = (size_t)snprintf(plain, sizeof(plain), "%s\n%s", client,
		    orig);
		osip_free(orig);
		if (n >= sizeof(plain) || hras_topo_seal(&h->token_key,
		    ++h->token_seq, plain, n, token, sizeof(token)) == -1)
			return -1;
		snprintf(user, sizeof(user), "sip:%s%s@%s:%u",
		    HRAS_TOKEN_PREFIX, token, h->conf->sip.address,
		    h->conf->sip.port);
		osip_uri_free(c->url);
		c->url = NULL;
		if (osip_uri_init(&c->url) != 0 ||
		    osip_uri_parse(c->url, user) != 0)
			return -1;
	}
	return 0;
}

/* Open a Contact token: the client and the inside URI it stands for. */
int
hras_topo_token_open(struct hras *h, const char *user, char *client,
    size_t clen, char *uri, size_t ulen)
{
	char	 plain[TOKEN_PLAIN_MAX + 1], *nl;

	if (hras_topo_unseal(&h->token_key, user + strlen(HRAS_TOKEN_PREFIX),
	    plain, sizeof(plain)) == -1 || (nl = strchr(plain, '\n')) == NULL)
		return -1;
	*nl = '\0';
	if ((size_t)snprintf(client, clen, "%s", plain) >= clen ||
	    (size_t)snprintf(uri, ulen, "%s", nl + 1) >= ulen)
		return -1;
	return 0;
}

/*
 * Our Record-Route entry in a message, and its index: the first (nearest
 * the callee), or with last the last (nearest the caller), when a call
 * crosses hras twice.
 */
static osip_record_route_t *
hras_topo_rr_ours(struct hras *h, osip_message_t *m, int last, int *index)
{
	osip_record_route_t	*rr, *found = NULL;
	int			 i;

	for (i = 0; (rr = osip_list_get(&m->record_routes, i)) != NULL; i++)
		if (rr->url != NULL && hras_topo_ours(rr->url, h) &&
		    sip_param(&rr->url->url_params, "vofw") != NULL) {
			*index = i;
			found = rr;
			if (!last)
				break;
		}
	return found;
}

/*
 * Topology hiding for Record-Route: the entries inside proxies (a PBX)
 * added next to ours, below it in a request going out, above it in a
 * response going out, are sealed into a parameter of ours in the order a
 * route set names them, and come back where the dialog returns inside.
 */
int
hras_topo_rr_hide(struct hras *h, osip_message_t *m, int below)
{
	osip_record_route_t	*ours, *rr;
	char			 plain[RR_PLAIN_MAX], *s, *hex;
	size_t			 n = 0;
	int			 i, at;

	if ((ours = hras_topo_rr_ours(h, m, 0, &at)) == NULL)
		return 0;
	for (;;) {
		i = below ? at + 1 : at - 1;
		if (i < 0 || (rr = osip_list_get(&m->record_routes, i)) ==
		    NULL)
			break;
		if (rr->url == NULL || osip_uri_to_str(rr->url, &s) != 0 ||
		    hras_topo_line_add(plain, sizeof(plain), &n, s) == -1)
			return -1;
		osip_list_remove(&m->record_routes, i);
		osip_record_route_free(rr);
		if (!below)
			at--;
	}
	if (n == 0)
		return 0;
	if ((hex = osip_malloc(HRAS_SEALED_HEX(n))) == NULL)
		return -1;
	if (hras_topo_seal(&h->route_key, ++h->token_seq, plain, n, hex,
	    HRAS_SEALED_HEX(n)) == -1 || osip_uri_uparam_add(ours->url,
	    osip_strdup(RR_PARAM), hex) != 0) {
		osip_free(hex);
		return -1;
	}
	return 0;
}

/* The inside entries sealed in a URI of ours, one per line, or -1. */
static int
hras_topo_rr_open(struct hras *h, const osip_uri_t *u, char *plain,
    size_t len)
{
	osip_uri_param_t	*p = sip_param(&u->url_params, RR_PARAM);

	if (p == NULL || p->gvalue == NULL)
		return -1;
	return hras_topo_unseal(&h->route_key, p->gvalue, plain, len);
}

/*
 * A response from outside to a request we sent out: the inside entries
 * sealed in our Record-Route go back below it, for the inside phone's
 * route set.
 */
int
hras_topo_rr_restore(struct hras *h, osip_message_t *m)
{
	osip_record_route_t	*ours, *rr;
	char			 plain[RR_PLAIN_MAX + 1], *line, *nl;
	char			 value[RR_PLAIN_MAX + 3];
	int			 at;

	if ((ours = hras_topo_rr_ours(h, m, 1, &at)) == NULL ||
	    hras_topo_rr_open(h, ours->url, plain, sizeof(plain)) == -1)
		return 0;
	for (line = plain; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		*nl = '\0';
		snprintf(value, sizeof(value), "<%s>", line);
		if (osip_record_route_init(&rr) != 0)
			return -1;
		if (osip_record_route_parse(rr, value) != 0 ||
		    osip_list_add(&m->record_routes, rr, ++at) < 0) {
			osip_record_route_free(rr);
			return -1;
		}
	}
	return 0;
}

/*
 * Loose routing: our Route comes off, and the inside entries sealed in it
 * go on top, in route order. A request from outside (outside set) goes
 * into a tunnel, where only the entries hras sealed lead: any other Route
 * it carries was written by its sender (it could steer the request to an
 * inside PBX past the inside_proxy checks) and comes off too.
 */
void
hras_topo_route_pop(struct hras *h, osip_message_t *m, int outside)
{
	osip_route_t	*r = osip_list_get(&m->routes, 0), *in;
	char		 plain[RR_PLAIN_MAX + 1], *line, *nl;
	char		 value[RR_PLAIN_MAX + 3];
	int		 sealed = 0, pos = 0;

	if (r != NULL && r->url != NULL && hras_topo_ours(r->url, h)) {
		sealed = hras_topo_rr_open(h, r->url, plain, sizeof(plain)) ==
		    0;
		osip_list_remove(&m->routes, 0);
		osip_route_free(r);
	}
	while (outside && (r = osip_list_get(&m->routes, 0)) != NULL) {
		osip_list_remove(&m->routes, 0);
		osip_route_free(r);
	}
	if (!sealed)
		return;
	for (line = plain; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		*nl = '\0';
		snprintf(value, sizeof(value), "<%s>", line);
		if (osip_route_init(&in) != 0)
			return;
		if (osip_route_parse(in, value) != 0 ||
		    osip_list_add(&m->routes, in, pos++) < 0) {
			osip_route_free(in);
			return;
		}
	}
}

/*
 * Mark the Contacts of a message from outside with where it came from,
 * sealed so that only an alias hras made is ever followed (and strip any
 * the sender wrote).
 */
int
hras_topo_alias_mark(struct hras *h, osip_message_t *m,
    const struct sip_addr *from)
{
	char	 plain[ALIAS_PLAIN_MAX], hex[ALIAS_SEALED];

	if (osip_list_size(&m->contacts) <= 0)
		return 0;
	if (sip_alias_format(from, plain, sizeof(plain)) == -1 ||
	    hras_topo_seal(&h->alias_key, ++h->token_seq, plain, strlen(plain),
	    hex, sizeof(hex)) == -1)
		return -1;
	return sip_contact_alias(m, from, hex);
}

/*
 * Where a request to a URI with an alias goes: 1 with the address it
 * names (the alias taken off), 0 when it has none, -1 when it has one hras
 * did not seal.
 */
int
hras_topo_alias_open(struct hras *h, osip_uri_t *u, struct sip_addr *to)
{
	char	 hex[ALIAS_SEALED], plain[ALIAS_PLAIN_MAX + 1];
	int	 rc;

	if ((rc = sip_uri_alias(u, hex, sizeof(hex))) != 1)
		return rc;
	if (hras_topo_unseal(&h->alias_key, hex, plain, sizeof(plain)) == -1 ||
	    sip_alias_parse(plain, to) == -1)
		return -1;
	return 1;
}
