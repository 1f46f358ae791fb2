/*
 * A small JSON writer for the control socket's answers: objects, arrays,
 * strings, numbers, appended to an evbuffer as they are produced, so a
 * long listing can be written a batch at a time. Strings are escaped
 * whatever they hold: SIP headers bring control characters and bytes that
 * are not UTF-8, which come out as \u escapes and U+FFFD.
 */
#ifndef VOFW_JSON_H
#define VOFW_JSON_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;

#define JSON_DEPTH	16	/* nesting a writer holds */

struct json {
	struct evbuffer	*out;
	int		 depth;
	int		 error;		/* an append failed, or bad nesting */
	unsigned char	 count[JSON_DEPTH];	/* a value was written at
						   this level: 0 or 1 */
	char		 close[JSON_DEPTH];	/* '}' or ']' */
};

/*
 * Every call takes the member's key inside an object, NULL inside an
 * array or at the top.
 */
void	json_init(struct json *, struct evbuffer *);
void	json_object(struct json *, const char *key);
void	json_array(struct json *, const char *key);
void	json_end(struct json *);	/* closes the innermost */
void	json_string(struct json *, const char *key, const char *);
/* At most len bytes of the string (stops at a NUL). */
void	json_stringn(struct json *, const char *key, const char *, size_t);
void	json_uint(struct json *, const char *key, uint64_t);
void	json_int(struct json *, const char *key, int64_t);
/* With the given decimals; NaN and infinities, which JSON lacks, as null. */
void	json_double(struct json *, const char *key, double, int decimals);
void	json_bool(struct json *, const char *key, int);
void	json_null(struct json *, const char *key);
/* Append a string as JSON (with its quotes): 0, or -1 out of memory. */
int	json_escape(struct evbuffer *, const char *, size_t);

#endif
