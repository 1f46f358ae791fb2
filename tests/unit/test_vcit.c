/*
 * Unit tests of the VCIT: calls found by Call-ID and by any flow of their
 * block, refused duplicates and bad arguments, deletion (also from inside
 * vcit_foreach), flow block allocation and the bound on entries.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vcit.h"

#define TV_HRAS	0x80000000U

struct tv_visit {
	struct vcit	*v;
	int		 seen;
	int		 del_odd;	/* delete every other call; else all */
};

static void	 tv_visit(struct vcit_call *, void *);

/* A call is found by its Call-ID and by each flow of its block. */
static void
test_add_find(void **state)
{
	struct vcit		*v;
	struct vcit_call	*c;
	uint32_t		 i;

	(void)state;
	assert_non_null(v = vcit_new());
	assert_int_equal(vcit_count(v), 0);
	assert_null(vcit_find(v, "a@host"));
	assert_non_null(c = vcit_add(v, "a@host", 0x80000010U));
	assert_int_equal(vcit_count(v), 1);
	assert_string_equal(c->call_id, "a@host");
	assert_int_equal(c->flow_base, 0x80000010U);
	assert_int_equal(c->nstreams, 0);
	assert_int_equal(c->established, 0);
	assert_true(c->created > 0);
	for (i = 0; i < VCIT_STREAMS; i++) {
		assert_int_equal(c->stream[i].flow, 0x80000010U + i);
		assert_null(c->stream[i].mf);
		assert_ptr_equal(vcit_find_flow(v, 0x80000010U + i), c);
	}
	assert_ptr_equal(vcit_find(v, "a@host"), c);
	assert_null(vcit_find(v, "A@host"));	/* Call-IDs are exact */
	assert_null(vcit_find(v, "a@hos"));
	assert_null(vcit_find_flow(v, 0x80000018U));
	assert_null(vcit_find_flow(v, 0x80000008U));
	assert_null(vcit_find_flow(v, 0x10U));
	assert_null(vcit_find_flow(v, 0));
	vcit_free(v);
}

/* A Call-ID or flow block already held, or a bad argument, is refused. */
static void
test_add_refused(void **state)
{
	struct vcit	*v;
	char		 id[300];

	(void)state;
	assert_non_null(v = vcit_new());
	assert_non_null(vcit_add(v, "dup", 8));
	errno = 0;
	assert_null(vcit_add(v, "dup", 16));
	assert_int_equal(errno, EEXIST);
	errno = 0;
	assert_null(vcit_add(v, "other", 8));
	assert_int_equal(errno, EEXIST);
	errno = 0;
	assert_null(vcit_add(v, "odd", 12));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(vcit_add(v, "", 24));
	assert_int_equal(errno, EINVAL);
	memset(id, 'x', sizeof(id));
	id[256] = '\0';
	errno = 0;
	assert_null(vcit_add(v, id, 32));
	assert_int_equal(errno, EINVAL);
	id[255] = '\0';
	assert_non_null(vcit_add(v, id, 32));
	assert_non_null(vcit_find(v, id));
	/* Calls without media share base 0, which no flow finds. */
	assert_non_null(vcit_add(v, "nomedia1", 0));
	assert_non_null(vcit_add(v, "nomedia2", 0));
	assert_null(vcit_find_flow(v, 3));
	assert_int_equal(vcit_count(v), 4);
	vcit_free(v);
}

/* A deleted call is gone from both indexes; the others stay. */
static void
test_del(void **state)
{
	struct vcit		*v;
	struct vcit_call	*c[10];
	char			 id[32];
	int			 i;

	(void)state;
	assert_non_null(v = vcit_new());
	for (i = 0; i < 10; i++) {
		snprintf(id, sizeof(id), "call-%d", i);
		assert_non_null(c[i] = vcit_add(v, id, 8 * (uint32_t)(i + 1)));
	}
	vcit_del(v, c[4]);
	vcit_del(v, c[0]);
	vcit_del(v, c[9]);
	assert_int_equal(vcit_count(v), 7);
	assert_null(vcit_find(v, "call-4"));
	assert_null(vcit_find_flow(v, 8 * 5));
	assert_null(vcit_find(v, "call-0"));
	assert_null(vcit_find_flow(v, 8 + 7));
	for (i = 1; i < 9; i++) {
		if (i == 4)
			continue;
		snprintf(id, sizeof(id), "call-%d", i);
		assert_ptr_equal(vcit_find(v, id), c[i]);
		assert_ptr_equal(vcit_find_flow(v, 8 * (uint32_t)(i + 1) + 3),
		    c[i]);
	}
	/* Both the Call-ID and the block can be used again. */
	assert_non_null(vcit_add(v, "call-4", 8 * 5));
	vcit_free(v);
}

/* Blocks carry the high bit asked for, are never 0 and never repeat. */
static void
test_flow_alloc(void **state)
{
	struct vcit	*v;
	uint32_t	*got, base, a;
	char		 id[32];
	int		 i, j, n = 2000;

	(void)state;
	assert_non_null(v = vcit_new());
	assert_non_null(got = calloc((size_t)n, sizeof(*got)));
	for (i = 0; i < n; i++) {
		base = vcit_flow_alloc(v, i % 2 ? TV_HRAS : 0);
		assert_int_not_equal(base, 0);
		assert_int_equal(base % VCIT_STREAMS, 0);
		assert_int_equal(base & TV_HRAS, i % 2 ? TV_HRAS : 0);
		for (j = 0; j < i; j++)
			assert_int_not_equal(got[j], base);
		got[i] = base;
		/* Half of them are held by calls, half only handed out. */
		if (i % 4 < 2) {
			snprintf(id, sizeof(id), "c%d", i);
			assert_non_null(vcit_add(v, id, base));
		}
	}
	/* Blocks held by calls entered with their own base are skipped. */
	a = vcit_flow_alloc(v, TV_HRAS);
	assert_non_null(vcit_add(v, "x1", TV_HRAS |
	    ((a + 8) & 0x7ffffff8U)));
	assert_non_null(vcit_add(v, "x2", TV_HRAS |
	    ((a + 16) & 0x7ffffff8U)));
	base = vcit_flow_alloc(v, TV_HRAS);
	assert_int_equal(base, TV_HRAS | ((a + 24) & 0x7ffffff8U));
	assert_ptr_equal(vcit_find_flow(v, base), NULL);
	free(got);
	vcit_free(v);
}

/* Count a visit and delete the call if the test asks for it. */
static void
tv_visit(struct vcit_call *c, void *arg)
{
	struct tv_visit	*tv = arg;

	if (!tv->del_odd || (c->flow_base / 8) % 2 == 1)
		vcit_del(tv->v, c);
	tv->seen++;
}

/* vcit_foreach visits every call once, even when it deletes them. */
static void
test_foreach_delete(void **state)
{
	struct tv_visit	 tv;
	char		 id[32];
	uint32_t	 i;

	(void)state;
	memset(&tv, 0, sizeof(tv));
	assert_non_null(tv.v = vcit_new());
	for (i = 1; i <= 100; i++) {
		snprintf(id, sizeof(id), "f%u", i);
		assert_non_null(vcit_add(tv.v, id, 8 * i));
	}
	tv.del_odd = 1;
	vcit_foreach(tv.v, tv_visit, &tv);
	assert_int_equal(tv.seen, 100);
	assert_int_equal(vcit_count(tv.v), 50);
	assert_null(vcit_find(tv.v, "f1"));
	assert_non_null(vcit_find(tv.v, "f2"));
	assert_null(vcit_find_flow(tv.v, 8 * 99));
	assert_non_null(vcit_find_flow(tv.v, 8 * 100));
	tv.seen = 0;
	tv.del_odd = 0;
	vcit_foreach(tv.v, tv_visit, &tv);
	assert_int_equal(tv.seen, 50);
	assert_int_equal(vcit_count(tv.v), 0);
	tv.seen = 0;
	vcit_foreach(tv.v, tv_visit, &tv);
	assert_int_equal(tv.seen, 0);
	vcit_free(tv.v);
}

/* The table holds VCIT_MAX calls, all still found, and no more. */
static void
test_bound(void **state)
{
	struct vcit		*v;
	struct vcit_call	*c;
	char			 id[32];
	uint32_t		 i;

	(void)state;
	assert_non_null(v = vcit_new());
	for (i = 0; i < VCIT_MAX; i++) {
		snprintf(id, sizeof(id), "b%u@h", i);
		assert_non_null(vcit_add(v, id, vcit_flow_alloc(v, TV_HRAS)));
	}
	assert_int_equal(vcit_count(v), VCIT_MAX);
	errno = 0;
	assert_null(vcit_add(v, "one-more", vcit_flow_alloc(v, TV_HRAS)));
	assert_int_equal(errno, ENOSPC);
	for (i = 0; i < VCIT_MAX; i++) {
		snprintf(id, sizeof(id), "b%u@h", i);
		assert_non_null(c = vcit_find(v, id));
		assert_ptr_equal(vcit_find_flow(v, c->flow_base + 7), c);
	}
	vcit_del(v, vcit_find(v, "b77@h"));
	assert_non_null(vcit_add(v, "one-more", vcit_flow_alloc(v, 0)));
	vcit_free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_find),
		cmocka_unit_test(test_add_refused),
		cmocka_unit_test(test_del),
		cmocka_unit_test(test_flow_alloc),
		cmocka_unit_test(test_foreach_delete),
		cmocka_unit_test(test_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
