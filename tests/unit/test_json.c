/*
 * Unit tests for common/json.c: nesting and commas, numbers, and the
 * escaping of what SIP headers may hold (quotes, backslashes, control
 * characters, bytes that are not UTF-8).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>

#include "json.h"

static char	*test_json_take(struct evbuffer *);
static void	 test_json_esc(const char *, size_t, const char *);

/* The buffer's contents as a string (valid until the next call). */
static char *
test_json_take(struct evbuffer *b)
{
	static char	 s[4096];
	size_t		 n = evbuffer_get_length(b);

	assert_true(n < sizeof(s));
	evbuffer_remove(b, s, n);
	s[n] = '\0';
	return s;
}

/* Escape one string and compare with what JSON needs. */
static void
test_json_esc(const char *in, size_t len, const char *want)
{
	struct evbuffer	*b = evbuffer_new();

	assert_non_null(b);
	assert_int_equal(json_escape(b, in, len), 0);
	assert_string_equal(test_json_take(b), want);
	evbuffer_free(b);
}

static void
test_json_nesting(void **state)
{
	struct evbuffer	*b = evbuffer_new();
	struct json	 j;

	(void)state;
	json_init(&j, b);
	json_object(&j, NULL);
	json_array(&j, "calls");
	json_object(&j, NULL);
	json_string(&j, "call_id", "a@b");
	json_uint(&j, "packets", 18446744073709551615ULL);
	json_int(&j, "n", -3);
	json_double(&j, "loss_pct", 4.84, 1);
	json_double(&j, "nan", NAN, 1);
	json_double(&j, "inf", INFINITY, 1);
	json_double(&j, "zero", -0.0, 1);
	json_bool(&j, "held", 0);
	json_null(&j, "none");
	json_array(&j, "streams");
	json_end(&j);
	json_end(&j);
	json_object(&j, NULL);
	json_end(&j);
	json_end(&j);
	json_end(&j);
	assert_int_equal(j.error, 0);
	assert_int_equal(j.depth, 0);
	assert_string_equal(test_json_take(b),
	    "{\"calls\":[{\"call_id\":\"a@b\","
	    "\"packets\":18446744073709551615,\"n\":-3,\"loss_pct\":4.8,"
	    "\"nan\":null,\"inf\":null,\"zero\":0.0,\"held\":false,"
	    "\"none\":null,\"streams\":[]},{}]}");
	/* One close too many is an error, not a stray bracket. */
	json_end(&j);
	assert_int_equal(j.error, 1);
	assert_int_equal(evbuffer_get_length(b), 0);
	evbuffer_free(b);
}

static void
test_json_too_deep(void **state)
{
	struct evbuffer	*b = evbuffer_new();
	struct json	 j;
	int		 i;

	(void)state;
	json_init(&j, b);
	for (i = 0; i < JSON_DEPTH + 2; i++)
		json_array(&j, NULL);
	assert_int_equal(j.error, 1);
	assert_int_equal(j.depth, JSON_DEPTH - 1);
	evbuffer_free(b);
}

static void
test_json_escapes(void **state)
{
	(void)state;
	test_json_esc("plain", 5, "\"plain\"");
	test_json_esc("", 0, "\"\"");
	test_json_esc("\"quoted\" \\back\\", 15,
	    "\"\\\"quoted\\\" \\\\back\\\\\"");
	test_json_esc("a\r\n\tb", 5, "\"a\\r\\n\\tb\"");
	test_json_esc("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"");
	/* A NUL inside the given length is escaped too. */
	test_json_esc("a\0b", 3, "\"a\\u0000b\"");
	/* Well-formed UTF-8 passes: é, €, U+10FFFF. */
	test_json_esc("\xc3\xa9\xe2\x82\xac\xf4\x8f\xbf\xbf", 9,
	    "\"\xc3\xa9\xe2\x82\xac\xf4\x8f\xbf\xbf\"");
	/* Latin-1, a lone continuation, overlongs, surrogates, past 10FFFF. */
	test_json_esc("caf\xe9", 4, "\"caf\xef\xbf\xbd\"");
	test_json_esc("\x80", 1, "\"\xef\xbf\xbd\"");
	test_json_esc("\xc0\xaf", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\"");
	test_json_esc("\xe0\x80\xaf", 3,
	    "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	test_json_esc("\xed\xa0\x80", 3,
	    "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	test_json_esc("\xf4\x90\x80\x80", 4,
	    "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	/* Cut short at the end of the string. */
	test_json_esc("x\xe2\x82", 3, "\"x\xef\xbf\xbd\xef\xbf\xbd\"");
}

static void
test_json_stringn(void **state)
{
	struct evbuffer	*b = evbuffer_new();
	struct json	 j;

	(void)state;
	json_init(&j, b);
	json_array(&j, NULL);
	json_stringn(&j, NULL, "abcdef", 3);
	json_stringn(&j, NULL, "ab\0cd", 5);
	json_string(&j, NULL, NULL);
	json_end(&j);
	assert_string_equal(test_json_take(b), "[\"abc\",\"ab\",\"\"]");
	evbuffer_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_nesting),
		cmocka_unit_test(test_json_too_deep),
		cmocka_unit_test(test_json_escapes),
		cmocka_unit_test(test_json_stringn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
