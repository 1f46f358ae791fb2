/*
 * The Prometheus text format writer of prom.h. Names come from the
 * program, never from a peer, and are checked all the same: a name the
 * format does not allow would make a scraper drop the whole answer, so
 * the writer refuses it (the error flag) instead of writing it.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>

#include "prom.h"

static int	prom_name_ok(const char *);
static int	prom_help(struct evbuffer *, const char *);
static void	prom_sample(struct prom *, const char *,
		    const struct prom_label *, size_t, const char *);

/* Start writing into out. */
void
prom_init(struct prom *p, struct evbuffer *out)
{
	p->out = out;
	p->error = 0;
}

/* A metric or label name: [a-zA-Z_:][a-zA-Z0-9_:]* (labels: no ':'). */
static int
prom_name_ok(const char *s)
{
	static const char	 first[] = "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ_:";
	size_t			 n;

	if (s == NULL || s[0] == '\0' || strchr(first, s[0]) == NULL)
		return 0;
	n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_:");
	return s[n] == '\0';
}

/* A HELP text: backslash and newline escaped. */
static int
prom_help(struct evbuffer *out, const char *s)
{
	size_t	 n;

	while (*s != '\0') {
		n = strcspn(s, "\\\n");
		if (n > 0 && evbuffer_add(out, s, n) == -1)
			return -1;
		s += n;
		if (*s == '\0')
			break;
		if (evbuffer_add(out, *s == '\\' ? "\\\\" : "\\n", 2) == -1)
			return -1;
		s++;
	}
	return 0;
}

/* A label value: backslash, double quote and newline escaped. */
int
prom_escape(struct evbuffer *out, const char *s)
{
	const char	*esc;
	size_t		 n;

	while (*s != '\0') {
		n = strcspn(s, "\\\"\n");
		if (n > 0 && evbuffer_add(out, s, n) == -1)
			return -1;
		s += n;
		if (*s == '\0')
			break;
		esc = *s == '\\' ? "\\\\" : *s == '"' ? "\\\"" : "\\n";
		if (evbuffer_add(out, esc, 2) == -1)
			return -1;
		s++;
	}
	return 0;
}

/* HELP and TYPE of a family. */
void
prom_family(struct prom *p, const char *name, enum prom_type type,
    const char *help)
{
	if (p->error)
		return;
	if (!prom_name_ok(name)) {
		p->error = 1;
		return;
	}
	if (evbuffer_add_printf(p->out, "# HELP %s ", name) < 0 ||
	    prom_help(p->out, help) == -1 ||
	    evbuffer_add_printf(p->out, "\n# TYPE %s %s\n", name,
	    type == PROM_COUNTER ? "counter" : type == PROM_GAUGE ? "gauge" :
	    "histogram") < 0)
		p->error = 1;
}

/* name{labels} value, the value already formatted. */
static void
prom_sample(struct prom *p, const char *name, const struct prom_label *l,
    size_t n, const char *value)
{
	size_t	 i;

	if (p->error)
		return;
	if (!prom_name_ok(name) || n > PROM_LABELS_MAX) {
		p->error = 1;
		return;
	}
	if (evbuffer_add(p->out, name, strlen(name)) == -1) {
		p->error = 1;
		return;
	}
	for (i = 0; i < n && l[i].name != NULL; i++) {
		if (!prom_name_ok(l[i].name) || strchr(l[i].name, ':') ||
		    l[i].value == NULL ||
		    evbuffer_add_printf(p->out, "%s%s=\"", i == 0 ? "{" : ",",
		    l[i].name) < 0 || prom_escape(p->out, l[i].value) == -1 ||
		    evbuffer_add(p->out, "\"", 1) == -1) {
			p->error = 1;
			return;
		}
	}
	if ((i > 0 && evbuffer_add(p->out, "}", 1) == -1) ||
	    evbuffer_add_printf(p->out, " %s\n", value) < 0)
		p->error = 1;
}

/* An integer sample. */
void
prom_uint(struct prom *p, const char *name, const struct prom_label *l,
    size_t n, uint64_t v)
{
	char	 buf[24];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	prom_sample(p, name, l, n, buf);
}

/* A real sample: NaN and the infinities as the format spells them. */
void
prom_double(struct prom *p, const char *name, const struct prom_label *l,
    size_t n, double v)
{
	char	 buf[32];

	if (isnan(v))
		snprintf(buf, sizeof(buf), "NaN");
	else if (isinf(v))
		snprintf(buf, sizeof(buf), "%sInf", v > 0 ? "+" : "-");
	else
		snprintf(buf, sizeof(buf), "%.15g", v);
	prom_sample(p, name, l, n, buf);
}

/* A family with one unlabelled sample. */
void
prom_one(struct prom *p, const char *name, enum prom_type type,
    const char *help, double v)
{
	prom_family(p, name, type, help);
	prom_double(p, name, NULL, 0, v);
}
