/*
 * The JSON writer of json.h. Escaping follows RFC 8259: quote, backslash
 * and the C0 controls are escaped (DEL too, for terminals); a byte that
 * does not start a well-formed UTF-8 sequence (RFC 3629: no overlongs, no
 * surrogates, nothing past U+10FFFF) becomes U+FFFD, so the output is
 * always valid JSON in valid UTF-8.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>

#include "json.h"

static void	json_key(struct json *, const char *);
static void	json_open(struct json *, const char *, char, char);
static size_t	json_utf8_len(const unsigned char *, size_t);

/* Start writing into out. */
void
json_init(struct json *j, struct evbuffer *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
}

/* The comma before a value, and its key inside an object. */
static void
json_key(struct json *j, const char *key)
{
	if (j->count[j->depth] != 0 &&
	    evbuffer_add(j->out, ",", 1) == -1)
		j->error = 1;
	j->count[j->depth] = 1;
	if (key == NULL)
		return;
	if (json_escape(j->out, key, strlen(key)) == -1 ||
	    evbuffer_add(j->out, ":", 1) == -1)
		j->error = 1;
}

/* Open an object or an array. */
static void
json_open(struct json *j, const char *key, char open, char close)
{
	if (j->depth + 1 >= JSON_DEPTH) {
		j->error = 1;
		return;
	}
	json_key(j, key);
	if (evbuffer_add(j->out, &open, 1) == -1)
		j->error = 1;
	j->depth++;
	j->count[j->depth] = 0;
	j->close[j->depth] = close;
}

/* Open an object. */
void
json_object(struct json *j, const char *key)
{
	json_open(j, key, '{', '}');
}

/* Open an array. */
void
json_array(struct json *j, const char *key)
{
	json_open(j, key, '[', ']');
}

/* Close the innermost object or array. */
void
json_end(struct json *j)
{
	if (j->depth == 0) {
		j->error = 1;
		return;
	}
	if (evbuffer_add(j->out, &j->close[j->depth], 1) == -1)
		j->error = 1;
	j->depth--;
}

/* A string member. */
void
json_string(struct json *j, const char *key, const char *s)
{
	json_stringn(j, key, s, s != NULL ? strlen(s) : 0);
}

/* A string member of at most len bytes. */
void
json_stringn(struct json *j, const char *key, const char *s, size_t len)
{
	const char	*nul;

	json_key(j, key);
	if (s == NULL)
		s = "";
	if ((nul = memchr(s, '\0', len)) != NULL)
		len = (size_t)(nul - s);
	if (json_escape(j->out, s, len) == -1)
		j->error = 1;
}

/* An unsigned integer member. */
void
json_uint(struct json *j, const char *key, uint64_t v)
{
	json_key(j, key);
	if (evbuffer_add_printf(j->out, "%llu", (unsigned long long)v) < 0)
		j->error = 1;
}

/* A signed integer member. */
void
json_int(struct json *j, const char *key, int64_t v)
{
	json_key(j, key);
	if (evbuffer_add_printf(j->out, "%lld", (long long)v) < 0)
		j->error = 1;
}

/* A number with decimals; null for what JSON cannot say. */
void
json_double(struct json *j, const char *key, double v, int decimals)
{
	json_key(j, key);
	if (!isfinite(v)) {
		if (evbuffer_add(j->out, "null", 4) == -1)
			j->error = 1;
		return;
	}
	if (decimals < 0 || decimals > 9)
		decimals = 3;
	/* "-0.0" is valid JSON but reads oddly in a listing. */
	if (v == 0)
		v = 0;
	if (evbuffer_add_printf(j->out, "%.*f", decimals, v) < 0)
		j->error = 1;
}

/* A boolean member. */
void
json_bool(struct json *j, const char *key, int v)
{
	json_key(j, key);
	if (evbuffer_add_printf(j->out, "%s", v ? "true" : "false") < 0)
		j->error = 1;
}

/* A null member. */
void
json_null(struct json *j, const char *key)
{
	json_key(j, key);
	if (evbuffer_add(j->out, "null", 4) == -1)
		j->error = 1;
}

/*
 * Length of the well-formed UTF-8 sequence at p (RFC 3629 table 3-7), or
 * 0 when the byte there does not start one.
 */
static size_t
json_utf8_len(const unsigned char *p, size_t left)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (p[0] == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		if (p[0] == 0xf0)
			lo = 0x90;	/* overlong */
		else if (p[0] == 0xf4)
			hi = 0x8f;	/* past U+10FFFF */
	} else
		return 0;
	if (left < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/* Append s[0..len) as a quoted, escaped JSON string. */
int
json_escape(struct evbuffer *out, const char *s, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	static const char	 repl[] = "\xef\xbf\xbd";	/* U+FFFD */
	const unsigned char	*p = (const unsigned char *)s;
	char			 esc[6];
	size_t			 i = 0, run, n;
	int			 rc = 0;

	rc |= evbuffer_add(out, "\"", 1);
	while (i < len) {
		/* Plain bytes go out in runs, not one by one. */
		for (run = i; run < len && p[run] >= 0x20 && p[run] < 0x7f &&
		    p[run] != '"' && p[run] != '\\'; run++)
			;
		if (run > i) {
			rc |= evbuffer_add(out, p + i, run - i);
			i = run;
			continue;
		}
		if (p[i] == '"' || p[i] == '\\') {
			esc[0] = '\\';
			esc[1] = (char)p[i];
			rc |= evbuffer_add(out, esc, 2);
			i++;
		} else if (p[i] < 0x20 || p[i] == 0x7f) {
			switch (p[i]) {
			case '\n':
				rc |= evbuffer_add(out, "\\n", 2);
				break;
			case '\r':
				rc |= evbuffer_add(out, "\\r", 2);
				break;
			case '\t':
				rc |= evbuffer_add(out, "\\t", 2);
				break;
			default:
				memcpy(esc, "\\u00", 4);
				esc[4] = hex[p[i] >> 4];
				esc[5] = hex[p[i] & 0xf];
				rc |= evbuffer_add(out, esc, 6);
			}
			i++;
		} else if ((n = json_utf8_len(p + i, len - i)) != 0) {
			rc |= evbuffer_add(out, p + i, n);
			i += n;
		} else {
			rc |= evbuffer_add(out, repl, 3);
			i++;
		}
	}
	rc |= evbuffer_add(out, "\"", 1);
	return rc != 0 ? -1 : 0;
}
