/*
 * The Prometheus text exposition format (version 0.0.4) written into an
 * evbuffer: each metric family's HELP and TYPE lines, then its samples,
 * label values escaped (backslash, double quote, newline) whatever they
 * hold. The metrics endpoint (metrics.h) serves what the halves write
 * with it; like json.h, an append that fails only sets the error flag.
 */
#ifndef VOFW_PROM_H
#define VOFW_PROM_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;

#define PROM_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"
#define PROM_LABELS_MAX		4	/* label pairs on one sample */

enum prom_type {
	PROM_COUNTER,
	PROM_GAUGE,
	PROM_HISTOGRAM		/* samples name_bucket{le}, _sum, _count */
};

struct prom {
	struct evbuffer	*out;
	int		 error;		/* an append failed, or a bad call */
};

/* A label pair of a sample; a NULL name ends a list early. */
struct prom_label {
	const char	*name;
	const char	*value;
};

void	prom_init(struct prom *, struct evbuffer *);
/* A family's HELP and TYPE lines; its samples follow. */
void	prom_family(struct prom *, const char *name, enum prom_type,
	    const char *help);
/* One sample of the family just begun, with n labels (0 for none). */
void	prom_uint(struct prom *, const char *name, const struct prom_label *,
	    size_t n, uint64_t);
void	prom_double(struct prom *, const char *name,
	    const struct prom_label *, size_t n, double);
/* A family of one sample without labels. */
void	prom_one(struct prom *, const char *name, enum prom_type,
	    const char *help, double);
/* Append a label value escaped, without quotes: 0, or -1. */
int	prom_escape(struct evbuffer *, const char *);

#endif
