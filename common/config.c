/*
 * Configuration loader shared by both Half Relay Agents: a table of keys
 * (in the style of Redis's config.c) walked against the libconfig tree, so
 * that every type, range, missing-key and unknown-key error is reported the
 * same way, naming file and line.  Each half's table lives in its own
 * folder (hras/, hrac/); the checks they share, and the URL parser the
 * tunnel code uses, are here.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"

/* The state of one load: where errors go and how files are named. */
struct config_ctx {
	const char	*file;		/* as given to config_load */
	char		 dir[PATH_MAX];	/* its directory, for @include */
	char		*err;
	size_t		 errlen;
};

static const char *config_filename(struct config_ctx *, const char *,
		    char *, size_t);
static void	config_where(struct config_ctx *, const config_setting_t *,
		    char *, size_t);
static size_t	config_name(const config_setting_t *, char *, size_t);
static const struct config_key *config_key_find(const struct config_key *,
		    const char *);
static config_setting_t *config_key_parent(config_setting_t *,
		    const char *);
static int	config_unknown(struct config_ctx *, const struct config_key *,
		    const config_setting_t *, const char *);
static int	config_key_within(const struct config_key *,
		    const struct config_key *);
static int	config_key_check(struct config_ctx *, const struct config_key *,
		    config_setting_t *, void *);
static int	config_walk(struct config_ctx *, const struct config_key *,
		    config_setting_t *, void *);
static int	config_key_absent(struct config_ctx *,
		    const struct config_key *, config_setting_t *, void *);
static int	config_key_read(struct config_ctx *, const struct config_key *,
		    config_setting_t *, void *);
static int	config_key_number(struct config_ctx *,
		    const struct config_key *, const config_setting_t *,
		    void *);
static void	*config_key_array(struct config_ctx *,
		    const struct config_key *, const config_setting_t *,
		    void *, size_t, size_t *);
static int	config_key_strings(struct config_ctx *,
		    const struct config_key *, const config_setting_t *,
		    void *);
static int	config_key_list(struct config_ctx *, const struct config_key *,
		    config_setting_t *, void *);
static int	config_key_enum(struct config_ctx *, const struct config_key *,
		    const config_setting_t *, void *);
static int	config_domain_ok(const char *, size_t);
static int	config_parse_host(const char *, size_t, char *, size_t);
static int	config_unpercent(const char *, size_t, char *, size_t);
static int	config_url_split(const char *, struct config_url *);

/* Read a file against a key table, filling the struct at base. */
int
config_load(const char *path, const struct config_key *tab, void *base,
    char *err, size_t errlen)
{
	struct config_ctx	 ctx;
	config_t		 lc;
	char			*slash, name[PATH_MAX];
	int			 rv, saved;

	ctx.file = path;
	ctx.err = err;
	ctx.errlen = errlen;
	if (strlen(path) >= sizeof(ctx.dir)) {
		snprintf(err, errlen, "%s: file name too long", path);
		return -1;
	}
	memcpy(ctx.dir, path, strlen(path) + 1);
	if ((slash = strrchr(ctx.dir, '/')) == NULL)
		memcpy(ctx.dir, ".", 2);
	else if (slash == ctx.dir)
		slash[1] = '\0';
	else
		*slash = '\0';

	config_init(&lc);
	config_set_include_dir(&lc, ctx.dir);
	if (!config_read_file(&lc, path)) {
		saved = errno;
		if (config_error_type(&lc) == CONFIG_ERR_FILE_IO)
			snprintf(err, errlen, "%s: %s", path, strerror(saved));
		else
			snprintf(err, errlen, "%s:%d: %s",
			    config_filename(&ctx, config_error_file(&lc), name,
			    sizeof(name)), config_error_line(&lc),
			    config_error_text(&lc));
		config_destroy(&lc);
		return -1;
	}
	rv = config_walk(&ctx, tab, config_root_setting(&lc), base);
	config_destroy(&lc);
	return rv;
}

/*
 * Free what config_load allocated in the struct at base for a table: its
 * strings, arrays of strings and lists (each element by the list's own
 * table), also after a load that failed half way. The struct is the
 * caller's.
 */
void
config_release(const struct config_key *tab, void *base)
{
	const struct config_key	*k;
	char			*p, **v, *list;
	size_t			 i, n;

	for (k = tab; k->path != NULL; k++) {
		p = (char *)base + k->offset;
		switch (k->type) {
		case CONFIG_T_STRING:
			free(*(char **)p);
			break;
		case CONFIG_T_STRINGS:
			v = *(char ***)p;
			n = *(size_t *)((char *)base + k->aux);
			for (i = 0; v != NULL && i < n; i++)
				free(v[i]);
			free(v);
			break;
		case CONFIG_T_LIST:
			memcpy(&list, p, sizeof(list));
			n = *(size_t *)((char *)base + k->aux);
			for (i = 0; list != NULL && i < n; i++)
				config_release(k->sub, list + i * k->size);
			free(list);
			break;
		default:
			break;
		}
	}
}

/* Name a file libconfig read: the loaded path, or an include beside it. */
static const char *
config_filename(struct config_ctx *ctx, const char *file, char *buf,
    size_t len)
{
	int	 w;

	if (file == NULL || strcmp(file, ctx->file) == 0)
		return ctx->file;
	if (file[0] == '/' || strcmp(ctx->dir, ".") == 0)
		return file;
	w = snprintf(buf, len, "%s/%s", ctx->dir, file);
	return w < 0 || (size_t)w >= len ? file : buf;
}

/* Write "file:line" (or just "file" for the root) for a setting. */
static void
config_where(struct config_ctx *ctx, const config_setting_t *s, char *buf,
    size_t len)
{
	char	 name[PATH_MAX];

	if (s == NULL || config_setting_source_line(s) == 0)
		snprintf(buf, len, "%s", ctx->file);
	else
		snprintf(buf, len, "%s:%u", config_filename(ctx,
		    config_setting_source_file(s), name, sizeof(name)),
		    config_setting_source_line(s));
}

/* Write a setting's full name, e.g. "clients[1].domains[0]". */
static size_t
config_name(const config_setting_t *s, char *buf, size_t len)
{
	size_t	 n;
	int	 w;

	if (s == NULL || config_setting_is_root(s)) {
		buf[0] = '\0';
		return 0;
	}
	n = config_name(config_setting_parent(s), buf, len);
	if (n >= len)
		return n;
	if (config_setting_name(s) != NULL)
		w = snprintf(buf + n, len - n, "%s%s", n > 0 ? "." : "",
		    config_setting_name(s));
	else
		w = snprintf(buf + n, len - n, "[%d]",
		    config_setting_index(s));
	return w < 0 ? len : n + (size_t)w;
}

/* Report an error about a setting as "file:line: name: message"; -1. */
int
config_fail(struct config_ctx *ctx, const config_setting_t *s,
    const char *fmt, ...)
{
	char	 where[PATH_MAX + 16], name[256], msg[CONFIG_ERRLEN];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	config_where(ctx, s, where, sizeof(where));
	config_name(s, name, sizeof(name));
	if (name[0] == '\0')
		snprintf(ctx->err, ctx->errlen, "%s: %s", where, msg);
	else
		snprintf(ctx->err, ctx->errlen, "%s: %s: %s", where, name,
		    msg);
	return -1;
}

/* Report an allocation failure; -1. */
int
config_oom(struct config_ctx *ctx)
{
	snprintf(ctx->err, ctx->errlen, "%s: out of memory", ctx->file);
	return -1;
}

/* Find a key of a table by its dotted path. */
static const struct config_key *
config_key_find(const struct config_key *tab, const char *path)
{
	for (; tab->path != NULL; tab++)
		if (strcmp(tab->path, path) == 0)
			return tab;
	return NULL;
}

/* Find the group that holds a path in scope, or NULL if it is absent. */
static config_setting_t *
config_key_parent(config_setting_t *scope, const char *path)
{
	const char	*dot;
	char		 group[128];

	if ((dot = strrchr(path, '.')) == NULL)
		return scope;
	if ((size_t)(dot - path) >= sizeof(group))
		return NULL;
	memcpy(group, path, dot - path);
	group[dot - path] = '\0';
	return config_setting_lookup(scope, group);
}

/* Reject any setting of group g (named prefix in the table) not in tab. */
static int
config_unknown(struct config_ctx *ctx, const struct config_key *tab,
    const config_setting_t *g, const char *prefix)
{
	const struct config_key	*k;
	const config_setting_t	*m;
	char			 path[128];
	int			 i, n, w;

	n = config_setting_length(g);
	for (i = 0; i < n; i++) {
		m = config_setting_get_elem(g, i);
		w = snprintf(path, sizeof(path), "%s%s", prefix,
		    config_setting_name(m));
		if (w < 0 || (size_t)w >= sizeof(path) ||
		    (k = config_key_find(tab, path)) == NULL)
			return config_fail(ctx, m, "unknown key");
		if (k->type == CONFIG_T_GROUP && config_setting_is_group(m)) {
			if ((size_t)w + 1 >= sizeof(path))
				return config_fail(ctx, m, "unknown key");
			memcpy(path + w, ".", 2);
			if (config_unknown(ctx, tab, m, path) == -1)
				return -1;
		}
	}
	return 0;
}

/* Tell whether key k lies inside group g. */
static int
config_key_within(const struct config_key *k, const struct config_key *g)
{
	size_t	 len = strlen(g->path);

	return k->path != NULL && strncmp(k->path, g->path, len) == 0 &&
	    k->path[len] == '.';
}

/* Run the check of a group or list key, if it has one and is present. */
static int
config_key_check(struct config_ctx *ctx, const struct config_key *k,
    config_setting_t *scope, void *base)
{
	config_setting_t	*s;

	if (k->check == NULL || (k->type != CONFIG_T_GROUP &&
	    k->type != CONFIG_T_LIST) ||
	    (s = config_setting_lookup(scope, k->path)) == NULL)
		return 0;
	if (k->type == CONFIG_T_GROUP)
		return k->check(ctx, s, (char *)base + k->offset);
	return k->check(ctx, s, base);
}

/* Read every key of tab from scope into base, running each check. */
static int
config_walk(struct config_ctx *ctx, const struct config_key *tab,
    config_setting_t *scope, void *base)
{
	const struct config_key	*k;
	config_setting_t	*s;
	size_t			 i, j;

	if (config_unknown(ctx, tab, scope, "") == -1)
		return -1;
	for (i = 0; tab[i].path != NULL; i++) {
		k = &tab[i];
		if ((s = config_setting_lookup(scope, k->path)) == NULL) {
			if (config_key_absent(ctx, k, scope, base) == -1)
				return -1;
		} else if (config_key_read(ctx, k, s, base) == -1)
			return -1;
		/*
		 * A group's check runs once its last member is read, so that
		 * it sees defaults too, innermost group first; errors still
		 * come in table order.
		 */
		for (j = i + 1; j-- > 0;) {
			if ((j != i && !config_key_within(k, &tab[j])) ||
			    config_key_within(&tab[i + 1], &tab[j]))
				continue;
			if (config_key_check(ctx, &tab[j], scope, base) == -1)
				return -1;
		}
	}
	return 0;
}

/* Handle a key missing from the file: an error, or its default. */
static int
config_key_absent(struct config_ctx *ctx, const struct config_key *k,
    config_setting_t *scope, void *base)
{
	config_setting_t	*parent;
	char			 where[PATH_MAX + 16], name[256];
	void			*p = (char *)base + k->offset;
	int			 v;

	if (k->flags & CONFIG_REQUIRED) {
		/* Inside an absent optional group nothing is required. */
		if ((parent = config_key_parent(scope, k->path)) == NULL)
			return 0;
		config_where(ctx, parent, where, sizeof(where));
		config_name(scope, name, sizeof(name));
		snprintf(ctx->err, ctx->errlen,
		    "%s: missing required key \"%s%s%s\"", where, name,
		    name[0] != '\0' ? "." : "", k->path);
		return -1;
	}
	switch (k->type) {
	case CONFIG_T_INT:
	case CONFIG_T_BOOL:
	case CONFIG_T_ENUM:
		v = (int)k->def;
		memcpy(p, &v, sizeof(v));
		break;
	case CONFIG_T_SIZE:
		*(size_t *)p = (size_t)k->def;
		break;
	case CONFIG_T_PORT:
		*(uint16_t *)p = (uint16_t)k->def;
		break;
	default:
		break;
	}
	return 0;
}

/* Type-check one setting, store it and run its check. */
static int
config_key_read(struct config_ctx *ctx, const struct config_key *k,
    config_setting_t *s, void *base)
{
	void	*p = (char *)base + k->offset;
	char	*str;

	switch (k->type) {
	case CONFIG_T_GROUP:
		if (!config_setting_is_group(s))
			return config_fail(ctx, s, "expected a group");
		if (k->flags & CONFIG_PRESENCE)
			*(int *)((char *)base + k->aux) = 1;
		return 0;
	case CONFIG_T_LIST:
		return config_key_list(ctx, k, s, base);
	case CONFIG_T_STRINGS:
		return config_key_strings(ctx, k, s, base);
	case CONFIG_T_ENUM:
		return config_key_enum(ctx, k, s, p);
	case CONFIG_T_INT:
	case CONFIG_T_SIZE:
	case CONFIG_T_PORT:
		if (config_key_number(ctx, k, s, p) == -1)
			return -1;
		break;
	case CONFIG_T_BOOL:
		if (config_setting_type(s) != CONFIG_TYPE_BOOL)
			return config_fail(ctx, s, "expected true or false");
		*(int *)p = config_setting_get_bool(s);
		break;
	case CONFIG_T_STRING:
		if (config_setting_type(s) != CONFIG_TYPE_STRING)
			return config_fail(ctx, s, "expected a string");
		if ((str = strdup(config_setting_get_string(s))) == NULL)
			return config_oom(ctx);
		*(char **)p = str;
		break;
	}
	return k->check != NULL ? k->check(ctx, s, p) : 0;
}

/* Read an integer within the key's range into an int, size_t or port. */
static int
config_key_number(struct config_ctx *ctx, const struct config_key *k,
    const config_setting_t *s, void *p)
{
	long long	 v;

	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64)
		return config_fail(ctx, s, "expected an integer");
	v = config_setting_get_int64(s);
	if (v < k->min || v > k->max)
		return config_fail(ctx, s, "%lld out of range %lld..%lld", v,
		    k->min, k->max);
	if (k->type == CONFIG_T_INT)
		*(int *)p = (int)v;
	else if (k->type == CONFIG_T_SIZE)
		*(size_t *)p = (size_t)v;
	else
		*(uint16_t *)p = (uint16_t)v;
	return 0;
}

/*
 * The zeroed array, of elements of size bytes, for an array or list
 * setting of at least k->min elements, stored in the struct at base with
 * its count (*n too); NULL when refused (the error is set).
 */
static void *
config_key_array(struct config_ctx *ctx, const struct config_key *k,
    const config_setting_t *s, void *base, size_t size, size_t *n)
{
	void	*v;

	*n = (size_t)config_setting_length(s);
	if ((long long)*n < k->min) {
		config_fail(ctx, s, "must have at least %lld %s", k->min,
		    k->min == 1 ? "entry" : "entries");
		return NULL;
	}
	if ((v = calloc(*n + 1, size)) == NULL) {
		config_oom(ctx);
		return NULL;
	}
	/* The field is a typed pointer: store it without aliasing casts. */
	memcpy((char *)base + k->offset, &v, sizeof(v));
	*(size_t *)((char *)base + k->aux) = *n;
	return v;
}

/* Read an array of strings, checking each element. */
static int
config_key_strings(struct config_ctx *ctx, const struct config_key *k,
    const config_setting_t *s, void *base)
{
	const config_setting_t	*e;
	char			**v;
	size_t			 i, n;

	if (!config_setting_is_array(s))
		return config_fail(ctx, s, "expected an array of strings");
	if ((v = config_key_array(ctx, k, s, base, sizeof(*v), &n)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return config_fail(ctx, e, "expected a string");
		if ((v[i] = strdup(config_setting_get_string(e))) == NULL)
			return config_oom(ctx);
		if (k->check != NULL && k->check(ctx, e, &v[i]) == -1)
			return -1;
	}
	return 0;
}

/* Read a list of groups into an array of structs, each with k->sub. */
static int
config_key_list(struct config_ctx *ctx, const struct config_key *k,
    config_setting_t *s, void *base)
{
	config_setting_t	*e;
	char			*v;
	size_t			 i, n;

	if (!config_setting_is_list(s))
		return config_fail(ctx, s, "expected a list of groups");
	if ((v = config_key_array(ctx, k, s, base, k->size, &n)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, i);
		if (!config_setting_is_group(e))
			return config_fail(ctx, e, "expected a group");
		if (config_walk(ctx, k->sub, e, v + i * k->size) == -1)
			return -1;
	}
	return 0;
}

/* Read a string that must be one of k->names, storing its index. */
static int
config_key_enum(struct config_ctx *ctx, const struct config_key *k,
    const config_setting_t *s, void *p)
{
	const char	*v;
	char		 names[128];
	size_t		 n = 0;
	int		 i, w;

	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		v = config_setting_get_string(s);
		for (i = 0; k->names[i] != NULL; i++) {
			if (strcmp(v, k->names[i]) == 0) {
				memcpy(p, &i, sizeof(i));
				return 0;
			}
		}
	}
	names[0] = '\0';
	for (i = 0; k->names[i] != NULL && n < sizeof(names); i++) {
		w = snprintf(names + n, sizeof(names) - n, "%s\"%s\"",
		    i > 0 ? ", " : "", k->names[i]);
		if (w < 0)
			break;
		n += (size_t)w;
	}
	return config_fail(ctx, s, "expected one of %s", names);
}

/* Check that a string is a numeric IPv4 or IPv6 address. */
int
config_check_address(struct config_ctx *ctx, const config_setting_t *s,
    void *p)
{
	const char	*v = *(char **)p;
	unsigned char	 buf[16];

	if (inet_pton(AF_INET, v, buf) != 1 && inet_pton(AF_INET6, v, buf) != 1)
		return config_fail(ctx, s,
		    "\"%s\" is not a numeric IPv4 or IPv6 address", v);
	return 0;
}

/* Check that a string is a valid domain name. */
int
config_check_domain(struct config_ctx *ctx, const config_setting_t *s,
    void *p)
{
	const char	*v = *(char **)p;

	if (!config_domain_ok(v, strlen(v)))
		return config_fail(ctx, s, "\"%s\" is not a valid domain name",
		    v);
	return 0;
}

/* Check a client id: 1 to 64 characters of [A-Za-z0-9._-]. */
int
config_check_id(struct config_ctx *ctx, const config_setting_t *s, void *p)
{
	const char	*v = *(char **)p;
	size_t		 len = strlen(v);

	if (len < 1 || len > 64 || strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789._-") != len)
		return config_fail(ctx, s,
		    "expected 1 to 64 characters of A-Z a-z 0-9 . _ -");
	return 0;
}

/* log2 of x > 0, to a few millionths; no libm for one estimate. */
static double
config_log2(double x)
{
	double	 r = 0, bit = 1;
	int	 i;

	while (x >= 2) {
		x /= 2;
		r += 1;
	}
	while (x < 1) {
		x *= 2;
		r -= 1;
	}
	for (i = 0; i < 24; i++) {
		x *= x;
		bit /= 2;
		if (x >= 2) {
			x /= 2;
			r += bit;
		}
	}
	return r;
}

/*
 * A conservative estimate of the bits of entropy in a secret. Each
 * character counts for the entropy per character of the string's own
 * character frequencies, capped by log2 of the size of the classes it
 * draws from (hex digits, lower case, upper case, digits, the rest);
 * except a character that repeats the one before, continues a run (abc,
 * 987) or ends a group of three seen before in the string, which counts
 * nothing. Base64's trailing "=" carries nothing either. Words and
 * patterns score far below random strings of the same length.
 */
unsigned int
config_secret_bits(const char *s)
{
	size_t		 count[256], len = strlen(s), i, j, eff = 0;
	const uint8_t	*u = (const uint8_t *)s;
	double		 h = 0, cap;
	unsigned int	 alpha = 0;
	int		 lower = 0, upper = 0, digit = 0, other = 0;
	int		 hexl = 1, hexu = 1, d1, d2;

	while (len > 0 && s[len - 1] == '=')
		len--;
	if (len == 0)
		return 0;
	memset(count, 0, sizeof(count));
	for (i = 0; i < len; i++) {
		count[u[i]]++;
		if (u[i] >= 'a' && u[i] <= 'z') {
			lower = 1;
			hexu = 0;
			hexl &= u[i] <= 'f';
		} else if (u[i] >= 'A' && u[i] <= 'Z') {
			upper = 1;
			hexl = 0;
			hexu &= u[i] <= 'F';
		} else if (u[i] >= '0' && u[i] <= '9')
			digit = 1;
		else {
			other = 1;
			hexl = hexu = 0;
		}
	}
	if (hexl || hexu)
		alpha = 16;
	else
		alpha = 26 * (unsigned int)(lower + upper) +
		    10 * (unsigned int)digit + 33 * (unsigned int)other;
	for (i = 0; i < 256; i++)
		if (count[i] > 0)
			h -= (double)count[i] / (double)len *
			    config_log2((double)count[i] / (double)len);
	cap = config_log2((double)alpha);
	if (h > cap)
		h = cap;
	for (i = 0; i < len; i++) {
		if (i >= 1 && u[i] == u[i - 1])
			continue;
		if (i >= 2) {
			d1 = (int)u[i] - (int)u[i - 1];
			d2 = (int)u[i - 1] - (int)u[i - 2];
			if (d1 == d2 && (d1 == 1 || d1 == -1))
				continue;
			for (j = 0; j + 2 < i; j++)
				if (memcmp(u + j, u + i - 2, 3) == 0)
					break;
			if (j + 2 < i)
				continue;
		}
		eff++;
	}
	return (unsigned int)((double)eff * h);
}

/*
 * Check a shared secret: not a well-known sample, and at least
 * CONFIG_SECRET_BITS of entropy as config_secret_bits estimates it, so
 * that what a proxy sees of the admission cannot be used to guess it.
 */
int
config_check_secret(struct config_ctx *ctx, const config_setting_t *s,
    void *p)
{
	static const char *const samples[] = {
		"change-me", "changeme", "change me", "password", "secret",
		"a long random secret", "letmein", "passw0rd", "s3cret",
		"123456", "12345678", "qwerty", "example", "test"
	};
	const char	*v = *(char **)p;
	unsigned int	 bits;
	size_t		 i;

	if (strlen(v) > CONFIG_SECRET_MAX)
		return config_fail(ctx, s, "longer than %d bytes",
		    CONFIG_SECRET_MAX);
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		if (strcasecmp(v, samples[i]) == 0)
			return config_fail(ctx, s, "\"%s\" is a sample, not a "
			    "secret: make one with \"openssl rand -base64 32\"",
			    samples[i]);
	if ((bits = config_secret_bits(v)) < CONFIG_SECRET_BITS)
		return config_fail(ctx, s, "too easy to guess (about %u bits, "
		    "%d needed): make one with \"openssl rand -base64 32\"",
		    bits, CONFIG_SECRET_BITS);
	return 0;
}

/* Check that a file named by a setting can be read. */
int
config_check_file(struct config_ctx *ctx, const config_setting_t *s, void *p)
{
	const char	*v = *(char **)p;

	if (access(v, R_OK) == -1)
		return config_fail(ctx, s, "cannot read \"%s\": %s", v,
		    strerror(errno));
	return 0;
}

/*
 * Check a user name as useradd takes it: 1 to 32 of A-Z a-z 0-9 . _ -,
 * not starting with '-'. Whether it exists is checked at start-up.
 */
int
config_check_user(struct config_ctx *ctx, const config_setting_t *s,
    void *p)
{
	const char	*v = *(char **)p;
	size_t		 n = strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "abcdefghijklmnopqrstuvwxyz0123456789._-");

	if (v[0] == '\0' || v[0] == '-' || v[n] != '\0' || n > 32)
		return config_fail(ctx, s, "\"%s\" is not a user name", v);
	return 0;
}

/* Check a media port range: ordered, with an even count of two or more. */
int
config_check_media(struct config_ctx *ctx, const config_setting_t *s,
    void *p)
{
	const struct config_media	*m = p;
	const config_setting_t		*at;
	unsigned int			 count;

	if ((at = config_setting_get_member(s, "port_max")) == NULL)
		at = s;
	if (m->port_min > m->port_max)
		return config_fail(ctx, at, "%u is below port_min %u",
		    m->port_max, m->port_min);
	/* RTP takes an even port and RTCP the odd one above it. */
	count = (unsigned int)m->port_max - m->port_min + 1;
	if (count < 2 || count % 2 != 0)
		return config_fail(ctx, at, "range %u..%u must hold an even "
		    "number of ports, at least 2", m->port_min, m->port_max);
	return 0;
}

/* Tell whether len bytes at s form a valid domain name. */
static int
config_domain_ok(const char *s, size_t len)
{
	size_t	 i, label = 0;

	if (len == 0 || len > 253)
		return 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
		} else if ((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    (s[i] == '-' && label > 0)) {
			if (++label > 63)
				return 0;
		} else
			return 0;
	}
	return label > 0 && s[len - 1] != '-';
}

/* Copy a URL host (name, IPv4 or bracketed IPv6) of len bytes into host. */
static int
config_parse_host(const char *s, size_t len, char *host, size_t hostlen)
{
	unsigned char	 buf[16];

	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		s++;
		len -= 2;
		if (len >= hostlen)
			return -1;
		memcpy(host, s, len);
		host[len] = '\0';
		return inet_pton(AF_INET6, host, buf) == 1 ? 0 : -1;
	}
	if (len >= hostlen || !config_domain_ok(s, len))
		return -1;
	memcpy(host, s, len);
	host[len] = '\0';
	/* All digits and dots: it must then be a real IPv4 address. */
	if (strspn(host, "0123456789.") == len)
		return inet_pton(AF_INET, host, buf) == 1 ? 0 : -1;
	return 0;
}

/*
 * True when a reload changes where a half listens for SIP or relays media:
 * its sockets stay as they are until a restart.
 */
int
config_relay_moved(const struct config_endpoint *osip,
    const struct config_media *omed, const struct config_endpoint *nsip,
    const struct config_media *nmed)
{
	return strcmp(osip->address, nsip->address) != 0 ||
	    osip->port != nsip->port ||
	    strcmp(omed->address, nmed->address) != 0 ||
	    omed->port_min != nmed->port_min || omed->port_max != nmed->port_max;
}

/*
 * True when a reload changes user or sandbox: root is gone and the filter
 * cannot be lifted, so both stay as they are until a restart.
 */
int
config_privs_changed(const char *ouser, int osandbox, const char *nuser,
    int nsandbox)
{
	return strcmp(ouser != NULL ? ouser : CONFIG_USER,
	    nuser != NULL ? nuser : CONFIG_USER) != 0 || osandbox != nsandbox;
}

/* Parse "host:port" (IPv6 in brackets), the port being required. */
int
config_parse_hostport(const char *s, char *host, size_t hostlen,
    uint16_t *port)
{
	const char	*colon;
	char		*end;
	unsigned long	 v;

	if ((colon = strrchr(s, ':')) == NULL || colon[1] < '0' ||
	    colon[1] > '9' || strspn(colon + 1, "0123456789") > 5)
		return -1;
	v = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || v < 1 || v > 65535)
		return -1;
	if (config_parse_host(s, colon - s, host, hostlen) == -1)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* Percent-decode len bytes at s into a NUL-terminated buffer. */
static int
config_unpercent(const char *s, size_t len, char *out, size_t outlen)
{
	size_t		 i, o = 0;
	unsigned int	 c;
	char		 hex[3];

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '%') {
			if (i + 2 >= len)
				return -1;
			hex[0] = s[i + 1];
			hex[1] = s[i + 2];
			hex[2] = '\0';
			if (strspn(hex, "0123456789abcdefABCDEF") != 2)
				return -1;
			c = (unsigned int)strtoul(hex, NULL, 16);
			if (c == 0)
				return -1;
			i += 2;
		}
		if (o + 1 >= outlen)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

/* Parse http://[user:pass@]host[:port][/path] or https://...; -1 if bad. */
int
config_parse_url(const char *url, struct config_url *out)
{
	memset(out, 0, sizeof(*out));
	if (url == NULL || config_url_split(url, out) == -1) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	return 0;
}

/* Split a URL into out, which may be left half-filled on error. */
static int
config_url_split(const char *url, struct config_url *out)
{
	const char	*p, *auth, *end, *at, *colon, *hp, *portp;
	size_t		 i, hlen;
	char		*e;
	unsigned long	 v;

	/* Printable ASCII only: no spaces, controls or 8-bit bytes. */
	for (i = 0; url[i] != '\0'; i++)
		if ((unsigned char)url[i] <= 0x20 ||
		    (unsigned char)url[i] >= 0x7f)
			return -1;
	if (strncasecmp(url, "http://", 7) == 0) {
		auth = url + 7;
		out->port = 80;
	} else if (strncasecmp(url, "https://", 8) == 0) {
		auth = url + 8;
		out->tls = 1;
		out->port = 443;
	} else
		return -1;
	end = auth + strcspn(auth, "/?#");
	if (*end == '?' || *end == '#')
		return -1;

	hp = auth;
	if ((at = memchr(auth, '@', end - auth)) != NULL) {
		if (memchr(at + 1, '@', end - at - 1) != NULL)
			return -1;
		colon = memchr(auth, ':', at - auth);
		if (colon == NULL)
			colon = at;
		if (colon == auth ||
		    config_unpercent(auth, colon - auth, out->user,
		    sizeof(out->user)) == -1)
			return -1;
		if (colon < at && config_unpercent(colon + 1, at - colon - 1,
		    out->pass, sizeof(out->pass)) == -1)
			return -1;
		hp = at + 1;
	}

	/* The port follows the last colon, unless it is inside [IPv6]. */
	portp = NULL;
	for (p = end; p > hp; p--) {
		if (p[-1] == ']')
			break;
		if (p[-1] == ':') {
			portp = p;
			break;
		}
	}
	hlen = (portp != NULL ? (size_t)(portp - 1 - hp) : (size_t)(end - hp));
	if (config_parse_host(hp, hlen, out->host, sizeof(out->host)) == -1)
		return -1;
	if (portp != NULL) {
		if (portp == end || end - portp > 5 ||
		    strspn(portp, "0123456789") < (size_t)(end - portp))
			return -1;
		v = strtoul(portp, &e, 10);
		if (e != end || v < 1 || v > 65535)
			return -1;
		out->port = (uint16_t)v;
	}

	if (*end == '\0')
		end = "/";
	if (strchr(end, '#') != NULL || strlen(end) >= sizeof(out->path))
		return -1;
	memcpy(out->path, end, strlen(end) + 1);
	return 0;
}
