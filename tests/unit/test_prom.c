/*
 * Unit tests for common/prom.c: the text exposition format's HELP and
 * TYPE lines, samples with and without labels, the escaping of label
 * values (backslash, double quote, newline) and HELP texts, numbers, and
 * the names the writer refuses to write.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>

#include "prom.h"

static char	*test_prom_take(struct evbuffer *);

/* The buffer's contents as a string (valid until the next call). */
static char *
test_prom_take(struct evbuffer *b)
{
	static char	 s[4096];
	size_t		 n = evbuffer_get_length(b);

	assert_true(n < sizeof(s));
	evbuffer_remove(b, s, n);
	s[n] = '\0';
	return s;
}

static void
test_prom_family(void **state)
{
	struct evbuffer		*b = evbuffer_new();
	struct prom		 p;
	struct prom_label	 l[2] = { { "client", "c1" },
				    { "mode", "stream" } };

	(void)state;
	assert_non_null(b);
	prom_init(&p, b);
	prom_family(&p, "vofw_tunnel_up", PROM_GAUGE, "Tunnels up.");
	prom_uint(&p, "vofw_tunnel_up", l, 2, 1);
	prom_uint(&p, "vofw_tunnel_up", l, 1, 0);
	prom_family(&p, "vofw_x_total", PROM_COUNTER, "Things.");
	prom_uint(&p, "vofw_x_total", NULL, 0, 18446744073709551615ULL);
	assert_int_equal(p.error, 0);
	assert_string_equal(test_prom_take(b),
	    "# HELP vofw_tunnel_up Tunnels up.\n"
	    "# TYPE vofw_tunnel_up gauge\n"
	    "vofw_tunnel_up{client=\"c1\",mode=\"stream\"} 1\n"
	    "vofw_tunnel_up{client=\"c1\"} 0\n"
	    "# HELP vofw_x_total Things.\n"
	    "# TYPE vofw_x_total counter\n"
	    "vofw_x_total 18446744073709551615\n");
	evbuffer_free(b);
}

static void
test_prom_escapes(void **state)
{
	struct evbuffer		*b = evbuffer_new();
	struct prom		 p;
	struct prom_label	 l = { "client", "a\"b\\c\nd" };

	(void)state;
	assert_non_null(b);
	prom_init(&p, b);
	prom_family(&p, "m", PROM_GAUGE, "back\\slash\nnew \"line\"");
	prom_uint(&p, "m", &l, 1, 7);
	assert_int_equal(p.error, 0);
	/* HELP escapes backslash and newline only, quotes stay. */
	assert_string_equal(test_prom_take(b),
	    "# HELP m back\\\\slash\\nnew \"line\"\n"
	    "# TYPE m gauge\n"
	    "m{client=\"a\\\"b\\\\c\\nd\"} 7\n");
	assert_int_equal(prom_escape(b, ""), 0);
	assert_int_equal(prom_escape(b, "\\\\"), 0);
	assert_string_equal(test_prom_take(b), "\\\\\\\\");
	evbuffer_free(b);
}

static void
test_prom_numbers(void **state)
{
	struct evbuffer	*b = evbuffer_new();
	struct prom	 p;

	(void)state;
	assert_non_null(b);
	prom_init(&p, b);
	prom_double(&p, "a", NULL, 0, 0.25);
	prom_double(&p, "a", NULL, 0, 1764655108.0);
	prom_double(&p, "a", NULL, 0, NAN);
	prom_double(&p, "a", NULL, 0, INFINITY);
	prom_double(&p, "a", NULL, 0, -INFINITY);
	prom_one(&p, "b_seconds", PROM_GAUGE, "B.", 0.0008);
	prom_family(&p, "h", PROM_HISTOGRAM, "H.");
	assert_int_equal(p.error, 0);
	assert_string_equal(test_prom_take(b),
	    "a 0.25\na 1764655108\na NaN\na +Inf\na -Inf\n"
	    "# HELP b_seconds B.\n# TYPE b_seconds gauge\nb_seconds 0.0008\n"
	    "# HELP h H.\n# TYPE h histogram\n");
	evbuffer_free(b);
}

static void
test_prom_bad_names(void **state)
{
	struct evbuffer		*b = evbuffer_new();
	struct prom		 p;
	struct prom_label	 bad[] = { { "a:b", "x" } };
	struct prom_label	 nul[] = { { "a", NULL } };

	(void)state;
	assert_non_null(b);
	prom_init(&p, b);
	prom_family(&p, "1abc", PROM_GAUGE, "x");
	assert_int_equal(p.error, 1);
	prom_init(&p, b);
	prom_uint(&p, "ab-c", NULL, 0, 1);
	assert_int_equal(p.error, 1);
	prom_init(&p, b);
	prom_uint(&p, "abc", bad, 1, 1);
	assert_int_equal(p.error, 1);
	prom_init(&p, b);
	prom_uint(&p, "abc", nul, 1, 1);
	assert_int_equal(p.error, 1);
	prom_init(&p, b);
	prom_uint(&p, "", NULL, 0, 1);
	assert_int_equal(p.error, 1);
	/* Once failed, nothing more is written. */
	evbuffer_drain(b, evbuffer_get_length(b));
	prom_uint(&p, "ok", NULL, 0, 1);
	assert_int_equal(evbuffer_get_length(b), 0);
	prom_init(&p, b);
	prom_uint(&p, "ok:sub_total", NULL, 0, 1);
	assert_int_equal(p.error, 0);
	evbuffer_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prom_family),
		cmocka_unit_test(test_prom_escapes),
		cmocka_unit_test(test_prom_numbers),
		cmocka_unit_test(test_prom_bad_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
